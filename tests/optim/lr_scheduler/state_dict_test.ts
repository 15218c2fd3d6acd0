/**
 * Scheduler state dicts beyond the fixture's resumption cases: bad state dicts, JSON's lost infinities, and
 * resuming CyclicLR's momentum cycle with lastEpoch as PyTorch 2 does.
 */
import {
  ChainedScheduler,
  ExponentialLR,
  LambdaLR,
  ReduceLROnPlateau,
  type StateValue,
  StepLR,
} from "../../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../../deps.ts";
import { assertStep, build, FIXTURE, FUNCTIONS, makeOptimizer, start, stepCase } from "./fixture.ts";

Deno.test("loadStateDict rejects a key the scheduler does not have, naming it, and changes nothing", () => {
  const scheduler = new StepLR(makeOptimizer("sgd2"), { stepSize: 3 });
  const before = scheduler.stateDict();
  const error = assertThrows(
    () => scheduler.loadStateDict({ ...before, lastEpoch: 5, tMax: 10 }),
    Error,
    '"tMax"',
  );
  assert(error.message.includes("stepSize"), error.message);
  assertEquals(scheduler.stateDict(), before);
});

Deno.test("ChainedScheduler.loadStateDict rejects another number of chained schedulers, naming both", () => {
  const opt = makeOptimizer("sgd2");
  const chained = new ChainedScheduler([
    new StepLR(opt, { stepSize: 2 }),
    new ExponentialLR(opt, { gamma: 0.9 }),
  ]);
  const state = chained.stateDict();
  const schedulers = state.schedulers as StateValue[];
  assertThrows(() => chained.loadStateDict({ ...state, schedulers: schedulers.slice(1) }), Error, "holds 1");
});

Deno.test("State dicts hold no functions: LambdaLR's lambdas are given again when resuming", () => {
  const scheduler = new LambdaLR(makeOptimizer("sgd2"), { lrLambda: FUNCTIONS.pow095 });
  const state = scheduler.stateDict();
  assertEquals(JSON.parse(JSON.stringify(state)), state);
});

Deno.test("ReduceLROnPlateau's state dict survives JSON, which writes its infinite best as null", () => {
  const metrics = [3, 2, 2, 2, 1, 1, 1, 1];
  const original = new ReduceLROnPlateau(makeOptimizer("sgd2"), { patience: 1 });
  const resumed = new ReduceLROnPlateau(makeOptimizer("sgd2"), { patience: 1 });
  resumed.loadStateDict(JSON.parse(JSON.stringify(original.stateDict())));
  assertEquals(resumed.best, Infinity);
  for (const metric of metrics) {
    original.step(metric);
    resumed.step(metric);
    assertEquals(resumed.getLastLr(), original.getLastLr());
  }
});

Deno.test("CyclicLR resumed with lastEpoch continues the momentum cycle, as PyTorch 2 (1.13 restarts it)", () => {
  const c = FIXTURE.cases.find((c) => c.name === "CyclicLR, triangular")!;
  const at = 7;
  const { opt, sched } = start(c);
  for (let k = 0; k < at; k++) stepCase(opt, sched, c, k);
  const resumed = build(c.scheduler, opt, at);
  assertStep(opt, c, at + 1, "after construction");
  for (let k = at + 1; k < c.steps; k++) {
    stepCase(opt, resumed, c, k);
    assertStep(opt, c, k + 1, `after step ${k + 1}`);
  }
});

Deno.test("getLastLr() returns a copy", () => {
  const scheduler = new StepLR(makeOptimizer("sgd2"), { stepSize: 3 });
  scheduler.getLastLr()[0] = 42;
  assert(scheduler.getLastLr()[0] !== 42);
});
