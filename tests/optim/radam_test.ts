import { RAdam, tensor } from "../../mod.ts";
import { assert, assertEquals } from "../../deps.ts";
import { FAMILY, familyTests, trajectoriesOf, validationTests } from "./family_fixture.ts";

Deno.test("RAdam's decoupled and maximize fixtures transcribe PyTorch 2, checked against PyTorch 1.13", () => {
  const { source, checkedAgainst, maxRelativeDifference } = FAMILY.transcriptions.RAdam;
  assert(source.includes("PyTorch 2") && checkedAgainst.includes("1.13"));
  assertEquals(maxRelativeDifference, 0);
  for (const t of trajectoriesOf("RAdam")) {
    const transcribed = JSON.stringify(t).includes('"decoupledWeightDecay":true') ||
      JSON.stringify(t).includes('"maximize":true');
    assertEquals(t.madeWith, transcribed ? "RAdam2" : "torch.optim.RAdam", t.name);
  }
});

familyTests("RAdam", "two groups with overrides");

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
validationTests("RAdam", {
  "RAdam lr": () => new RAdam([p], { lr: -0.1 }),
  "RAdam eps": () => new RAdam([p], { eps: -0.1 }),
  "RAdam beta 0": () => new RAdam([p], { betas: [-0.9, 0.999] }),
  "RAdam beta 1": () => new RAdam([p], { betas: [0.9, 1] }),
  "RAdam weightDecay": () => new RAdam([p], { weightDecay: -0.1 }),
});
