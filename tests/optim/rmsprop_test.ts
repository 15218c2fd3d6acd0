import { RMSprop, tensor } from "../../mod.ts";
import { familyTests, validationTests } from "./family_fixture.ts";

familyTests("RMSprop", "missing gradients and lr changed between steps");

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
validationTests("RMSprop", {
  "RMSprop lr": () => new RMSprop([p], { lr: -0.1 }),
  "RMSprop eps": () => new RMSprop([p], { eps: -0.1 }),
  "RMSprop momentum": () => new RMSprop([p], { momentum: -0.1 }),
  "RMSprop weightDecay": () => new RMSprop([p], { weightDecay: -0.1 }),
  "RMSprop alpha": () => new RMSprop([p], { alpha: -0.1 }),
});
