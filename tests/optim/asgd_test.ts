import { ASGD, tensor } from "../../mod.ts";
import { familyTests, validationTests } from "./family_fixture.ts";

familyTests("ASGD", "missing gradients and lr changed between steps");

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
validationTests("ASGD", {
  "ASGD lr": () => new ASGD([p], { lr: -0.1 }),
  "ASGD weightDecay": () => new ASGD([p], { weightDecay: -0.1 }),
});
