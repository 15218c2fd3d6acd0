/**
 * tests/fixtures/lr_scheduler.json (made by tools/fixtures/lr_scheduler.py with PyTorch 1.13): its layout, and
 * building and stepping the same optimizers and schedulers in gradstep.
 *
 * @module
 */
import {
  Adam,
  type AnyOptimizer,
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  type LRScheduler,
  MultiplicativeLR,
  MultiStepLR,
  OneCycleLR,
  type Optimizer,
  PolynomialLR,
  ReduceLROnPlateau,
  type Scheduler,
  SequentialLR,
  SGD,
  StepLR,
  SWALR,
  WarmupCosineLR,
  WarmupStableDecayLR,
  zeros,
} from "../../../mod.ts";
import { assertClose, loadFixture } from "../../helpers.ts";

/** lr sequences must match PyTorch's (float64 both sides) to this relative tolerance. */
export const LR_TOLERANCE = { rtol: 1e-12, atol: 0 };

/** An optimizer configuration: its class, defaults and per-group overrides (gradstep's names). */
export interface OptimizerConfig {
  kind: "SGD" | "Adam";
  defaults: Record<string, unknown>;
  groups: Record<string, unknown>[];
}

/** A scheduler: its class and options as gradstep names them (functions by name, see FUNCTIONS). */
export interface Spec {
  kind: string;
  options?: Record<string, unknown>;
  schedulers?: Spec[];
}

/** Every group's lr and momentum (or beta1) after each step. */
export interface Sequence {
  lrs: number[][];
  momenta: number[][];
}

/** One scheduler run by PyTorch. */
export interface Case extends Sequence {
  name: string;
  optimizer: string;
  scheduler: Spec;
  steps: number;
  /** Another scheduler run for `steps` steps before this one is made (e.g. before SWALR). */
  pre: { scheduler: Spec; steps: number } | null;
  /** ReduceLROnPlateau's metric per step. */
  metrics: number[] | null;
  /** CosineAnnealingWarmRestarts's epoch argument per step (null: none). */
  epochs: (number | null)[] | null;
  derivedFrom?: string;
  /** The steps after both state dicts were saved at step `at` and loaded into new objects. */
  resume: Sequence & { at: number };
  /** A new scheduler made with lastEpoch `at` after `at` steps: after construction, then each step from at + 1. */
  lastEpoch: (Sequence & { at: number }) | null;
}

/** PyTorch's exception. */
export interface PyTorchError {
  type: "TypeError" | "ValueError" | "KeyError";
  message: string;
}

/** Whether PyTorch warned about the order of steps, for a sequence of calls. */
export interface StepOrderCase {
  name: string;
  calls: ("scheduler" | "optimizer" | "new scheduler")[];
  warnings: number;
  message: string | null;
}

/** A gradstep schedule function spec and its values at steps 0, 1, … */
export interface ScheduleSpec {
  fn: string;
  options?: Record<string, unknown>;
  schedules?: ScheduleSpec[];
  boundaries?: number[];
  then?: ScheduleSpec;
}

/** Everything in lr_scheduler.json. */
export interface LrSchedulerFixture {
  optimizers: Record<string, OptimizerConfig>;
  cases: Case[];
  errors: Record<string, PyTorchError | null>;
  stepOrder: StepOrderCase[];
  beyondPyTorch: {
    note: string;
    schedules: { name: string; schedule: ScheduleSpec; values: number[] }[];
    schedulers: {
      name: string;
      kind: string;
      optimizer: string;
      options: Record<string, unknown>;
      steps: number;
      lrs: number[][];
    }[];
  };
}

/** lr_scheduler.json, parsed once. */
export const FIXTURE: LrSchedulerFixture = loadFixture<LrSchedulerFixture>("lr_scheduler");

/** The functions the fixture names, as tools/fixtures/lr_scheduler.py defines them. */
export const FUNCTIONS: Record<string, (x: number) => number> = {
  pow095: (e) => 0.95 ** e,
  inverse: (e) => 1 / (e + 1),
  constant09: () => 0.9,
  alternating: (e) => (e % 2 === 0 ? 1.1 : 0.8),
  inverseSqrt: (x) => 1 / Math.sqrt(x),
  pow099: (x) => 0.99 ** x,
};

/** A scheduler, stepped with a metric (ReduceLROnPlateau), an epoch, or nothing. */
export type AnyScheduler = Scheduler & { step(arg?: number): void };

/** A fresh optimizer of a configuration (by name or given), one zero parameter per group. */
export function makeOptimizer(config: string | OptimizerConfig): Optimizer<{ lr: number }> {
  const c = typeof config === "string" ? FIXTURE.optimizers[config] : config;
  const groups = c.groups.map((g) => ({ params: [zeros([2], { requiresGrad: true })], ...g }));
  return c.kind === "SGD" ? new SGD(groups, c.defaults) : new Adam(groups, c.defaults);
}

