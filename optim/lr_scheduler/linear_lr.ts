/**
 * LinearLR: a factor changing linearly until a milestone, as `torch.optim.lr_scheduler.LinearLR`.
 *
 * @module
 */
import { checkOptions, integer, number } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** LinearLR's options (PyTorch's defaults: startFactor 1/3, endFactor 1, totalIters 5). */
export interface LinearLROptions {
  /** The factor at epoch 0 (between 0 and 1; default 1/3). */
  startFactor?: number;
  /** The factor from `totalIters` on (between 0 and 1; default 1). */
  endFactor?: number;
  /** The epochs the factor takes to go from start to end (default 5). */
  totalIters?: number;
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

function checkFactor(which: string, value: number): void {
  if (value > 1 || value < 0) {
    throw new RangeError(`${which} multiplicative factor expected to be between 0 and 1, got ${value}`);
  }
}

/**
 * Multiplies each group's initial lr by a factor going linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs (a linear warm-up or decay), in PyTorch's chainable form.
 *
 * @example
 * ```ts
 * import { LinearLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.05 });
 * const scheduler = new LinearLR(optimizer, { startFactor: 0.5, totalIters: 4 }); // 0.025, 0.03125, … 0.05
 * ```
 */
export class LinearLR extends LRScheduler {
  /** The factor at epoch 0. */
  startFactor: number;
  /** The factor from `totalIters` on. */
  endFactor: number;
  /** The epochs the factor takes to go from start to end. */
  totalIters: number;

  /** A schedule of `optimizer`'s groups. */
  constructor(optimizer: AnyOptimizer, options: LinearLROptions = {}) {
    const spec = { ...LAST_EPOCH, startFactor: number, endFactor: number, totalIters: integer(1) };
    checkOptions("LinearLR", options, spec);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = options;
    checkFactor("Starting", startFactor);
    checkFactor("Ending", endFactor);
    super(optimizer, options.lastEpoch);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  /** PyTorch's recursive form: the ratio of consecutive factors. */
  protected getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return lrs;
    const delta = this.endFactor - this.startFactor;
    return lrs.map((lr) =>
      lr * (1 + delta / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * delta))
    );
  }

  /** initial lr × (start + (end − start) × min(totalIters, lastEpoch) / totalIters). */
  protected override closedFormLr(): number[] {
    const progress = Math.min(this.totalIters, this.lastEpoch);
    return this.baseLrs.map((lr) =>
      lr * (this.startFactor + (this.endFactor - this.startFactor) * progress / this.totalIters)
    );
  }
}
