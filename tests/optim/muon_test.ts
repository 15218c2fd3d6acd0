import { Muon, tensor } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
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

const TRAJECTORIES = trajectoriesOf("Muon");

Deno.test("Muon's fixture says it transcribes PyTorch's _muon.py (in float32) and has wide and tall matrices", () => {
  assert(BEYOND.sources.Muon.includes("torch/optim/_muon.py"), BEYOND.sources.Muon);
  assert(BEYOND.sources.Muon.includes("float32"), BEYOND.sources.Muon);
  const shapes = TRAJECTORIES[0].initial.map((e) => e.shape);
  assert(shapes.some(([a, b]) => a < b) && shapes.some(([a, b]) => a > b), `shapes ${shapes}`);
});

for (const t of TRAJECTORIES) {
  testOnDevices(
    `Muon.step() matches PyTorch's algorithm for ${t.name}, every step's parameters and state`,
    async (dev) => {
      const params = makeParams(t.initial, dev);
      await runBeyond(t, makeBeyond(t, params), params, dev);
    },
  );
}

testOnDevices("Muon: stateDict → JSON → loadStateDict continues exactly (two groups)", async (dev) => {
  await assertResumes(TRAJECTORIES.find((t) => t.name === "two groups with overrides")!, dev);
});

testOnDevices("Muon.step() orthogonalizes on the device, reading nothing back", (dev) => {
  const w = tensor(new Float32Array(12).map((_, i) => Math.sin(i)), {
    shape: [3, 4],
    device: dev,
    requiresGrad: true,
  });
  w.grad = tensor(new Float32Array(12).map((_, i) => Math.cos(i)), { shape: [3, 4], device: dev });
  assertStepReadsNothing(new Muon([w], { lr: 0.02 }), dev);
});

const p = tensor([[1, 2]], { dtype: "float32", requiresGrad: true });
const bias = tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
const VALIDATION: [string, () => unknown, string][] = [
  ["lr", () => new Muon([p], { lr: -0.1 }), "Learning rate should be >= 0 but is: -0.1"],
  ["momentum", () => new Muon([p], { momentum: -0.5 }), "momentum should be >= 0 but is: -0.5"],
  ["weightDecay", () => new Muon([p], { weightDecay: -0.1 }), "weight decay should be >= 0 but is: -0.1"],
  [
    "adjustLrFn",
    () => new Muon([p], { adjustLrFn: "linear" as "original" }),
    "Adjust learning rate function linear is not supported",
  ],
  ["nsSteps", () => new Muon([p], { nsSteps: 100 }), "Number of steps must be less than 100"],
  [
    "nsCoefficients",
    () => new Muon([p], { nsCoefficients: [1, 2] as unknown as [number, number, number] }),
    "Coefficients must be a tuple of exactly 3 values",
  ],
  [
    "a 1-D parameter",
    () => new Muon([p, bias]),
    "Muon only supports 2D parameters whereas we found a parameter with size: [3] (params[1]",
  ],
];
for (const [name, call, message] of VALIDATION) {
  Deno.test(`Muon validation: ${name} fails with PyTorch's message`, () => {
    assertThrows(call, RangeError, message);
  });
}

Deno.test("Muon.addParamGroup() with a 3-D parameter fails and leaves the groups as they were", () => {
  const opt = new Muon([p]);
  const cube = tensor([[[1]]], { dtype: "float32", requiresGrad: true });
  assertThrows(() => opt.addParamGroup({ params: [cube] }), RangeError, "size: [1,1,1]");
  assertEquals(opt.paramGroups.length, 1);
});
