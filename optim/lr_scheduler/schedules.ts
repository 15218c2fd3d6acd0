/**
 * Schedules as pure functions of the step, composed as optax composes them: `(step) => value`. Give one to
 * {@link LambdaLR} as `lrLambda` and its value is a factor of each group's initial lr. The transitions (`linear`,
 * `cosine`, `oneMinusSqrt`) hold their start value before step 0 and their end value from their last step on.
 *
 * @example
 * ```ts
 * import { LambdaLR, schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const factor = schedules.warmup({ steps: 100 }, schedules.cosine({ from: 1, to: 0.01, steps: 900 }));
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new LambdaLR(optimizer, { lrLambda: factor }); // step scheduler after every batch
 * ```
 *
 * @module
 */
import { arrayOf, boolean, checkOptions, func, number, string } from "../../tensor/validation.ts";

/** A schedule: a value (an lr, or a factor of one) for each step. */
export type Schedule = (step: number) => number;

/** A transition from `from` to `to` over `steps` steps. */
export interface Transition {
  /** The value at step 0 (and before). */
  from: number;
  /** The value from step `steps` on. */
  to: number;
  /** The length of the transition, ≥ 0. */
  steps: number;
}

/** Throws unless `t` is a {@link Transition}: three numbers, the steps finite and ≥ 0. */
function checkTransition(name: string, t: Transition): void {
  checkOptions(name, t, { from: number, to: number, steps: number }, ["from", "to", "steps"]);
  const { steps } = t;
  if (!(steps >= 0) || !Number.isFinite(steps)) {
    throw new RangeError(`${name}: steps must be a finite number >= 0, got ${steps}`);
  }
}

/** `shape(t)` for t = step / steps in [0, 1), going from 1 at t = 0 towards 0: from → to; `to` from `steps` on. */
function transition(name: string, t: Transition, shape: (t: number) => number): Schedule {
  checkTransition(name, t);
  const { from, to, steps } = t;
  return (step) => (step >= steps ? to : step <= 0 ? from : to + (from - to) * shape(step / steps));
}

/**
 * The same value at every step.
 *
 * @example
 * ```ts
 * import { schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * console.log(schedules.constant(0.5)(100)); // 0.5
 * ```
 */
export function constant(value: number): Schedule {
  number("value", value);
  return () => value;
}

/**
 * A straight line: from + (to − from)·step / steps (optax's `linear_schedule`).
 *
 * @example
 * ```ts
 * import { schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * console.log(schedules.linear({ from: 0, to: 1, steps: 4 })(1)); // 0.25
 * ```
 */
export function linear(transitionOptions: Transition): Schedule {
  checkTransition("linear", transitionOptions);
  const { from, to, steps } = transitionOptions;
  return (step) => (step >= steps ? to : step <= 0 ? from : from + (to - from) * step / steps);
}

/**
 * Half a cosine (SGDR's annealing): to + (from − to)(1 + cos(π·step / steps)) / 2.
 *
 * @example
 * ```ts
 * import { schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * console.log(schedules.cosine({ from: 1, to: 0, steps: 10 })(5)); // 0.5 (to rounding)
 * ```
 */
export function cosine(transitionOptions: Transition): Schedule {
  return transition("cosine", transitionOptions, (t) => (1 + Math.cos(Math.PI * t)) / 2);
}

/**
 * The "1 − sqrt" cooldown of Hägele et al. (2024): to + (from − to)(1 − √(step / steps)).
 *
 * @example
 * ```ts
 * import { schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * console.log(schedules.oneMinusSqrt({ from: 1, to: 0, steps: 4 })(1)); // 0.5
 * ```
 */
