/**
 * StepLR: decay by gamma every stepSize epochs, as `torch.optim.lr_scheduler.StepLR`.
 *
 * @module
 */
import { checkOptions, integer, number } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** StepLR's options (PyTorch's default gamma 0.1). */
export interface StepLROptions {
  /** The period of the decay, in epochs. */
  stepSize: number;
  /** The factor of each decay (default 0.1). */
  gamma?: number;
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/**
 * Multiplies each group's lr by `gamma` every `stepSize` epochs: lr = initial lr × gamma^⌊epoch / stepSize⌋ when
 * nothing else changes the lr (the steps are chainable, as PyTorch's).
 *
 * @example
 * ```ts
 * import { StepLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new StepLR(optimizer, { stepSize: 7, gamma: 0.1 }); // the seed's schedule
 * ```
 */
export class StepLR extends LRScheduler {
  /** The period of the decay, in epochs. */
  stepSize: number;
  /** The factor of each decay. */
  gamma: number;

  /** A schedule of `optimizer`'s groups. */
  constructor(optimizer: AnyOptimizer, options: StepLROptions) {
    checkOptions("StepLR", options, { ...LAST_EPOCH, stepSize: integer(1), gamma: number }, ["stepSize"]);
    super(optimizer, options.lastEpoch);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  /** lr × gamma at every multiple of stepSize. */
  protected getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  /** initial lr × gamma^⌊lastEpoch / stepSize⌋. */
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}
