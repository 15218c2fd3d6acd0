/**
 * ChainedScheduler: several chainable schedulers stepped as one, as `torch.optim.lr_scheduler.ChainedScheduler`.
 *
 * @module
 */
import { arrayOf, shown } from "../../tensor/validation.ts";
import type { ChainableScheduler, Scheduler } from "./lr_scheduler.ts";
import { loadWithChildren, type SchedulerStateDict, withChildren } from "./state.ts";
import type { AnyOptimizer } from "./step_order.ts";

/**
 * Steps every scheduler in `schedulers` (all of one optimizer) on each `step()`, so their chainable forms
 * compose: e.g. a ConstantLR warm-up multiplied into an ExponentialLR decay. Its state dict holds the wrapped
 * schedulers' under `schedulers`.
 *
 * @example
 * ```ts
 * import { ChainedScheduler, ConstantLR, ExponentialLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 1 });
 * const scheduler = new ChainedScheduler([
 *   new ConstantLR(optimizer, { factor: 0.1, totalIters: 2 }),
 *   new ExponentialLR(optimizer, { gamma: 0.9 }),
 * ]); // lr 0.1, 0.09, 0.81, 0.729, …
 * ```
 */
export class ChainedScheduler implements Scheduler {
  /** The optimizer of the chained schedulers. */
  readonly optimizer: AnyOptimizer;
  /** The lrs after the last step. */
  protected lastLr: number[];
  readonly #schedulers: ChainableScheduler[];

  /** Chains `schedulers`; throws PyTorch's error when they belong to different optimizers. */
  constructor(schedulers: readonly ChainableScheduler[]) {
    arrayOf((name, s) => {
      const ok = typeof s === "object" && s !== null &&
        typeof (s as ChainableScheduler).step === "function" &&
        typeof (s as ChainableScheduler).stateDict === "function";
      if (!ok) throw new TypeError(`Invalid ${name}: expected a scheduler, got ${shown(s)}`);
    })("schedulers", schedulers);
    if (schedulers.length === 0) {
      throw new RangeError("ChainedScheduler expects at least one scheduler, got none");
    }
    schedulers.forEach((s, i) => {
      if (s.optimizer !== schedulers[0].optimizer) {
        throw new RangeError(
          `ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`,
        );
      }
    });
    this.#schedulers = [...schedulers];
    this.optimizer = schedulers[0].optimizer;
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  /**
   * Steps every chained scheduler, in order.
   *
   * @example
   * ```ts
   * import { ChainedScheduler, ExponentialLR, LinearLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const scheduler = new ChainedScheduler([
   *   new LinearLR(optimizer, { startFactor: 0.5, totalIters: 4 }),
   *   new ExponentialLR(optimizer, { gamma: 0.9 }),
   * ]);
   * optimizer.step();
   * scheduler.step(); // both: lr 0.1 × 0.625 × 0.9
   * ```
   */
  step(): void {
    for (const scheduler of this.#schedulers) scheduler.step();
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  /**
   * The lr of each param group after the last step.
   *
   * @example
   * ```ts
   * import { ChainedScheduler, ExponentialLR, LinearLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const scheduler = new ChainedScheduler([
   *   new LinearLR(optimizer, { startFactor: 0.5, totalIters: 4 }),
   *   new ExponentialLR(optimizer, { gamma: 0.9 }),
   * ]);
   * optimizer.step();
   * scheduler.step();
   * const [lr] = scheduler.getLastLr(); // 0.05625
   * ```
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * Its own state and, under `schedulers`, each chained scheduler's.
   *
   * @example
   * ```ts
   * import { ChainedScheduler, ExponentialLR, LinearLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const scheduler = new ChainedScheduler([
   *   new LinearLR(optimizer, { startFactor: 0.5, totalIters: 4 }),
   *   new ExponentialLR(optimizer, { gamma: 0.9 }),
   * ]);
   * const saved = JSON.stringify(scheduler.stateDict()); // with each chained scheduler's state
   * ```
   */
  stateDict(): SchedulerStateDict {
    return withChildren(this, this.#schedulers);
  }

  /**
   * Restores a {@link ChainedScheduler.stateDict} into this scheduler and the chained ones.
   *
   * @example
   * ```ts
   * import { ChainedScheduler, ExponentialLR, LinearLR } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const scheduler = new ChainedScheduler([
   *   new LinearLR(optimizer, { startFactor: 0.5, totalIters: 4 }),
   *   new ExponentialLR(optimizer, { gamma: 0.9 }),
   * ]);
   * const saved = scheduler.stateDict();
   * optimizer.step();
   * scheduler.step();
   * scheduler.loadStateDict(saved); // back to before the step, every chained scheduler included
   * ```
   */
  loadStateDict(state: SchedulerStateDict): void {
    loadWithChildren(this, this.#schedulers, state);
  }
}
