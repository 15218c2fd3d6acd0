/**
 * CosineAnnealingWarmRestarts (SGDR), as `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`.
 *
 * @module
 */
import { anything, checkOptions, shown } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** CosineAnnealingWarmRestarts's options (PyTorch's defaults: tMult 1, etaMin 0). */
export interface CosineAnnealingWarmRestartsOptions {
  /** The epochs until the first restart, a positive integer (PyTorch's `T_0`). */
  t0: number;
  /** The factor by which each period grows after a restart, an integer ≥ 1 (PyTorch's `T_mult`; default 1). */
  tMult?: number;
  /** The lowest lr (default 0). */
  etaMin?: number;
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/**
 * Cosine annealing with warm restarts (SGDR): lr = etaMin + (initial lr − etaMin)(1 + cos(π·tCur / tI)) / 2,
 * where tCur counts the epochs since the last restart and the period tI starts at t0 and is multiplied by tMult
 * at each restart. `step(epoch)` accepts fractional epochs (e.g. `epoch + batch / batches`), as in PyTorch.
 *
 * @example
 * ```ts
 * import { CosineAnnealingWarmRestarts } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new CosineAnnealingWarmRestarts(optimizer, { t0: 10, tMult: 2, etaMin: 1e-4 });
 * const batches = 100;
 * for (let epoch = 0; epoch < 2; epoch++) {
 *   for (let batch = 0; batch < batches; batch++) {
 *     optimizer.step();
 *     scheduler.step(epoch + batch / batches);
 *   }
 * }
 * ```
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** The epochs until the first restart (PyTorch's `T_0`). */
  t0: number;
  /** The current period (PyTorch's `T_i`). */
  tI: number;
  /** The factor by which each period grows (PyTorch's `T_mult`). */
  tMult: number;
  /** The lowest lr. */
  etaMin: number;
  /** The epochs since the last restart (PyTorch's `T_cur`). */
  tCur: number;

  /** A schedule of `optimizer`'s groups; throws PyTorch's errors for a bad t0 or tMult. */
  constructor(optimizer: AnyOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    // t0, tMult and etaMin are checked below, in PyTorch's words.
    checkOptions("CosineAnnealingWarmRestarts", options, {
      ...LAST_EPOCH,
      t0: anything,
      tMult: anything,
      etaMin: anything,
    });
    const { t0, tMult = 1, etaMin = 0, lastEpoch = -1 } = options;
    if (!Number.isInteger(t0) || t0 <= 0) throw new RangeError(`Expected positive integer t0, but got ${t0}`);
    if (!Number.isInteger(tMult) || tMult < 1) {
      throw new RangeError(`Expected integer tMult >= 1, but got ${tMult}`);
    }
    if (typeof etaMin !== "number" || Number.isNaN(etaMin)) {
      throw new TypeError(`Expected float or int etaMin, but got ${shown(etaMin)} of type ${typeof etaMin}`);
    }
    super(optimizer, lastEpoch);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tCur = lastEpoch;
    this.initialStep();
  }

  /** etaMin + (initial lr − etaMin)(1 + cos(π·tCur / tI)) / 2. */
  protected getLr(): number[] {
    const { etaMin } = this;
    return this.baseLrs.map((base) =>
      etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * this.tCur / this.tI)) / 2
    );
  }

  /**
   * Advances one epoch (restarting when the period is over) or, with `epoch` (fractional allowed), moves to that
   * point of the schedule; throws for a negative epoch.
   */
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur -= this.tI;
        this.tI *= this.tMult;
      }
    } else if (epoch < 0) {
      throw new RangeError(`Expected non-negative epoch, but got ${epoch}`);
    } else if (epoch >= this.t0) {
      if (this.tMult === 1) {
        this.tCur = epoch % this.t0;
      } else {
        const n = Math.trunc(Math.log(epoch / this.t0 * (this.tMult - 1) + 1) / Math.log(this.tMult));
        this.tCur = epoch - this.t0 * (this.tMult ** n - 1) / (this.tMult - 1);
        this.tI = this.t0 * this.tMult ** n;
      }
    } else {
      this.tI = this.t0;
      this.tCur = epoch;
    }
    super.step(Math.floor(epoch));
  }
}
