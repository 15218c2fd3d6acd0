/**
 * gradstep's schedules beyond PyTorch (warmup-cosine, warmup-stable-decay and the schedule functions) against
 * lr_scheduler.json's "beyondPyTorch" values, which tools/fixtures/_lr_schedules.py computes from the published
 * formulas, independently of this code.
 */
import { schedules, WarmupCosineLR, WarmupStableDecayLR } from "../../../mod.ts";
import { assertThrows } from "../../../deps.ts";
import { assertClose } from "../../helpers.ts";
import { FIXTURE, LR_TOLERANCE, makeOptimizer, observe, type ScheduleSpec } from "./fixture.ts";

// deno-lint-ignore no-explicit-any
type Options = any;

/** The gradstep schedule of a fixture spec. */
function make(spec: ScheduleSpec): schedules.Schedule {
  const o: Options = spec.options ?? {};
  switch (spec.fn) {
    case "constant":
      return schedules.constant(o.value);
    case "join":
      return schedules.join(spec.schedules!.map(make), spec.boundaries!);
    case "warmup":
      return schedules.warmup(o, make(spec.then!));
    default: {
      const fns: Record<string, (o: Options) => schedules.Schedule> = {
        linear: schedules.linear,
        cosine: schedules.cosine,
        oneMinusSqrt: schedules.oneMinusSqrt,
        exponential: schedules.exponential,
        warmupCosine: schedules.warmupCosine,
        warmupStableDecay: schedules.warmupStableDecay,
      };
      return fns[spec.fn](o);
    }
  }
}

for (const { name, schedule, values } of FIXTURE.beyondPyTorch.schedules) {
  Deno.test(`schedules.${schedule.fn} gives the published formula's values for ${name}`, () => {
    const fn = make(schedule);
    assertClose(values.map((_, step) => fn(step)), values, LR_TOLERANCE, name);
  });
}

for (const c of FIXTURE.beyondPyTorch.schedulers) {
  Deno.test(`${c.kind} sets each group's initial lr times the published formula's factor`, () => {
    const opt = makeOptimizer(c.optimizer);
    const Scheduler = c.kind === "WarmupCosineLR" ? WarmupCosineLR : WarmupStableDecayLR;
    const scheduler = new Scheduler(opt, c.options as Options);
    assertClose(observe(opt).lrs, c.lrs[0], LR_TOLERANCE, "after construction");
    for (let k = 1; k <= c.steps; k++) {
      opt.step();
      scheduler.step();
      assertClose(observe(opt).lrs, c.lrs[k], LR_TOLERANCE, `after step ${k}`);
    }
  });
}

Deno.test("Schedules reject bad lengths and boundaries, naming the values", () => {
  const errors = [
    () => schedules.linear({ from: 0, to: 1, steps: -1 }),
    () => schedules.cosine({ from: 0, to: 1, steps: NaN }),
    () => schedules.exponential({ rate: 0.5, steps: 0 }),
    () => schedules.join([schedules.constant(1)], [3]),
    () => schedules.join([schedules.constant(1), schedules.constant(2), schedules.constant(3)], [5, 2]),
    () => schedules.warmupCosine({ warmupSteps: 10, totalSteps: 5 }),
    () => schedules.warmupStableDecay({ warmupSteps: 10, decaySteps: 10, totalSteps: 15 }),
    () =>
      schedules.warmupStableDecay({
        warmupSteps: 1,
        decaySteps: 1,
        totalSteps: 5,
        decayShape: "step" as "linear",
      }),
  ];
  const named = ["-1", "NaN", "0", "1 schedules", "5,2", "5", "15", "step"];
  errors.forEach((fn, i) => assertThrows(fn, RangeError, named[i]));
});
