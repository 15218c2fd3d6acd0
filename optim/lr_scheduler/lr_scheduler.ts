/**
 * The LRScheduler base class, as PyTorch's `LRScheduler`: it keeps each group's initial lr (`initialLr` in the
 * group, PyTorch's `initial_lr`), counts epochs in `lastEpoch`, and on every `step()` writes the lrs that the
 * concrete scheduler's `getLr()` computes into the optimizer's param groups.
 *
 * @module
 */
import { BaseOptimizer } from "../base_optimizer.ts";
import { type Check, integer } from "../../tensor/validation.ts";
import { loadState, type SchedulerStateDict, stateOf } from "./state.ts";
import { type AnyOptimizer, optimizerSteps, warnStepOrder, watchSteps } from "./step_order.ts";

/** The fields of a param group that schedulers read and write: PyTorch's names in camelCase. */
export interface ScheduledGroup {
  /** The learning rate the optimizer uses. */
  lr: number;
  /** The lr the schedule starts from (PyTorch's `initial_lr`), set by the first scheduler. */
  initialLr?: number;
  /** SGD-style momentum, cycled by CyclicLR and OneCycleLR. */
  momentum?: number;
  /** Adam-style betas; CyclicLR and OneCycleLR cycle the first. */
  betas?: number[];
  /** OneCycleLR's peak lr. */
  maxLr?: number;
  /** OneCycleLR's final lr. */
  minLr?: number;
  /** OneCycleLR's and CyclicLR's upper momentum. */
  maxMomentum?: number;
  /** OneCycleLR's and CyclicLR's lower momentum. */
  baseMomentum?: number;
  /** SWALR's target lr. */
  swaLr?: number;
}

/** What every scheduler offers: its optimizer, the lrs it set last, and its state. */
export interface Scheduler {
  /** The optimizer whose param groups the scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** The lr of each param group as the scheduler last set it. */
  getLastLr(): number[];
  /** The scheduler's state (see {@link LRScheduler.stateDict}). */
  stateDict(): SchedulerStateDict;
  /** Restores a {@link Scheduler.stateDict}. */
  loadStateDict(state: SchedulerStateDict): void;
}

/** A scheduler stepped without arguments: what {@link ChainedScheduler} chains. */
export type ChainableScheduler = Scheduler & { step(): void };

/** Throws PyTorch's TypeError unless `optimizer` is an optimizer (an {@link BaseOptimizer}: `Optimizer` or `LBFGS`). */
export function checkOptimizer(optimizer: unknown): void {
  if (!(optimizer instanceof BaseOptimizer)) {
    const name = optimizer === null ? "null" : (optimizer as object)?.constructor?.name ?? typeof optimizer;
    throw new TypeError(`${name} is not an Optimizer`);
  }
}

/** The option every epoch-indexed scheduler takes: the index of the last epoch, -1 for a new schedule. */
export const LAST_EPOCH: Readonly<Record<string, Check>> = { lastEpoch: integer(-1) };

/**
 * PyTorch's `_format_param`: `value` for every param group, or one per group; throws when the count is wrong.
 */
export function perGroup(name: string, value: number | readonly number[], optimizer: AnyOptimizer): number[] {
  const n = optimizer.paramGroups.length;
  if (typeof value === "number") return new Array(n).fill(value);
  if (value.length !== n) throw new RangeError(`expected ${n} values for ${name}, got ${value.length}`);
  return [...value];
}

/**
 * The base of the epoch-indexed schedulers. A subclass computes each group's lr for `lastEpoch` in `getLr()` —
 * recursively from the groups' current lrs where PyTorch's form is chainable — and optionally in closed form
 * (`closedFormLr()`), used when `step(epoch)` jumps to an epoch. Its constructor sets its fields after `super()`
 * and ends with `this.initialStep()` (PyTorch's constructor steps once; TypeScript initialises a subclass's fields
 * only after the base constructor returns).
 *
 * State dicts hold every plain value among the scheduler's own fields (`lastEpoch`, `baseLrs`, `stepCount`,
 * `lastLr` and the subclass's), as PyTorch's hold its attributes; functions and `#private` fields are not state.
 *
 * @example
 * ```ts
 * import { LRScheduler } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 *
 * class HalvingLR extends LRScheduler {
 *   constructor(optimizer: SGD, public every: number) {
 *     super(optimizer);
 *     this.initialStep();
 *   }
 *   protected getLr(): number[] {
 *     return this.baseLrs.map((lr) => lr * 0.5 ** Math.floor(this.lastEpoch / this.every));
 *   }
 * }
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new HalvingLR(optimizer, 2);
 * for (let epoch = 0; epoch < 4; epoch++) {
 *   optimizer.step();
 *   scheduler.step();
 * }
 * console.log(scheduler.getLastLr()); // [0.025]
 * ```
 */
