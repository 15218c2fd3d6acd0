/**
 * CosineAnnealingLR: cosine annealing from the initial lr to etaMin, as
 * `torch.optim.lr_scheduler.CosineAnnealingLR`.
 *
 * @module
 */
import { checkOptions, integer, number } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** CosineAnnealingLR's options (PyTorch's default etaMin 0). */
export interface CosineAnnealingLROptions {
  /** Half the period: the epochs from the initial lr down to etaMin (PyTorch's `T_max`). */
  tMax: number;
  /** The lowest lr (default 0). */
  etaMin?: number;
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/**
 * Anneals each group's lr along a cosine: etaMin + (initial lr − etaMin)(1 + cos(π·epoch / tMax)) / 2 when nothing
 * else changes it, past tMax rising again; computed in PyTorch's recursive form, so other changes compose.
 *
 * @example
 * ```ts
 * import { CosineAnnealingLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new CosineAnnealingLR(optimizer, { tMax: 10, etaMin: 0.001 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half the period, in epochs (PyTorch's `T_max`). */
  tMax: number;
  /** The lowest lr. */
  etaMin: number;

  /** A schedule of `optimizer`'s groups. */
  constructor(optimizer: AnyOptimizer, options: CosineAnnealingLROptions) {
    checkOptions("CosineAnnealingLR", options, { ...LAST_EPOCH, tMax: integer(1), etaMin: number }, ["tMax"]);
    super(optimizer, options.lastEpoch);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  /** PyTorch's recursive form (its closed form when resuming, and its own step at each odd multiple of tMax). */
  protected getLr(): number[] {
    const { etaMin, tMax, lastEpoch } = this;
    const lrs = this.groupLrs();
    if (lastEpoch === 0) return lrs;
    if (this.stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map((base) =>
        etaMin + (base - etaMin) * (1 + Math.cos(lastEpoch * Math.PI / tMax)) / 2
      );
    }
    if ((lastEpoch - 1 - tMax) % (2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2);
    }
    const ratio = (1 + Math.cos(Math.PI * lastEpoch / tMax)) /
      (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax));
    return lrs.map((lr) => ratio * (lr - etaMin) + etaMin);
  }

  /** etaMin + (initial lr − etaMin)(1 + cos(π·lastEpoch / tMax)) / 2. */
  protected override closedFormLr(): number[] {
    const { etaMin, tMax } = this;
    return this.baseLrs.map((base) =>
      etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * this.lastEpoch / tMax)) / 2
    );
  }
}
