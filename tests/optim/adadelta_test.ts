import { Adadelta, tensor } from "../../mod.ts";
import { familyTests, validationTests } from "./family_fixture.ts";

familyTests("Adadelta", "missing gradients and lr changed between steps");

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
validationTests("Adadelta", {
  "Adadelta lr": () => new Adadelta([p], { lr: -0.1 }),
  "Adadelta rho negative": () => new Adadelta([p], { rho: -0.1 }),
  "Adadelta rho above 1": () => new Adadelta([p], { rho: 1.5 }),
  "Adadelta rho of 1": () => new Adadelta([p], { rho: 1 }),
  "Adadelta eps": () => new Adadelta([p], { eps: -0.1 }),
  "Adadelta weightDecay": () => new Adadelta([p], { weightDecay: -0.1 }),
});
