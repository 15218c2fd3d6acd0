/**
 * MultiplicativeLR: each group's lr times a function of the epoch, every epoch, as
 * `torch.optim.lr_scheduler.MultiplicativeLR`.
 *
 * @module
 */
import { type LambdaLROptions, lambdasPerGroup, type LrLambda } from "./lambda_lr.ts";
import { checkOptions, func, oneOrMany } from "../../tensor/validation.ts";
import { LAST_EPOCH, LRScheduler } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/**
 * Multiplies each group's current lr by `lrLambda(epoch)` at every step after the first (a chainable form: it
 * composes with other schedulers). The functions are not part of the state dict.
 *
 * @example
 * ```ts
 * import { MultiplicativeLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new MultiplicativeLR(optimizer, { lrLambda: () => 0.9 });
 * for (let epoch = 0; epoch < 2; epoch++) {
 *   optimizer.step();
 *   scheduler.step();
 * }
 * console.log(scheduler.getLastLr()); // [0.081] (to rounding)
 * ```
 */
export class MultiplicativeLR extends LRScheduler {
  readonly #lrLambdas: LrLambda[];

  /** A schedule of `optimizer`'s groups by `options.lrLambda`. */
  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    checkOptions("MultiplicativeLR", options, { ...LAST_EPOCH, lrLambda: oneOrMany(func) }, ["lrLambda"]);
    const lrLambdas = lambdasPerGroup(options.lrLambda, optimizer);
    super(optimizer, options.lastEpoch);
    this.#lrLambdas = lrLambdas;
    this.initialStep();
  }

  /** lr × lrLambda(lastEpoch) after the first epoch. */
  protected getLr(): number[] {
    const lrs = this.groupLrs();
    return this.lastEpoch > 0 ? lrs.map((lr, i) => lr * this.#lrLambdas[i](this.lastEpoch)) : lrs;
  }
}
