import { NAdam, tensor } from "../../mod.ts";
import { assert, assertEquals } from "../../deps.ts";
import { FAMILY, familyTests, trajectoriesOf, validationTests } from "./family_fixture.ts";

Deno.test("NAdam's fixture transcribes PyTorch 2, checked to give PyTorch 1.13's numbers where the two agree", () => {
  const { source, checkedAgainst, maxRelativeDifference } = FAMILY.transcriptions.NAdam;
  assert(source.includes("PyTorch 2") && source.includes("#92699") && checkedAgainst.includes("1.13"));
  assertEquals(maxRelativeDifference, 0);
  assert(trajectoriesOf("NAdam").every((t) => t.madeWith === "NAdam2"));
});

familyTests("NAdam", "two groups with overrides");

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
validationTests("NAdam", {
  "NAdam lr": () => new NAdam([p], { lr: -0.1 }),
  "NAdam eps": () => new NAdam([p], { eps: -0.1 }),
  "NAdam beta 0": () => new NAdam([p], { betas: [1, 0.999] }),
  "NAdam beta 1": () => new NAdam([p], { betas: [0.9, -0.5] }),
  "NAdam weightDecay": () => new NAdam([p], { weightDecay: -0.1 }),
  "NAdam momentumDecay": () => new NAdam([p], { momentumDecay: -0.1 }),
});
