/**
 * WarmupStableDecayLR (WSD): warm-up, a constant stage, then a decay; a ready scheduler beyond PyTorch.
 *
 * @module
 */
import { LambdaLR } from "./lambda_lr.ts";
import { warmupStableDecay, type WarmupStableDecayOptions } from "./schedules.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** WarmupStableDecayLR's options: {@link WarmupStableDecayOptions} and a `lastEpoch` for resuming. */
export interface WarmupStableDecayLROptions extends WarmupStableDecayOptions {
  /** The index of the last step when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/**
 * Each group's initial lr times {@link warmupStableDecay}'s factor (a LambdaLR): linear from startFactor to 1
 * over warmupSteps, 1 until totalSteps − decaySteps, then down to endFactor over decaySteps along decayShape
 * (linear, cosine or 1-sqrt), then endFactor. Usually stepped after every batch.
 *
 * @example
 * ```ts
 * import { WarmupStableDecayLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { Adam, zeros } from "@gradstep/gradstep";
 * const optimizer = new Adam([zeros([2], { requiresGrad: true })], { lr: 1e-3 });
 * const scheduler = new WarmupStableDecayLR(optimizer, {
 *   warmupSteps: 200,
 *   decaySteps: 1000,
 *   totalSteps: 10_000,
 *   decayShape: "1-sqrt",
 * });
 * ```
 */
export class WarmupStableDecayLR extends LambdaLR {
  /** A schedule of `optimizer`'s groups; throws unless warmupSteps + decaySteps ≤ totalSteps. */
  constructor(optimizer: AnyOptimizer, options: WarmupStableDecayLROptions) {
    const { lastEpoch, ...schedule } = options;
    super(optimizer, { lrLambda: warmupStableDecay(schedule), lastEpoch });
  }
}
