import { ScheduleFreeAdamW, tensor } from "../../mod.ts";
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

const TRAJECTORIES = trajectoriesOf("ScheduleFreeAdamW");

Deno.test("ScheduleFreeAdamW's fixture says it transcribes the reference AdamWScheduleFree", () => {
  assert(BEYOND.sources.ScheduleFreeAdamW.includes("schedulefree/adamw_schedulefree.py"));
  assert(
    TRAJECTORIES.some((t) => t.steps.some((s) => s.evalParams !== undefined)),
    "no eval() in the fixture",
  );
});

for (const t of TRAJECTORIES) {
  testOnDevices(
    `ScheduleFreeAdamW.step() matches the reference for ${t.name}: parameters, state, bookkeeping, eval()/train()`,
    async (dev) => {
      const params = makeParams(t.initial, dev);
      await runBeyond(t, makeBeyond(t, params), params, dev);
    },
  );
}

for (const name of ["two groups with overrides", "warmupSteps"]) {
  testOnDevices(
    `ScheduleFreeAdamW: stateDict → JSON → loadStateDict continues exactly (${name})`,
    async (dev) => {
      await assertResumes(TRAJECTORIES.find((t) => t.name === name)!, dev);
    },
  );
}

testOnDevices(
  "ScheduleFreeAdamW.step() throws outside train mode, and reads nothing back in it",
  async (dev) => {
    const w = tensor([1, -2, 3], { dtype: "float32", device: dev, requiresGrad: true });
    w.grad = tensor([0.5, 0, -1], { dtype: "float32", device: dev });
    const opt = new ScheduleFreeAdamW([w], { lr: 0.1 });
    assertThrows(() => opt.step(), Error, "Optimizer was not in train mode when step is called");
    assertEquals(Array.from(await w.data()), [1, -2, 3]);
    assertEquals(opt.paramGroups[0].k, 0);
    opt.train();
    assertStepReadsNothing(opt, dev);
    opt.eval();
    assertThrows(() => opt.step(), Error, "expected train() before the training steps");
  },
);

testOnDevices("ScheduleFreeAdamW: train() and eval() are no-ops when already in that mode", async (dev) => {
  const w = tensor([1, -2, 3], { dtype: "float32", device: dev, requiresGrad: true });
  const opt = new ScheduleFreeAdamW([w], { lr: 0.1 });
  opt.train();
  w.grad = tensor([0.5, 0, -1], { dtype: "float32", device: dev });
  opt.step();
  const y = await w.data();
  opt.train();
  assertEquals(await w.data(), y);
  opt.eval();
  const x = await w.data();
  opt.eval();
  assertEquals(await w.data(), x);
});

testOnDevices("ScheduleFreeAdamW's schedule advances in a step where no parameter has a gradient", (dev) => {
  const w = tensor([1, -2, 3], { dtype: "float32", device: dev, requiresGrad: true });
  const opt = new ScheduleFreeAdamW([w], { lr: 0.1, warmupSteps: 4 });
  opt.train();
  opt.step();
  assertEquals([opt.paramGroups[0].k, opt.paramGroups[0].scheduledLr], [1, 0.1 * (1 / 4)]);
  assertEquals(opt.state.size, 0);
});

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
const VALIDATION: [string, () => unknown, string][] = [
  ["lr", () => new ScheduleFreeAdamW([p], { lr: -0.1 }), "Invalid learning rate: -0.1 (expected lr >= 0)"],
  ["eps", () => new ScheduleFreeAdamW([p], { eps: -1 }), "Invalid epsilon value: -1 (expected eps >= 0)"],
  ["beta 0", () => new ScheduleFreeAdamW([p], { betas: [1, 0.999] }), "Invalid beta parameter at index 0: 1"],
  ["weightDecay", () => new ScheduleFreeAdamW([p], { weightDecay: -1 }), "Invalid weightDecay value: -1"],
  [
    "warmupSteps",
    () => new ScheduleFreeAdamW([p], { warmupSteps: 1.5 }),
    "Invalid warmupSteps value: 1.5 (expected an integer >= 0)",
  ],
];
for (const [name, call, message] of VALIDATION) {
  Deno.test(`ScheduleFreeAdamW validation: ${name} fails, naming the value and what was expected`, () => {
    assertThrows(call, RangeError, message);
  });
}
