import { Lion, tensor } from "../../mod.ts";
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

const TRAJECTORIES = trajectoriesOf("Lion");

Deno.test("Lion's fixture says it transcribes the paper's Program 1 in lion-pytorch's order", () => {
  assert(BEYOND.sources.Lion.includes("Program 1") && BEYOND.sources.Lion.includes("lion-pytorch"));
});

for (const t of TRAJECTORIES) {
  testOnDevices(
    `Lion.step() matches the paper's algorithm for ${t.name}, every step's parameters and state`,
    async (dev) => {
      const params = makeParams(t.initial, dev);
      await runBeyond(t, makeBeyond(t, params), params, dev);
    },
  );
}

testOnDevices("Lion: stateDict → JSON → loadStateDict continues exactly (two groups)", async (dev) => {
  await assertResumes(TRAJECTORIES.find((t) => t.name === "two groups with overrides")!, dev);
});

testOnDevices("Lion.step() reads nothing back", (dev) => {
  const w = tensor([1, -2, 3], { dtype: "float32", device: dev, requiresGrad: true });
  w.grad = tensor([0.5, 0, -1], { dtype: "float32", device: dev });
  assertStepReadsNothing(new Lion([w], { lr: 0.1, weightDecay: 0.1 }), dev);
});

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
const VALIDATION: [string, () => unknown, string][] = [
  ["lr", () => new Lion([p], { lr: -0.1 }), "Invalid learning rate: -0.1 (expected lr >= 0)"],
  ["beta 0", () => new Lion([p], { betas: [-0.5, 0.99] }), "Invalid beta parameter at index 0: -0.5"],
  ["beta 1", () => new Lion([p], { betas: [0.9, 1.5] }), "Invalid beta parameter at index 1: 1.5"],
  ["weightDecay", () => new Lion([p], { weightDecay: -1 }), "Invalid weightDecay value: -1"],
];
for (const [name, call, message] of VALIDATION) {
  Deno.test(`Lion validation: ${name} fails, naming the value and what was expected`, () => {
    assertThrows(call, RangeError, message);
  });
}
