import { Rprop, tensor } from "../../mod.ts";
import { familyTests, validationTests } from "./family_fixture.ts";

familyTests("Rprop", "two groups with overrides");

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
validationTests("Rprop", {
  "Rprop lr": () => new Rprop([p], { lr: -0.1 }),
  "Rprop etas with etaplus below 1": () => new Rprop([p], { etas: [0.5, 0.9] }),
  "Rprop etas with etaminus 0": () => new Rprop([p], { etas: [0, 1.2] }),
  "Rprop etas with etaminus 1": () => new Rprop([p], { etas: [1, 1.2] }),
});
