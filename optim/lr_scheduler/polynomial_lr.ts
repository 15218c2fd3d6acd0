/**
 * PolynomialLR: polynomial decay to zero, as `torch.optim.lr_scheduler.PolynomialLR`.
 *
 * @module
 */
import { checkOptions, integer, number } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** PolynomialLR's options (PyTorch's defaults: totalIters 5, power 1). */
export interface PolynomialLROptions {
  /** The epochs the lr takes to decay to zero (default 5). */
  totalIters?: number;
  /** The power of the polynomial (default 1). */
  power?: number;
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/**
 * Decays each group's lr as initial lr × (1 − min(epoch, totalIters) / totalIters)^power, in PyTorch's chainable
 * form.
 *
 * @example
 * ```ts
 * import { PolynomialLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.001 });
 * const scheduler = new PolynomialLR(optimizer, { totalIters: 4, power: 1 }); // 0.001, 0.00075, … 0
 * ```
 */
export class PolynomialLR extends LRScheduler {
  /** The epochs the lr takes to decay to zero. */
  totalIters: number;
  /** The power of the polynomial. */
  power: number;

  /** A schedule of `optimizer`'s groups. */
  constructor(optimizer: AnyOptimizer, options: PolynomialLROptions = {}) {
    checkOptions("PolynomialLR", options, { ...LAST_EPOCH, totalIters: integer(1), power: number });
    super(optimizer, options.lastEpoch);
    this.totalIters = options.totalIters ?? 5;
    this.power = options.power ?? 1;
    this.initialStep();
  }

  /** lr × the ratio of consecutive decay factors, until totalIters. */
  protected getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return lrs;
    const t = this.totalIters;
    const factor = ((1 - this.lastEpoch / t) / (1 - (this.lastEpoch - 1) / t)) ** this.power;
    return lrs.map((lr) => lr * factor);
  }

  /** initial lr × (1 − min(totalIters, lastEpoch) / totalIters)^power. */
  protected override closedFormLr(): number[] {
    const progress = Math.min(this.totalIters, this.lastEpoch) / this.totalIters;
    return this.baseLrs.map((lr) => lr * (1 - progress) ** this.power);
  }
}