function withFunctions(options: Record<string, unknown>): Record<string, unknown> {
  const out = { ...options };
  for (const key of ["lrLambda", "scaleFn"]) {
    const v = out[key];
    if (typeof v === "string") out[key] = FUNCTIONS[v];
    if (Array.isArray(v)) out[key] = v.map((name: string) => FUNCTIONS[name]);
  }
  return out;
}

// deno-lint-ignore no-explicit-any
type Options = any;
const MAKERS: Record<string, (opt: AnyOptimizer, options: Options) => AnyScheduler> = {
  LambdaLR: (opt, o) => new LambdaLR(opt, o),
  MultiplicativeLR: (opt, o) => new MultiplicativeLR(opt, o),
  StepLR: (opt, o) => new StepLR(opt, o),
  MultiStepLR: (opt, o) => new MultiStepLR(opt, o),
  ConstantLR: (opt, o) => new ConstantLR(opt, o),
  LinearLR: (opt, o) => new LinearLR(opt, o),
  ExponentialLR: (opt, o) => new ExponentialLR(opt, o),
  PolynomialLR: (opt, o) => new PolynomialLR(opt, o),
  CosineAnnealingLR: (opt, o) => new CosineAnnealingLR(opt, o),
  ReduceLROnPlateau: (opt, o) => new ReduceLROnPlateau(opt, o),
  CyclicLR: (opt, o) => new CyclicLR(opt, o),
  OneCycleLR: (opt, o) => new OneCycleLR(opt, o),
  CosineAnnealingWarmRestarts: (opt, o) => new CosineAnnealingWarmRestarts(opt, o),
  SWALR: (opt, o) => new SWALR(opt, o),
  WarmupCosineLR: (opt, o) => new WarmupCosineLR(opt, o),
  WarmupStableDecayLR: (opt, o) => new WarmupStableDecayLR(opt, o),
};

/** The gradstep scheduler of a spec, on `opt`, optionally resuming at `lastEpoch`. */
export function build(spec: Spec, opt: AnyOptimizer, lastEpoch?: number): AnyScheduler {
  const options = withFunctions({ ...spec.options, ...(lastEpoch === undefined ? {} : { lastEpoch }) });
  if (spec.kind === "ChainedScheduler") {
    return new ChainedScheduler(spec.schedulers!.map((s) => build(s, opt) as LRScheduler));
  }
  if (spec.kind === "SequentialLR") {
    const schedulers = spec.schedulers!.map((s) => build(s, opt) as LRScheduler);
    return new SequentialLR(opt, { ...options, schedulers } as Options);
  }
  const make = MAKERS[spec.kind];
  if (make === undefined) throw new Error(`No gradstep scheduler for ${spec.kind}`);
  return make(opt, options);
}

/** The lrs and momenta (beta1 for Adam) of the optimizer's groups. */
export function observe(opt: Optimizer<{ lr: number }>): { lrs: number[]; momenta: number[] } {
  const groups = opt.paramGroups as { lr: number; momentum?: number; betas?: number[] }[];
  return { lrs: groups.map((g) => g.lr), momenta: groups.map((g) => g.betas?.[0] ?? g.momentum!) };
}

/** Step k of a case: the optimizer's step, then the scheduler's (with the case's metric or epoch). */
export function stepCase(opt: Optimizer<{ lr: number }>, sched: AnyScheduler, c: Case, k: number): void {
  opt.step();
  const epoch = c.epochs?.[k];
  if (c.metrics !== null) sched.step(c.metrics[k]);
  else if (epoch !== undefined && epoch !== null) sched.step(epoch);
  else sched.step();
}

/** A case's optimizer and scheduler, after its `pre` scheduler ran (when it has one). */
export function start(c: Case): { opt: Optimizer<{ lr: number }>; sched: AnyScheduler } {
  const opt = makeOptimizer(c.optimizer);
  if (c.pre !== null) {
    const first = build(c.pre.scheduler, opt);
    for (let k = 0; k < c.pre.steps; k++) {
      opt.step();
      first.step();
    }
  }
  return { opt, sched: build(c.scheduler, opt) };
}

/** Throws unless the optimizer's lrs and momenta are PyTorch's `expected[k]` (relative 1e-12). */
export function assertStep(
  opt: Optimizer<{ lr: number }>,
  expected: Sequence,
  k: number,
  what: string,
): void {
  const { lrs, momenta } = observe(opt);
  assertClose(lrs, expected.lrs[k], LR_TOLERANCE, `${what}: lrs`);
  assertClose(momenta, expected.momenta[k], LR_TOLERANCE, `${what}: momenta`);
}
