/**
 * Binary cross-entropy, as `torch.nn.functional`: on probabilities (`binaryCrossEntropy`, logs clamped at -100)
 * and on logits (`binaryCrossEntropyWithLogits`, in the stable log-sum-exp form, with `posWeight`). Each is one
 * fused kernel forward and one back (see `pointwise_loss.ts`).
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import type { Expr } from "../backends/kernel_ir.ts";
import { sameShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkOptions } from "../tensor/validation.ts";
import { checkReduction, type Reduction } from "./functional.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";
import { elementwiseLoss, type LossKernel } from "./pointwise_loss.ts";

/** softplus(-x) = log(1 + exp(-x)), as PyTorch evaluates it: log(exp(-m) + exp(-x - m)) + m with m = max(-x, 0). */
function softplusOfNegative(x: Expr): Expr {
  const m = ir.max(ir.neg(x), 0);
  return ir.add(ir.log(ir.add(ir.exp(ir.neg(m)), ir.exp(ir.sub(ir.neg(x), m)))), m);
}

const BCE_WITH_LOGITS: LossKernel = {
  name: "binaryCrossEntropyWithLogits",
  // (1 - y)·x + (1 + (posWeight - 1)·y)·softplus(-x)
  value: ({ input: x, target: y, posWeight }) => {
    const logWeight = posWeight === undefined
      ? ir.constant(1, "float32")
      : ir.add(ir.mul(ir.sub(posWeight, 1), y), 1);
    return ir.add(ir.mul(ir.sub(1, y), x), ir.mul(logWeight, softplusOfNegative(x)));
  },
  grads: ({ input: x, target: y, posWeight }) => {
    if (posWeight === undefined) return { input: ir.sub(ir.sigmoid(x), y), target: ir.neg(x) };
    const t = ir.mul(posWeight, y);
    return {
      input: ir.sub(ir.mul(ir.add(ir.sub(t, y), 1), ir.sigmoid(x)), t),
      target: ir.sub(ir.mul(ir.sub(posWeight, 1), softplusOfNegative(x)), x),
    };
  },
};

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BCEWithLogitsOptions {
  /** A weight per element, broadcast to the input (default: all 1). */
  weight?: Tensor | null;
  /** How to combine the per-element losses (default "mean"). */
  reduction?: Reduction;
  /** The weight of positive targets, broadcast along the last (class) dimension (default: all 1). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy between logits `input` and target probabilities of the same shape, as
 * `torch.nn.functional.binary_cross_entropy_with_logits`: computed in log-sum-exp form, stable for any logit.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropyWithLogits } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const loss = binaryCrossEntropyWithLogits(randn([2, 3]), tensor([[0, 1, 1], [1, 0, 0]]), {
 *   posWeight: tensor([1, 2, 3]),
 * });
 * ```
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BCEWithLogitsOptions = {},
): Tensor {
  checkTensors("binaryCrossEntropyWithLogits", { input, target });
  checkOptions("binaryCrossEntropyWithLogits", options, OPTION_SPECS.bceWithLogits);
  const { weight = null, reduction = "mean", posWeight = null } = options;
  checkReduction(reduction);
  if (!sameShape(target.shape, input.shape)) {
    throw new Error(`Target size ([${target.shape}]) must be the same as input size ([${input.shape}])`);
  }
  return elementwiseLoss(BCE_WITH_LOGITS, { input, target, weight, posWeight }, reduction);
}

const BCE: LossKernel = {
  name: "binaryCrossEntropy",
  // -(y·max(log p, -100) + (1 - y)·max(log(1 - p), -100)); NaN for p outside [0, 1].
  value: ({ input: p, target: y }) => {
    const loss = ir.sub(
      ir.mul(ir.sub(y, 1), ir.max(ir.log(ir.sub(1, p)), -100)),
      ir.mul(y, ir.max(ir.log(p), -100)),
    );
    return ir.where(ir.or(ir.lt(p, 0), ir.gt(p, 1)), NaN, loss);
  },
  // PyTorch's: (p - y) / max(p·(1 - p), 1e-12), and the target's -logit(p).
  grads: ({ input: p, target: y }) => ({
    input: ir.div(ir.sub(p, y), ir.max(ir.mul(ir.sub(1, p), p), 1e-12)),
    target: ir.sub(ir.log(ir.sub(1, p)), ir.log(p)),
  }),
};

/**
 * Checks that probabilities lie in [0, 1], where that needs no device round-trip (host memory), as
 * cross-entropy's target check does; on a device an out-of-range probability makes its loss NaN instead.
 */
function checkProbabilities(input: Tensor): void {
  if (input.device.backend.readSync === undefined) return;
  for (const p of input.dataSync()) {
    if (!(p >= 0 && p <= 1)) throw new RangeError("all elements of input should be between 0 and 1");
  }
}

/**
 * Binary cross-entropy between probabilities `input` (in [0, 1]) and targets of the same shape, as
 * `torch.nn.functional.binary_cross_entropy`: each log is clamped at -100, so p = 0 or 1 gives a finite loss.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const loss = binaryCrossEntropy(randn([4]).sigmoid(), tensor([0, 1, 1, 0]));
 * ```
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  checkTensors("binaryCrossEntropy", { input, target });
  checkOptions("binaryCrossEntropy", options, OPTION_SPECS.bce);
  const { weight = null, reduction = "mean" } = options;
  checkReduction(reduction);
  if (!sameShape(target.shape, input.shape)) {
    throw new Error(
      `Using a target size ([${target.shape}]) that is different to the input size ([${input.shape}]) is deprecated. Please ensure they have the same size.`,
    );
  }
  checkProbabilities(input);
  return elementwiseLoss(BCE, { input, target, weight }, reduction);
}
