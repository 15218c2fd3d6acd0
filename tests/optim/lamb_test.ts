import { LAMB, tensor } from "../../mod.ts";
import { assert, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { makeParams } from "./fixture.ts";
import {
  assertResumes,
  assertStepReadsNothing,
  BEYOND,
  makeBeyond,
  runBeyond,
  trajectoriesOf,
} from "./beyond_fixture.ts";

const TRAJECTORIES = trajectoriesOf("LAMB");

Deno.test("LAMB's fixture says which variant it transcribes", () => {
  for (const words of ["Algorithm 2", "trust ratio 1 when either norm is 0", "trust_clip"]) {
    assert(BEYOND.sources.LAMB.includes(words), `${BEYOND.sources.LAMB} does not say ${words}`);
  }
});

for (const t of TRAJECTORIES) {
  testOnDevices(
    `LAMB.step() matches the paper's algorithm for ${t.name}, every step's parameters and state`,
    async (dev) => {
      const params = makeParams(t.initial, dev);
      await runBeyond(t, makeBeyond(t, params), params, dev);
    },
  );
}

testOnDevices("LAMB: stateDict → JSON → loadStateDict continues exactly (two groups)", async (dev) => {
  await assertResumes(TRAJECTORIES.find((t) => t.name === "two groups with overrides")!, dev);
});

testOnDevices("LAMB.step() takes both norms on the device, reading nothing back", (dev) => {
  const w = tensor([1, -2, 3], { dtype: "float32", device: dev, requiresGrad: true });
  w.grad = tensor([0.5, 0, -1], { dtype: "float32", device: dev });
  assertStepReadsNothing(new LAMB([w], { lr: 0.1, weightDecay: 0.1 }), dev);
});

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
const VALIDATION: [string, () => unknown, string][] = [
  ["lr", () => new LAMB([p], { lr: -0.1 }), "Invalid learning rate: -0.1 (expected lr >= 0)"],
  ["eps", () => new LAMB([p], { eps: -1 }), "Invalid epsilon value: -1 (expected eps >= 0)"],
  ["beta 1", () => new LAMB([p], { betas: [0.9, 1] }), "Invalid beta parameter at index 1: 1"],
  ["weightDecay", () => new LAMB([p], { weightDecay: -1 }), "Invalid weightDecay value: -1"],
];
for (const [name, call, message] of VALIDATION) {
  Deno.test(`LAMB validation: ${name} fails, naming the value and what was expected`, () => {
    assertThrows(call, RangeError, message);
  });
}
