/**
 * WarmupCosineLR: linear warm-up then cosine decay, a ready scheduler beyond PyTorch.
 *
 * @module
 */
import { LambdaLR } from "./lambda_lr.ts";
import { warmupCosine, type WarmupCosineOptions } from "./schedules.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** WarmupCosineLR's options: {@link WarmupCosineOptions} and a `lastEpoch` for resuming. */
export interface WarmupCosineLROptions extends WarmupCosineOptions {
  /** The index of the last step when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/**
 * Each group's initial lr times {@link warmupCosine}'s factor (a LambdaLR): startFactor + (1 − startFactor)·s / W
 * for s < W = warmupSteps, then endFactor + (1 − endFactor)(1 + cos(π·(s − W) / (T − W))) / 2 until
 * T = totalSteps, then endFactor. Usually stepped after every batch.
 *
 * @example
 * ```ts
 * import { WarmupCosineLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { Adam, zeros } from "@gradstep/gradstep";
 * const optimizer = new Adam([zeros([2], { requiresGrad: true })], { lr: 3e-4 });
 * const scheduler = new WarmupCosineLR(optimizer, { warmupSteps: 500, totalSteps: 10_000, endFactor: 0.1 });
 * ```
 */
export class WarmupCosineLR extends LambdaLR {
  /** A schedule of `optimizer`'s groups; throws when totalSteps < warmupSteps. */
  constructor(optimizer: AnyOptimizer, options: WarmupCosineLROptions) {
    const { lastEpoch, ...schedule } = options;
    super(optimizer, { lrLambda: warmupCosine(schedule), lastEpoch });
  }
}
