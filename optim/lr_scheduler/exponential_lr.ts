/**
 * ExponentialLR: decay by gamma every epoch, as `torch.optim.lr_scheduler.ExponentialLR`.
 *
 * @module
 */
import { checkOptions, number } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** ExponentialLR's options. */
export interface ExponentialLROptions {
  /** The factor of each epoch's decay. */
  gamma: number;
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/**
 * Multiplies each group's lr by `gamma` every epoch: initial lr × gamma^epoch when nothing else changes it.
 *
 * @example
 * ```ts
 * import { ExponentialLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new ExponentialLR(optimizer, { gamma: 0.9 });
 * ```
 */
export class ExponentialLR extends LRScheduler {
  /** The factor of each epoch's decay. */
  gamma: number;

  /** A schedule of `optimizer`'s groups. */
  constructor(optimizer: AnyOptimizer, options: ExponentialLROptions) {
    checkOptions("ExponentialLR", options, { ...LAST_EPOCH, gamma: number }, ["gamma"]);
    super(optimizer, options.lastEpoch);
    this.gamma = options.gamma;
    this.initialStep();
  }

  /** lr × gamma after the first epoch. */
  protected getLr(): number[] {
    const lrs = this.groupLrs();
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }

  /** initial lr × gamma^lastEpoch. */
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** this.lastEpoch);
  }
}
