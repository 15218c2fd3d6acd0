/**
 * Stateless layer and loss functions, as `torch.nn.functional`; the modules in `nn/` call these. The functional
 * forms of the CNN layers live beside their modules, one concept per file: `conv2d` in `conv.ts`, `maxPool2d` and
 * `avgPool2d` in `pooling.ts`, `dropout` in `dropout.ts`, `batchNorm` in `batchnorm.ts` (all exported by `nn`).
 *
 * @module
 */
import { noGrad } from "../autograd/node.ts";
import { int32Hint, isFloating } from "../tensor/dtype.ts";
import { autocastArgs } from "../tensor/autocast_policy.ts";
import { where } from "../tensor/elementwise.ts";
import { checkIndexValues, gatherInRange, indexSelectInRange } from "../tensor/indexing.ts";
import { sameShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { fusedCrossEntropy } from "./fused_cross_entropy.ts";
import { checkOptions } from "../tensor/validation.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";

/** How a loss combines its per-element values: their mean, their sum, or none (all of them). */
export type Reduction = "mean" | "sum" | "none";

/** Throws unless `reduction` is one of the three reductions. */
export function checkReduction(reduction: Reduction): void {
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new Error(`${reduction} is not a valid value for reduction: expected "mean", "sum" or "none"`);
  }
}

/**
 * `input Wᵀ + b` over the last dimension.
 *
 * @example
 * ```ts
 * import { linear } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = linear(randn([2, 3]), randn([4, 3]), randn([4])); // [2, 4]
 * ```
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkTensors("linear", { input, weight, bias }, ["bias"]);
  [input, weight, bias] = autocastArgs("lower", [input, weight, bias]);
  const y = input.matmul(weight.T);
  return bias === null ? y : y.add(bias);
}

/** The class dimension moved last and the rest flattened: [N·d1·…, C], with the matching target [N·d1·…]. */
function flattenClasses(
  input: Tensor,
  target: Tensor,
): { logits: Tensor; labels: Tensor; shape: readonly number[] } {
  if (input.ndim === 1) return { logits: input.unsqueeze(0), labels: target.reshape([1]), shape: [] };
  const classes = input.shape[1];
  const moved = input.ndim === 2
    ? input
    : input.permute([0, ...input.shape.slice(2).map((_, i) => i + 2), 1]);
  return { logits: moved.reshape([-1, classes]), labels: target.reshape([-1]), shape: target.shape };
}

/** The shape of class-index targets for `input`: its shape without the class dimension. */
function indexTargetShape(input: Tensor): readonly number[] {
  return input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
}

function checkTargets(input: Tensor, target: Tensor, ignoreIndex: number): void {
  if (target.dtype !== "int32") {
    throw new TypeError(
      `Expected class-index targets of dtype int32 (or float class probabilities), got ${target.dtype}` +
        int32Hint(target.dtype),
    );
  }
  const expected = indexTargetShape(input);
  if (!sameShape(target.shape, expected)) {
    throw new Error(
      `Expected target size [${expected}], got [${target.shape}] for input of size [${input.shape}]`,
    );
  }
  const classes = input.ndim === 1 ? input.shape[0] : input.shape[1];
  const fail = (t: number): Error => new RangeError(`Target ${t} is out of bounds for ${classes} classes.`);
  checkIndexValues(target, { size: classes, ignore: ignoreIndex }, fail);
}

/** Each target's class weight (1 without weights), 0 where the target is ignored; flat like `labels`. */
function targetWeights(labels: Tensor, weight: Tensor | null, ignoreIndex: number, like: Tensor): Tensor {
  return noGrad(() => {
    const kept = labels.ne(ignoreIndex);
    return weight === null
      ? kept.to(like.dtype)
      : indexSelectInRange(weight, 0, where(kept, labels, 0)).mul(kept);
  });
}

/**
 * `losses.sum() / total` as PyTorch's weighted means: when `total` is 0 (every target ignored) the value is NaN
 * but the gradients are 0, not NaN, so one all-padding batch cannot poison the parameters.
 */
function weightedMean(losses: Tensor, total: Tensor): Tensor {
  const { divisor, nanIfEmpty } = noGrad(() => {
    const empty = total.eq(0);
    // In the losses' dtype, so that float16 losses stay float16 as in PyTorch.
    return { divisor: where(empty, 1, total), nanIfEmpty: where(empty, NaN, 0).to(losses.dtype) };
  });
  return losses.sum().div(divisor).add(nanIfEmpty);
}

/** Options of {@link nllLoss} and {@link crossEntropy}. */
export interface NLLOptions {
  /** A weight per class (default: all 1). */
  weight?: Tensor | null;
  /** A target value that contributes neither loss nor gradient (default -100). */
  ignoreIndex?: number;
  /** How to combine the per-sample losses (default "mean": weighted by the targets' class weights). */
  reduction?: Reduction;
}

/**
 * The negative log-likelihood of class-index targets given log-probabilities `input` ([N, C], [C] or
 * [N, C, d1, …]), as `torch.nn.functional.nll_loss`.
 *
 * @example
 * ```ts
 * import { nllLoss } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const loss = nllLoss(randn([3, 5]).logSoftmax(1), tensor([1, 0, 4], { dtype: "int32" }));
 * ```
 */
