import { Adamax, tensor } from "../../mod.ts";
import { familyTests, validationTests } from "./family_fixture.ts";

familyTests("Adamax", "two groups with overrides");

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
validationTests("Adamax", {
  "Adamax lr": () => new Adamax([p], { lr: -0.1 }),
  "Adamax eps": () => new Adamax([p], { eps: -0.1 }),
  "Adamax beta 0": () => new Adamax([p], { betas: [-0.1, 0.999] }),
  "Adamax beta 1": () => new Adamax([p], { betas: [0.9, 1.5] }),
  "Adamax weightDecay": () => new Adamax([p], { weightDecay: -0.1 }),
});
