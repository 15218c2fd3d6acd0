/**
 * SequentialLR: schedulers that take turns at milestones, as `torch.optim.lr_scheduler.SequentialLR`.
 *
 * @module
 */
import { arrayOf, checkOptions, integer, shown } from "../../tensor/validation.ts";
import {
  checkOptimizer,
  LAST_EPOCH,
  LRScheduler,
  type ScheduledGroup,
  type Scheduler,
} from "./lr_scheduler.ts";
import { bisectRight } from "./multistep_lr.ts";
import { loadWithChildren, type SchedulerStateDict, withChildren } from "./state.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** SequentialLR's options. */
export interface SequentialLROptions {
  /** The schedulers, in the order they take over; all of the same optimizer. */
  schedulers: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over: one fewer than the schedulers. */
  milestones: readonly number[];
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/**
 * Runs `schedulers[0]` until `milestones[0]`, then `schedulers[1]` (restarted at its epoch 0, in closed form
 * where it has one) until `milestones[1]`, and so on: e.g. a LinearLR warm-up followed by CosineAnnealingLR. Its
 * state dict holds the wrapped schedulers' under `schedulers`.
 *
 * @example
 * ```ts
 * import { CosineAnnealingLR, LinearLR, SequentialLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new SequentialLR(optimizer, {
 *   schedulers: [
 *     new LinearLR(optimizer, { startFactor: 0.1, totalIters: 5 }),
 *     new CosineAnnealingLR(optimizer, { tMax: 95 }),
 *   ],
 *   milestones: [5],
 * });
 * ```
 */
export class SequentialLR implements Scheduler {
  /** The optimizer of the schedulers. */
  readonly optimizer: AnyOptimizer;
  /** The epochs at which the next scheduler takes over. */
  milestones: number[];
  /** The index of the last epoch. */
  lastEpoch: number;
  /** The lrs after the last step. */
  protected lastLr: number[];
  readonly #schedulers: LRScheduler[];

  /** Sequences `options.schedulers`; throws PyTorch's errors for other optimizers or a wrong milestone count. */
  constructor(optimizer: AnyOptimizer, options: SequentialLROptions) {
    checkOptimizer(optimizer);
    const isScheduler = (name: string, s: unknown): void => {
      if (!(s instanceof LRScheduler)) {
        throw new TypeError(`Invalid ${name}: expected an LRScheduler, got ${shown(s)}`);
      }
    };
    const spec = { ...LAST_EPOCH, schedulers: arrayOf(isScheduler), milestones: arrayOf(integer(0)) };
    checkOptions("SequentialLR", options, spec, ["schedulers", "milestones"]);
    const { schedulers, milestones, lastEpoch = -1 } = options;
    if (schedulers.length === 0) {
      throw new RangeError("SequentialLR expects at least one scheduler, got none");
    }
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new RangeError(
          `Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new RangeError(
        `Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    this.optimizer = optimizer;
    this.#schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    const groups: ScheduledGroup[] = optimizer.paramGroups;
    for (const group of groups) group.lr = group.initialLr!; // back to the start of the schedule
    for (const s of schedulers) s.lastEpoch -= 1; // undo the step each scheduler's constructor took
    const first = schedulers[0];
    first.stepCount = 0; // and take the first one's again, as its constructor does
    first.step();
    this.lastLr = first.getLastLr();
  }

  /**
   * Steps the scheduler whose turn it is, restarting it at 0 on its milestone.
   *
   * @example
   * ```ts
   * import { ExponentialLR, LinearLR, SequentialLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 2 });
   * const decay = new ExponentialLR(optimizer, { gamma: 0.9 });
   * const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, decay], milestones: [2] });
   * for (let epoch = 0; epoch < 4; epoch++) {
   *   optimizer.step();
   *   scheduler.step(); // warm-up for 2 epochs, then decay
   * }
   * ```
   */
  step(): void {
    this.lastEpoch += 1;
    const i = bisectRight(this.milestones, this.lastEpoch);
    const scheduler = this.#schedulers[i];
    if (i > 0 && this.milestones[i - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  /**
   * The lr of each param group after the last step.
   *
   * @example
   * ```ts
   * import { ExponentialLR, LinearLR, SequentialLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 2 });
   * const decay = new ExponentialLR(optimizer, { gamma: 0.9 });
   * const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, decay], milestones: [2] });
   * optimizer.step();
   * scheduler.step();
   * const [lr] = scheduler.getLastLr(); // 0.055: half-way through the warm-up
   * ```
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * Its own state and, under `schedulers`, each wrapped scheduler's.
   *
   * @example
   * ```ts
   * import { ExponentialLR, LinearLR, SequentialLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 2 });
   * const decay = new ExponentialLR(optimizer, { gamma: 0.9 });
   * const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, decay], milestones: [2] });
   * const saved = JSON.stringify(scheduler.stateDict()); // with the warm-up's and the decay's states
   * ```
   */
  stateDict(): SchedulerStateDict {
    return withChildren(this, this.#schedulers);
  }

  /**
   * Restores a {@link SequentialLR.stateDict} into this scheduler and the wrapped ones.
   *
   * @example
   * ```ts
   * import { ExponentialLR, LinearLR, SequentialLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 2 });
   * const decay = new ExponentialLR(optimizer, { gamma: 0.9 });
   * const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, decay], milestones: [2] });
   * const saved = scheduler.stateDict();
   * optimizer.step();
   * scheduler.step();
   * scheduler.loadStateDict(saved); // back to before the step
   * ```
   */
  loadStateDict(state: SchedulerStateDict): void {
    loadWithChildren(this, this.#schedulers, state);
  }
}
