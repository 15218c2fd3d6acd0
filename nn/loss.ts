/**
 * Loss modules: configuration held, computation in `functional.ts`. Call as `criterion.forward(input, target)`.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import {
  checkLabelSmoothing,
  checkReduction,
  crossEntropy,
  type CrossEntropyOptions,
  mseLoss,
  nllLoss,
  type NLLOptions,
  type Reduction,
} from "./functional.ts";
import { Module } from "./module.ts";

/**
 * Cross-entropy on logits, as `nn.CrossEntropyLoss` (reduction, labelSmoothing, weight, ignoreIndex; class-index
 * or class-probability targets).
 *
 * @example
 * ```ts
 * import { CrossEntropyLoss } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const criterion = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = criterion.forward(randn([2, 10]), tensor([3, 7]));
 * ```
 */
export class CrossEntropyLoss extends Module {
  /** A loss with the given options (PyTorch's defaults otherwise). */
  constructor(readonly options: CrossEntropyOptions = {}) {
    super();
    checkReduction(options.reduction ?? "mean");
    checkLabelSmoothing(options.labelSmoothing ?? 0);
  }
  /** The loss of logits `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}

/**
 * Negative log-likelihood on log-probabilities, as `nn.NLLLoss`.
 *
 * @example
 * ```ts
 * import { NLLLoss } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const loss = new NLLLoss().forward(randn([2, 10]).logSoftmax(1), tensor([3, 7]));
 * ```
 */
export class NLLLoss extends Module {
  /** A loss with the given options (PyTorch's defaults otherwise). */
  constructor(readonly options: NLLOptions = {}) {
    super();
    checkReduction(options.reduction ?? "mean");
  }
  /** The loss of log-probabilities `input` against class indices `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
}

/**
 * Mean squared error, as `nn.MSELoss`.
 *
 * @example
 * ```ts
 * import { MSELoss } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const loss = new MSELoss().forward(randn([8]), randn([8]));
 * ```
 */
export class MSELoss extends Module {
  /** A loss with the given reduction (default "mean"). */
  constructor(readonly options: { reduction?: Reduction } = {}) {
    super();
    checkReduction(options.reduction ?? "mean");
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}