export function nllLoss(input: Tensor, target: Tensor, options: NLLOptions = {}): Tensor {
  checkTensors("nllLoss", { input, target });
  checkOptions("nllLoss", options, OPTION_SPECS.nll);
  const { weight = null, ignoreIndex = -100, reduction = "mean" } = options;
  checkReduction(reduction);
  [input] = autocastArgs("float32", [input]);
  checkTargets(input, target, ignoreIndex);
  const { logits, labels, shape } = flattenClasses(input, target);
  const safe = noGrad(() => where(labels.eq(ignoreIndex), 0, labels));
  const picked = gatherInRange(logits, 1, safe.unsqueeze(1)).squeeze(1);
  const w = targetWeights(labels, weight, ignoreIndex, input);
  const losses = picked.mul(w).neg();
  if (reduction === "none") return losses.reshape(shape);
  if (reduction === "sum") return losses.sum();
  return weightedMean(losses, w.sum());
}

/** Throws unless `labelSmoothing` is in [0, 1]. */
export function checkLabelSmoothing(labelSmoothing: number): void {
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(`labelSmoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
  }
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends NLLOptions {
  /** Mixes each target with the uniform distribution by this amount, in [0, 1] (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits `input` ([N, C], [C] or [N, C, d1, …]) and class-index targets (int32) or class
 * probabilities (float, shaped like the input), as `torch.nn.functional.cross_entropy`, label smoothing included.
 *
 * @example
 * ```ts
 * import { crossEntropy } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const loss = crossEntropy(randn([4, 10]), tensor([3, 1, 4, 1], { dtype: "int32" }), { labelSmoothing: 0.1 });
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkTensors("crossEntropy", { input, target });
  checkOptions("crossEntropy", options, OPTION_SPECS.crossEntropy);
  const { weight = null, ignoreIndex = -100, reduction = "mean", labelSmoothing = 0 } = options;
  checkReduction(reduction);
  [input, target] = autocastArgs("float32", [input, target]);
  checkLabelSmoothing(labelSmoothing);
  if (!isFloating(target.dtype) && weight === null && labelSmoothing === 0) {
    checkTargets(input, target, ignoreIndex);
    const { logits, labels, shape } = flattenClasses(input, target);
    const losses = fusedCrossEntropy(logits, labels, ignoreIndex, reduction);
    return reduction === "none" ? losses.reshape(shape) : losses;
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  const logp = input.logSoftmax(classDim);
  const weightShape = input.shape.map((s, i) => (i === classDim ? s : 1));
  if (isFloating(target.dtype)) {
    if (!sameShape(target.shape, input.shape)) {
      const indices = sameShape(target.shape, indexTargetShape(input)) ? int32Hint(target.dtype) : "";
      throw new Error(
        `Expected class-probability target of size [${input.shape}], got [${target.shape}]${indices}`,
      );
    }
    const smoothed = labelSmoothing > 0
      ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes)
      : target;
    const weighted = weight === null ? logp : logp.mul(weight.reshape(weightShape));
    const perSample = weighted.mul(smoothed).sum(classDim).neg();
    if (reduction === "none") return perSample;
    if (reduction === "sum") return perSample.sum();
    return perSample.sum().div(input.numel / classes);
  }
  const nll = nllLoss(logp, target, { weight, ignoreIndex, reduction });
  if (labelSmoothing === 0) return nll;
  const weighted = weight === null ? logp : logp.mul(weight.reshape(weightShape));
  const ignored = noGrad(() => target.eq(ignoreIndex));
  const smooth = where(ignored, 0, weighted.sum(classDim).neg());
  let smoothTotal: Tensor;
  if (reduction === "none") smoothTotal = smooth;
  else if (reduction === "sum") smoothTotal = smooth.sum();
  else {smoothTotal = weightedMean(
      smooth,
      targetWeights(target.reshape([-1]), weight, ignoreIndex, input).sum(),
    );}
  return nll.mul(1 - labelSmoothing).add(smoothTotal.mul(labelSmoothing / classes));
}

let warnedBroadcast = false;

/**
 * Warns once, as PyTorch's regression losses do, when `target`'s shape differs from `input`'s (they broadcast,
 * which is rarely what was meant).
 */
export function warnOnBroadcast(input: Tensor, target: Tensor): void {
  if (sameShape(input.shape, target.shape) || warnedBroadcast) return;
  warnedBroadcast = true;
  console.warn(
    `Using a target size ([${target.shape}]) that is different to the input size ([${input.shape}]). ` +
      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
  );
}

/**
 * The squared error between `input` and `target`, as `torch.nn.functional.mse_loss`.
 *
 * @example
 * ```ts
 * import { mseLoss } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * const loss = mseLoss(tensor([1, 2, 3]), tensor([1, 2, 5])); // (0 + 0 + 4) / 3
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkTensors("mseLoss", { input, target });
  checkOptions("mseLoss", options, OPTION_SPECS.reduction);
  const reduction = options.reduction ?? "mean";
  checkReduction(reduction);
  [input, target] = autocastArgs("float32", [input, target]);
  warnOnBroadcast(input, target);
  const diff = input.sub(target);
  const squared = diff.mul(diff);
  return reduction === "none" ? squared : reduction === "sum" ? squared.sum() : squared.mean();
}