export function oneMinusSqrt(transitionOptions: Transition): Schedule {
  return transition("oneMinusSqrt", transitionOptions, (t) => 1 - Math.sqrt(t));
}

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  /** The value at step 0 (default 1). */
  from?: number;
  /** The factor per `steps` steps. */
  rate: number;
  /** The steps over which the value is multiplied by `rate` (default 1). */
  steps?: number;
  /** Multiply in whole periods only: rate^⌊step / steps⌋ (default false). */
  staircase?: boolean;
}

/**
 * Exponential decay (optax's `exponential_decay`): from·rate^(step / steps), or rate^⌊step / steps⌋ with
 * `staircase`.
 *
 * @example
 * ```ts
 * import { schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * console.log(schedules.exponential({ rate: 0.5, steps: 2 })(4)); // 0.25
 * ```
 */
export function exponential(options: ExponentialOptions): Schedule {
  checkOptions("exponential", options, { from: number, rate: number, steps: number, staircase: boolean }, [
    "rate",
  ]);
  const { from = 1, rate, steps = 1, staircase = false } = options;
  if (!(steps > 0)) throw new RangeError(`exponential: steps must be > 0, got ${steps}`);
  return (step) => {
    const p = Math.max(step, 0) / steps;
    return from * rate ** (staircase ? Math.floor(p) : p);
  };
}

/**
 * `schedules[i]` from `boundaries[i − 1]` to `boundaries[i]`, each started at its own step 0 (optax's
 * `join_schedules`): step s ≥ boundaries[i − 1] gives schedules[i](s − boundaries[i − 1]).
 *
 * @example
 * ```ts
 * import { schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * const s = schedules.join([schedules.constant(1), schedules.linear({ from: 1, to: 0, steps: 10 })], [5]);
 * console.log(s(4), s(10)); // 1 0.5
 * ```
 */
export function join(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  arrayOf(func)("schedules", schedules);
  arrayOf(number)("boundaries", boundaries);
  if (boundaries.length !== schedules.length - 1) {
    throw new RangeError(
      `join expects one boundary fewer than schedules, got ${schedules.length} schedules and ${boundaries.length} boundaries`,
    );
  }
  boundaries.forEach((b, i) => {
    if (i > 0 && b < boundaries[i - 1]) {
      throw new RangeError(`join expects non-decreasing boundaries, got [${boundaries}]`);
    }
  });
  const parts = [...schedules];
  const starts = [...boundaries];
  return (step) => {
    let i = 0;
    while (i < starts.length && step >= starts[i]) i++;
    return parts[i](i === 0 ? step : step - starts[i - 1]);
  };
}

/**
 * A linear warm-up from `from` (default 0) to `then(0)` over `steps` steps, then `then` started at its step 0:
 * `join([linear({ from, to: then(0), steps }), then], [steps])`.
 *
 * @example
 * ```ts
 * import { schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * const s = schedules.warmup({ steps: 4 }, schedules.constant(1));
 * console.log(s(1), s(9)); // 0.25 1
 * ```
 */
export function warmup(options: { steps: number; from?: number }, then: Schedule): Schedule {
  checkOptions("warmup", options, { steps: number, from: number }, ["steps"]);
  func("then", then);
  const { steps, from = 0 } = options;
  return join([linear({ from, to: then(0), steps }), then], [steps]);
}

/** Options of {@link warmupCosine}: factors of the peak lr. */
export interface WarmupCosineOptions {
  /** Steps of linear warm-up from `startFactor` to 1. */
  warmupSteps: number;
  /** The step at which the cosine reaches `endFactor` (held from then on). */
  totalSteps: number;
  /** The factor at step 0 (default 0). */
  startFactor?: number;
  /** The factor at `totalSteps` and after (default 0). */
  endFactor?: number;
}

