import { Adafactor, tensor } from "../../mod.ts";
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

const TRAJECTORIES = trajectoriesOf("Adafactor");

Deno.test("Adafactor's fixture says it transcribes PyTorch's _adafactor.py and covers 1-D, 2-D and 3-D params", () => {
  assert(BEYOND.sources.Adafactor.includes("torch/optim/_adafactor.py"), BEYOND.sources.Adafactor);
  assertEquals(TRAJECTORIES[0].initial.map((e) => e.shape.length).sort(), [1, 2, 3]);
});

for (const t of TRAJECTORIES) {
  testOnDevices(
    `Adafactor.step() matches PyTorch's algorithm for ${t.name}, every step's parameters and state`,
    async (dev) => {
      const params = makeParams(t.initial, dev);
      await runBeyond(t, makeBeyond(t, params), params, dev);
    },
  );
}

testOnDevices("Adafactor: stateDict → JSON → loadStateDict continues exactly (two groups)", async (dev) => {
  await assertResumes(TRAJECTORIES.find((t) => t.name === "two groups with overrides")!, dev);
});

testOnDevices(
  "Adafactor keeps rowVar and colVar over the last two dims, and a full variance for vectors",
  (dev) => {
    const [matrix, vector] = [[2, 3, 4], [5]].map((shape) =>
      tensor(new Float32Array(shape.reduce((a, b) => a * b)), { shape, device: dev, requiresGrad: true })
    );
    const opt = new Adafactor([matrix, vector]);
    matrix.grad = tensor(new Float32Array(24).fill(1), { shape: [2, 3, 4], device: dev });
    vector.grad = tensor(new Float32Array(5).fill(1), { shape: [5], device: dev });
    assertStepReadsNothing(opt, dev);
    const [m, v] = [opt.state.get(matrix)!, opt.state.get(vector)!];
    assertEquals(Object.keys(m).sort(), ["colVar", "rowVar", "step"]);
    assertEquals([(m.rowVar as typeof matrix).shape, (m.colVar as typeof matrix).shape], [[2, 3, 1], [
      2,
      1,
      4,
    ]]);
    assertEquals(Object.keys(v).sort(), ["step", "variance"]);
  },
);

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
const VALIDATION: [string, () => unknown, string][] = [
  ["lr", () => new Adafactor([p], { lr: -0.1 }), "Learning rate should be >= 0 but is: -0.1"],
  ["beta2Decay", () => new Adafactor([p], { beta2Decay: 0.5 }), "beta2Decay should be <= 0 but is: 0.5"],
  ["epsilon1", () => new Adafactor([p], { eps: [-1, 1e-3] }), "epsilon1 should be >= 0 but is: -1"],
  ["epsilon2", () => new Adafactor([p], { eps: [null, -1] }), "epsilon2 should be >= 0 but is: -1"],
  ["d", () => new Adafactor([p], { d: 0.5 }), "Clipping threshold d should be >= 1 but is: 0.5"],
  ["weightDecay", () => new Adafactor([p], { weightDecay: -0.1 }), "weightDecay should be >= 0 but is: -0.1"],
  ["a group's lr", () => new Adafactor([{ params: [p], lr: -1 }]), "Learning rate should be >= 0 but is: -1"],
];
for (const [name, call, message] of VALIDATION) {
  Deno.test(`Adafactor validation: ${name} fails with PyTorch's message`, () => {
    assertThrows(call, RangeError, message);
  });
}
