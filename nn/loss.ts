/**
 * Loss modules: configuration held, computation in `functional.ts`, `binary_cross_entropy.ts` and
 * `pointwise_loss.ts`. Call as `criterion.forward(input, target)`. Weights are buffers under PyTorch's names
 * (`weight`, `pos_weight`), so they move with `to(device)` and appear in the state dict as in PyTorch.
 *
 * @module
 */
import { checkOptions } from "../tensor/validation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { OPTION_SPECS } from "./functional_checks.ts";
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
import {
  type BCEWithLogitsOptions,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
} from "./binary_cross_entropy.ts";
import {
  checkKLDivReduction,
  huberLoss,
  klDiv,
  type KLDivOptions,
  l1Loss,
  smoothL1Loss,
} from "./pointwise_loss.ts";

/**
 * Cross-entropy on logits, as `nn.CrossEntropyLoss` (reduction, labelSmoothing, weight, ignoreIndex; class-index
 * or class-probability targets).
 *
 * @example
 * ```ts
 * import { CrossEntropyLoss } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const criterion = new CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = criterion.forward(randn([2, 10]), tensor([3, 7], { dtype: "int32" }));
 * ```
 */
export class CrossEntropyLoss extends Module {
  /** A loss with the given options (PyTorch's defaults otherwise). */
  constructor(readonly options: CrossEntropyOptions = {}) {
    super();
    checkOptions("CrossEntropyLoss", options, OPTION_SPECS.crossEntropy);
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
 * const loss = new NLLLoss().forward(randn([2, 10]).logSoftmax(1), tensor([3, 7], { dtype: "int32" }));
 * ```
 */
export class NLLLoss extends Module {
  /** A loss with the given options (PyTorch's defaults otherwise). */
  constructor(readonly options: NLLOptions = {}) {
    super();
    checkOptions("NLLLoss", options, OPTION_SPECS.nll);
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
    checkOptions("MSELoss", options, OPTION_SPECS.reduction);
    checkReduction(options.reduction ?? "mean");
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/**
 * Binary cross-entropy on logits, as `nn.BCEWithLogitsLoss` (weight, reduction, posWeight), stable for any logit.
 *
 * @example
 * ```ts
 * import { BCEWithLogitsLoss } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const criterion = new BCEWithLogitsLoss({ posWeight: tensor([3, 1]) });
 * const loss = criterion.forward(randn([4, 2]), tensor([[1, 0], [0, 0], [1, 1], [0, 1]]));
 * ```
 */
export class BCEWithLogitsLoss extends Module {
  /** How the per-element losses are combined. */
  readonly reduction: Reduction;
  /** A loss with the given options (PyTorch's defaults otherwise). */
  constructor(options: BCEWithLogitsOptions = {}) {
    super();
    checkOptions("BCEWithLogitsLoss", options, OPTION_SPECS.bceWithLogits);
    this.reduction = options.reduction ?? "mean";
    checkReduction(this.reduction);
    this.registerBuffer("weight", options.weight ?? null);
    this.registerBuffer("pos_weight", options.posWeight ?? null);
  }
  /** The loss of logits `input` against target probabilities of the same shape. */
  forward(input: Tensor, target: Tensor): Tensor {
    const [weight, posWeight] = [this.getBuffer("weight"), this.getBuffer("pos_weight")];
    return binaryCrossEntropyWithLogits(input, target, { weight, posWeight, reduction: this.reduction });
  }
}

/**
 * Binary cross-entropy on probabilities, as `nn.BCELoss` (weight, reduction); logs are clamped at -100.
 *
 * @example
 * ```ts
 * import { BCELoss } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const loss = new BCELoss().forward(randn([3]).sigmoid(), tensor([1, 0, 1]));
 * ```
 */
export class BCELoss extends Module {
  /** How the per-element losses are combined. */
  readonly reduction: Reduction;
  /** A loss with the given options (PyTorch's defaults otherwise). */
  constructor(options: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super();
    checkOptions("BCELoss", options, OPTION_SPECS.bce);
    this.reduction = options.reduction ?? "mean";
    checkReduction(this.reduction);
    this.registerBuffer("weight", options.weight ?? null);
  }
  /** The loss of probabilities `input` (in [0, 1]) against targets of the same shape. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.getBuffer("weight"), reduction: this.reduction });
  }
}

/**
 * Mean absolute error, as `nn.L1Loss`.
 *
 * @example
 * ```ts
 * import { L1Loss } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const loss = new L1Loss({ reduction: "sum" }).forward(randn([8]), randn([8]));
 * ```
 */
export class L1Loss extends Module {
  /** A loss with the given reduction (default "mean"). */
  constructor(readonly options: { reduction?: Reduction } = {}) {
    super();
    checkOptions("L1Loss", options, OPTION_SPECS.reduction);
    checkReduction(options.reduction ?? "mean");
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

/**
 * Smooth L1 (quadratic below `beta`, default 1, linear beyond), as `nn.SmoothL1Loss`.
 *
 * @example
 * ```ts
 * import { SmoothL1Loss } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const loss = new SmoothL1Loss({ beta: 0.5 }).forward(randn([8]), randn([8]));
 * ```
 */
export class SmoothL1Loss extends Module {
  /** A loss with the given options (PyTorch's defaults otherwise). */
  constructor(readonly options: { reduction?: Reduction; beta?: number } = {}) {
    super();
    checkOptions("SmoothL1Loss", options, OPTION_SPECS.smoothL1);
    checkReduction(options.reduction ?? "mean");
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.options);
  }
}

/**
 * The Huber loss (quadratic below `delta`, default 1, then linear with slope delta), as `nn.HuberLoss`.
 *
 * @example
 * ```ts
 * import { HuberLoss } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const loss = new HuberLoss({ delta: 2 }).forward(randn([8]), randn([8]));
 * ```
 */
export class HuberLoss extends Module {
  /** A loss with the given options (PyTorch's defaults otherwise). */
  constructor(readonly options: { reduction?: Reduction; delta?: number } = {}) {
    super();
    checkOptions("HuberLoss", options, OPTION_SPECS.huber);
    checkReduction(options.reduction ?? "mean");
  }
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.options);
  }
}

/**
 * The Kullback–Leibler divergence loss on log-probabilities, as `nn.KLDivLoss` (reduction incl. "batchmean",
 * logTarget).
 *
 * @example
 * ```ts
 * import { KLDivLoss } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const criterion = new KLDivLoss({ reduction: "batchmean" });
 * const loss = criterion.forward(randn([4, 5]).logSoftmax(1), randn([4, 5]).softmax(1));
 * ```
 */
export class KLDivLoss extends Module {
  /** A loss with the given options (PyTorch's defaults otherwise). */
  constructor(readonly options: KLDivOptions = {}) {
    super();
    checkOptions("KLDivLoss", options, OPTION_SPECS.klDiv);
    checkKLDivReduction(options.reduction ?? "mean");
  }
  /** The divergence of `target` from log-probabilities `input`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.options);
  }
}
