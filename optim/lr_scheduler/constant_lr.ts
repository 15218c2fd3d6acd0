/**
 * ConstantLR: a constant factor until a milestone, as `torch.optim.lr_scheduler.ConstantLR`.
 *
 * @module
 */
import { checkOptions, integer, number } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** ConstantLR's options (PyTorch's defaults: factor 1/3, totalIters 5). */
export interface ConstantLROptions {
  /** The factor applied until `totalIters` (between 0 and 1; default 1/3). */
  factor?: number;
  /** The epoch at which the factor is lifted (default 5). */
  totalIters?: number;
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/**
 * Multiplies each group's lr by `factor` until epoch `totalIters`, then restores it.
 *
 * @example
 * ```ts
 * import { ConstantLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.05 });
 * const scheduler = new ConstantLR(optimizer, { factor: 0.5, totalIters: 4 });
 * console.log(scheduler.getLastLr()); // [0.025]
 * ```
 */
export class ConstantLR extends LRScheduler {
  /** The factor applied until `totalIters`. */
  factor: number;
  /** The epoch at which the factor is lifted. */
  totalIters: number;

  /** A schedule of `optimizer`'s groups. */
  constructor(optimizer: AnyOptimizer, options: ConstantLROptions = {}) {
    checkOptions("ConstantLR", options, { ...LAST_EPOCH, factor: number, totalIters: integer(0) });
    const { factor = 1 / 3, totalIters = 5 } = options;
    if (factor > 1 || factor < 0) {
      throw new RangeError(
        `Constant multiplicative factor expected to be between 0 and 1, got factor ${factor}`,
      );
    }
    super(optimizer, options.lastEpoch);
    this.factor = factor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  /** lr × factor at epoch 0, lr × (1 / factor) at totalIters, else lr. */
  protected getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return lrs;
    return lrs.map((lr) => lr * (1 / this.factor));
  }

  /** initial lr × (factor before totalIters, else 1). */
  protected override closedFormLr(): number[] {
    const lifted = this.lastEpoch >= this.totalIters ? 1 - this.factor : 0;
    return this.baseLrs.map((lr) => lr * (this.factor + lifted));
  }
}
