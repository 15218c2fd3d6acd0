/**
 * AdamW, as `torch.optim.AdamW`: Adam with decoupled weight decay.
 *
 * @module
 */
import { Adam, type AdamOptions } from "./adam.ts";
import type { Params } from "./state_dict.ts";

/** AdamW's hyperparameters: Adam's, with weight decay always decoupled (PyTorch's defaults: weightDecay 1e-2). */
export type AdamWOptions = Omit<AdamOptions, "decoupledWeightDecay">;

/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"), as `torch.optim.AdamW`: Adam whose weight
 * decay multiplies the parameter by (1 − lr·weightDecay) instead of adding to the gradient. It is {@link Adam} with
 * `decoupledWeightDecay: true` and PyTorch's AdamW default of 1e-2 for `weightDecay`.
 *
 * @example
 * ```ts
 * import { AdamW } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 * ```
 */
export class AdamW extends Adam {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's AdamW defaults otherwise). */
  constructor(params: Params<AdamWOptions>, options: Partial<AdamWOptions> = {}) {
    if ("decoupledWeightDecay" in options) {
      throw new TypeError("Unexpected option decoupledWeightDecay: AdamW always decouples its weight decay");
    }
    super(params, { weightDecay: 1e-2, ...options, decoupledWeightDecay: true });
  }
}