export abstract class LRScheduler implements Scheduler {
  /** The optimizer whose param groups this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** The index of the last epoch (or batch) stepped to: 0 after construction, unless resuming. */
  lastEpoch: number;
  /** Each group's `initialLr` when the scheduler was made: the lrs the schedule starts from. */
  baseLrs: number[];
  /** How many times `step()` ran, the constructor's included (PyTorch's `_step_count`). */
  stepCount = 0;
  /** The lrs set by the last step (see {@link LRScheduler.getLastLr}). */
  protected lastLr: number[] = [];
  #optimizerStepsAtStart = 0;

  /**
   * Attaches to `optimizer`. With `lastEpoch` -1 (a new schedule) each group's `initialLr` defaults to its `lr`;
   * resuming (any other `lastEpoch`) needs every group's `initialLr`, e.g. from a loaded optimizer state dict.
   */
  constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    checkOptimizer(optimizer);
    LAST_EPOCH.lastEpoch("lastEpoch", lastEpoch);
    const groups: ScheduledGroup[] = optimizer.paramGroups;
    if (lastEpoch !== -1) {
      groups.forEach((group, i) => {
        if (group.initialLr === undefined) {
          throw new Error(
            `param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer: lastEpoch is ` +
              `${lastEpoch}, so every group needs the initialLr of the schedule being resumed (or pass lastEpoch -1)`,
          );
        }
      });
    }
    for (const group of groups) group.initialLr ??= group.lr;
    this.optimizer = optimizer;
    this.baseLrs = groups.map((group) => group.initialLr!);
    this.lastEpoch = lastEpoch;
    watchSteps(optimizer);
  }

  /** Each group's lr at `lastEpoch` (PyTorch's chainable `get_lr()`); may also set momentum. */
  protected abstract getLr(): number[];

  /** Each group's lr at `lastEpoch` in closed form, where PyTorch has one (`_get_closed_form_lr()`). */
  protected closedFormLr?(): number[];

  /** The constructor's step (PyTorch's `_initial_step()`): subclass constructors end with it. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * Advances the schedule by one epoch (or batch) and sets every group's lr; with `epoch`, jumps to that epoch
   * instead, in closed form where PyTorch has one (PyTorch deprecates this form except for
   * CosineAnnealingWarmRestarts; SequentialLR uses it to restart a scheduler at 0). Call it after
   * `optimizer.step()`: a first step before any optimizer step warns, as in PyTorch.
   */
  step(epoch?: number): void {
    if (this.stepCount === 0) {
      this.#optimizerStepsAtStart = optimizerSteps(this.optimizer);
    } else if (this.stepCount === 1 && optimizerSteps(this.optimizer) === this.#optimizerStepsAtStart) {
      warnStepOrder(this.optimizer);
    }
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr?.() ?? this.getLr();
    }
    const groups = this.optimizer.paramGroups;
    values.slice(0, groups.length).forEach((lr, i) => (groups[i].lr = lr));
    this.lastLr = groups.map((group) => group.lr);
  }

  /** The lr of each param group as this scheduler last set it. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * The scheduler's state: a copy of its plain fields, which survives JSON.
   *
   * @example
   * ```ts
   * import { StepLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const scheduler = new StepLR(optimizer, { stepSize: 10, gamma: 0.5 });
   * const saved = JSON.stringify(scheduler.stateDict()); // lastEpoch, baseLrs, stepSize, gamma, …
   * ```
   */
  stateDict(): SchedulerStateDict {
    return stateOf(this);
  }

  /**
   * Restores a {@link LRScheduler.stateDict}; throws, changing nothing, on a key this scheduler does not have.
   *
   * @example
   * ```ts
   * import { StepLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const scheduler = new StepLR(optimizer, { stepSize: 10, gamma: 0.5 });
   * const saved = JSON.stringify(scheduler.stateDict());
   * const resumed = new StepLR(optimizer, { stepSize: 10, gamma: 0.5 });
   * resumed.loadStateDict(JSON.parse(saved)); // continues where `scheduler` was
   * ```
   */
  loadStateDict(state: SchedulerStateDict): void {
    loadState(this, state);
  }

  /** The groups' current lrs (the starting point of PyTorch's chainable forms). */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((group) => group.lr);
  }
}
