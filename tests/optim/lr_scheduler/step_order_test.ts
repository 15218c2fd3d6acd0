/**
 * PyTorch's warning when scheduler.step() comes before optimizer.step() (lr_scheduler.json records when PyTorch
 * 1.13 warns), and the way a GradScaler tells the schedulers that it skipped the optimizer's step on purpose.
 */
import {
  ChainedScheduler,
  ExponentialLR,
  markOptimizerStepSkipped,
  ReduceLROnPlateau,
  StepLR,
} from "../../../mod.ts";
import { assert, assertEquals } from "../../../deps.ts";
import { FIXTURE, makeOptimizer } from "./fixture.ts";

/** What `fn` passed to console.warn. */
function warningsOf(fn: () => void): string[] {
  const warn = console.warn;
  const seen: string[] = [];
  console.warn = (...args: unknown[]) => seen.push(args.join(" "));
  try {
    fn();
  } finally {
    console.warn = warn;
  }
  return seen;
}

for (const c of FIXTURE.stepOrder) {
  Deno.test(`scheduler.step() warns as PyTorch does for ${c.name}`, () => {
    const warnings = warningsOf(() => {
      const opt = makeOptimizer("sgd1");
      let scheduler = c.calls.includes("new scheduler") ? undefined : new StepLR(opt, { stepSize: 2 });
      for (const call of c.calls) {
        if (call === "optimizer") opt.step();
        else if (call === "new scheduler") scheduler = new StepLR(opt, { stepSize: 2 });
        else scheduler!.step();
      }
    });
    assertEquals(warnings.length, c.warnings, `warnings: ${warnings}`);
    for (const w of warnings) assert(w.includes("before `optimizer.step()`"), w);
  });
}

Deno.test("scheduler.step() does not warn after a step a GradScaler skipped, reported as GradScaler reports it", () => {
  const warnings = warningsOf(() => {
    const opt = makeOptimizer("sgd1");
    const scheduler = new StepLR(opt, { stepSize: 2 });
    // GradScaler.step(optimizer) found inf/NaN gradients: it skips optimizer.step() and says so.
    markOptimizerStepSkipped(opt);
    scheduler.step();
    opt.step();
    scheduler.step();
  });
  assertEquals(warnings, []);
});

Deno.test("A skipped step that is not reported still warns, as in PyTorch", () => {
  const warnings = warningsOf(() => {
    const opt = makeOptimizer("sgd1");
    const scheduler = new StepLR(opt, { stepSize: 2 });
    scheduler.step();
  });
  assertEquals(warnings.length, 1);
});

Deno.test("A skipped step reported before the scheduler existed does not count for it", () => {
  const warnings = warningsOf(() => {
    const opt = makeOptimizer("sgd1");
    markOptimizerStepSkipped(opt);
    const scheduler = new StepLR(opt, { stepSize: 2 });
    scheduler.step();
  });
  assertEquals(warnings.length, 1);
});

Deno.test("ChainedScheduler warns once for its optimizer, not once per scheduler", () => {
  const warnings = warningsOf(() => {
    const opt = makeOptimizer("sgd1");
    const scheduler = new ChainedScheduler([
      new StepLR(opt, { stepSize: 2 }),
      new ExponentialLR(opt, { gamma: 0.9 }),
    ]);
    scheduler.step();
    scheduler.step();
  });
  assertEquals(warnings.length, 1);
});

Deno.test("ReduceLROnPlateau does not check the order of steps, as in PyTorch", () => {
  const warnings = warningsOf(() => {
    const scheduler = new ReduceLROnPlateau(makeOptimizer("sgd1"));
    scheduler.step(1);
    scheduler.step(2);
  });
  assertEquals(warnings, []);
});
