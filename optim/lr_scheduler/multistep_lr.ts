/**
 * MultiStepLR: decay by gamma at each milestone epoch, as `torch.optim.lr_scheduler.MultiStepLR`.
 *
 * @module
 */
import { arrayOf, checkOptions, integer, number } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** MultiStepLR's options (PyTorch's default gamma 0.1). */
export interface MultiStepLROptions {
  /** The epochs at which the lr decays; a milestone given twice decays twice. */
  milestones: readonly number[];
  /** The factor of each decay (default 0.1). */
  gamma?: number;
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/** How many of the sorted `values` are ≤ `x` (Python's `bisect_right`). */
export function bisectRight(values: readonly number[], x: number): number {
  let count = 0;
  while (count < values.length && values[count] <= x) count++;
  return count;
}

/**
 * Multiplies each group's lr by `gamma` at each milestone (by gamma^k for a milestone given k times).
 *
 * @example
 * ```ts
 * import { MultiStepLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.05 });
 * const scheduler = new MultiStepLR(optimizer, { milestones: [30, 80], gamma: 0.1 });
 * ```
 */
export class MultiStepLR extends LRScheduler {
  /** The milestones, sorted. */
  milestones: number[];
  /** The factor of each decay. */
  gamma: number;

  /** A schedule of `optimizer`'s groups. */
  constructor(optimizer: AnyOptimizer, options: MultiStepLROptions) {
    const spec = { ...LAST_EPOCH, milestones: arrayOf(integer(0)), gamma: number };
    checkOptions("MultiStepLR", options, spec, ["milestones"]);
    super(optimizer, options.lastEpoch);
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  /** lr × gamma^(times lastEpoch is a milestone). */
  protected getLr(): number[] {
    const lrs = this.groupLrs();
    const times = this.milestones.filter((m) => m === this.lastEpoch).length;
    return times === 0 ? lrs : lrs.map((lr) => lr * this.gamma ** times);
  }

  /** initial lr × gamma^(milestones ≤ lastEpoch). */
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** bisectRight(this.milestones, this.lastEpoch));
  }
}
