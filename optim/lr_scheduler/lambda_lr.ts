/**
 * LambdaLR: each group's initial lr times a function of the epoch, as `torch.optim.lr_scheduler.LambdaLR`.
 *
 * @module
 */
import { checkOptions, func, oneOrMany } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** A function of the epoch (or step) index that gives a factor. */
export type LrLambda = (epoch: number) => number;

/** LambdaLR's and MultiplicativeLR's options. */
export interface LambdaLROptions {
  /** One function for every group, or one per group. */
  lrLambda: LrLambda | readonly LrLambda[];
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/** One function per param group; PyTorch's error when a list has the wrong length. */
export function lambdasPerGroup(
  lrLambda: LrLambda | readonly LrLambda[],
  optimizer: AnyOptimizer,
): LrLambda[] {
  const n = optimizer.paramGroups.length;
  if (!Array.isArray(lrLambda)) return new Array(n).fill(lrLambda);
  if (lrLambda.length !== n) throw new RangeError(`Expected ${n} lrLambdas, but got ${lrLambda.length}`);
  return [...lrLambda];
}

/**
 * Sets each group's lr to its initial lr times `lrLambda(epoch)`. The functions are not part of the state dict
 * (as PyTorch saves no plain functions); give the same ones when resuming.
 *
 * @example
 * ```ts
 * import { LambdaLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new LambdaLR(optimizer, { lrLambda: (epoch) => 0.95 ** epoch });
 * optimizer.step();
 * scheduler.step();
 * console.log(scheduler.getLastLr()); // [0.095]
 * ```
 */
export class LambdaLR extends LRScheduler {
  readonly #lrLambdas: LrLambda[];

  /** A schedule of `optimizer`'s groups by `options.lrLambda`. */
  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    checkOptions("LambdaLR", options, { ...LAST_EPOCH, lrLambda: oneOrMany(func) }, ["lrLambda"]);
    const lrLambdas = lambdasPerGroup(options.lrLambda, optimizer);
    super(optimizer, options.lastEpoch);
    this.#lrLambdas = lrLambdas;
    this.initialStep();
  }

  /** initial lr × lrLambda(lastEpoch). */
  protected getLr(): number[] {
    return this.baseLrs.map((lr, i) => lr * this.#lrLambdas[i](this.lastEpoch));
  }
}
