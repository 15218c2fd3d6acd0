import { Adam, AdamW, tensor } from "../../mod.ts";
import { assertEquals } from "../../deps.ts";
import { familyTests, validationTests } from "./family_fixture.ts";

familyTests("AdamW", "two groups with lr changed between steps");

Deno.test("AdamW is Adam with decoupled weight decay and PyTorch's AdamW default weightDecay of 1e-2", () => {
  const w = tensor([1, 2], { dtype: "float32", requiresGrad: true });
  const opt = new AdamW([w]);
  const { params: _, ...group } = opt.paramGroups[0];
  assertEquals(group, { ...new Adam([w]).defaults, weightDecay: 1e-2, decoupledWeightDecay: true });
});

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
validationTests("AdamW", {
  "AdamW lr": () => new AdamW([p], { lr: -0.1 }),
  "AdamW eps": () => new AdamW([p], { eps: -1e-8 }),
  "AdamW beta 1": () => new AdamW([p], { betas: [0.9, 1] }),
  "AdamW weightDecay": () => new AdamW([p], { weightDecay: -0.1 }),
});