/**
 * Linear warm-up then cosine decay, as factors: startFactor + (1 − startFactor)·s / W for s < W, then
 * endFactor + (1 − endFactor)(1 + cos(π·(s − W) / (T − W))) / 2 until T, then endFactor. With the default factors
 * it is Hugging Face's `get_cosine_schedule_with_warmup` up to T (which, past T, rises again).
 *
 * @example
 * ```ts
 * import { schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * const s = schedules.warmupCosine({ warmupSteps: 10, totalSteps: 110 });
 * console.log(s(5), s(10), s(60), s(110)); // 0.5 1 0.5 0 (to rounding)
 * ```
 */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const spec = { warmupSteps: number, totalSteps: number, startFactor: number, endFactor: number };
  checkOptions("warmupCosine", options, spec, ["warmupSteps", "totalSteps"]);
  const { warmupSteps, totalSteps, startFactor = 0, endFactor = 0 } = options;
  if (!(totalSteps >= warmupSteps)) {
    throw new RangeError(`warmupCosine: totalSteps (${totalSteps}) must be >= warmupSteps (${warmupSteps})`);
  }
  return warmup(
    { steps: warmupSteps, from: startFactor },
    cosine({ from: 1, to: endFactor, steps: totalSteps - warmupSteps }),
  );
}

/** Options of {@link warmupStableDecay}: factors of the peak lr. */
export interface WarmupStableDecayOptions {
  /** Steps of linear warm-up from `startFactor` to 1. */
  warmupSteps: number;
  /** Steps of the final decay from 1 to `endFactor`. */
  decaySteps: number;
  /** The step at which the decay ends: the stable stage is totalSteps − warmupSteps − decaySteps long. */
  totalSteps: number;
  /** The factor at step 0 (default 0). */
  startFactor?: number;
  /** The factor at `totalSteps` and after (default 0). */
  endFactor?: number;
  /** The decay's shape: "linear" (default), "cosine" or "1-sqrt". */
  decayShape?: "linear" | "cosine" | "1-sqrt";
}

/**
 * Warmup-stable-decay (WSD, as in MiniCPM): a linear warm-up from `startFactor` to 1 over W steps, the factor 1
 * until D = totalSteps − decaySteps, then a decay from 1 to `endFactor` over `decaySteps` steps along
 * `decayShape` (linear: 1 − t; cosine: (1 + cos πt) / 2; 1-sqrt: 1 − √t, t = (s − D) / decaySteps), then
 * `endFactor`.
 *
 * @example
 * ```ts
 * import { schedules } from "@gradstep/gradstep/optim/lr_scheduler";
 * const s = schedules.warmupStableDecay({ warmupSteps: 10, decaySteps: 20, totalSteps: 100 });
 * console.log(s(5), s(50), s(90), s(100)); // 0.5 1 0.5 0
 * ```
 */
export function warmupStableDecay(options: WarmupStableDecayOptions): Schedule {
  const spec = {
    warmupSteps: number,
    decaySteps: number,
    totalSteps: number,
    startFactor: number,
    endFactor: number,
    decayShape: string,
  };
  checkOptions("warmupStableDecay", options, spec, ["warmupSteps", "decaySteps", "totalSteps"]);
  const { warmupSteps, decaySteps, totalSteps, startFactor = 0, endFactor = 0, decayShape = "linear" } =
    options;
  if (!(warmupSteps >= 0 && decaySteps >= 0 && warmupSteps + decaySteps <= totalSteps)) {
    throw new RangeError(
      `warmupStableDecay: expected 0 <= warmupSteps + decaySteps <= totalSteps, got ${warmupSteps} + ${decaySteps} and ${totalSteps}`,
    );
  }
  const shapes = { linear, cosine, "1-sqrt": oneMinusSqrt };
  if (!Object.hasOwn(shapes, decayShape)) {
    throw new RangeError(`warmupStableDecay: decayShape must be linear, cosine or 1-sqrt, got ${decayShape}`);
  }
  const decay = shapes[decayShape]({ from: 1, to: endFactor, steps: decaySteps });
  return join(
    [linear({ from: startFactor, to: 1, steps: warmupSteps }), constant(1), decay],
    [warmupSteps, totalSteps - decaySteps],
  );
}
