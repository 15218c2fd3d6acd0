/**
 * Gradient clipping, as `torch.nn.utils`: `clipGradNorm` (`clip_grad_norm_`), its two halves `getTotalNorm` and
 * `clipGradsWithNorm` (PyTorch 2.6's `get_total_norm` and `clip_grads_with_norm_`), and `clipGradValue`
 * (`clip_grad_value_`). The norm and the clip coefficient are computed on the device in PyTorch's order of
 * operations, so clipping reads no device memory unless asked to check the norm (`errorIfNonfinite`).
 *
 * @module
 */
import { noGrad } from "../../autograd/node.ts";
import * as ir from "../../backends/kernel_ir.ts";
import { zeros } from "../../tensor/creation.ts";
import { type DType, promoteTypes } from "../../tensor/dtype.ts";
import { cachedKernel, runKernel, runKernelInto } from "../../tensor/elementwise.ts";
import { tidy } from "../../tensor/memory.ts";
import { stack } from "../../tensor/shape.ts";
import { Tensor } from "../../tensor/tensor.ts";
import { atLeast, boolean, checkOptions, describe, number } from "../../tensor/validation.ts";
import { scaleAll_, sumOfSquares } from "./foreach.ts";

/** One tensor or any iterable of them (`model.parameters()`, an array, a generator). */
export type TensorOrTensors = Tensor | Iterable<Tensor>;

/** Options of {@link getTotalNorm}. */
export interface TotalNormOptions {
  /**
   * The p of the p-norm (default 2): any number, `Infinity` (the largest absolute value), `-Infinity` (the
   * smallest) or 0 (the number of non-zero elements), as `torch.linalg.vector_norm`'s `ord`.
   */
  normType?: number;
  /**
   * Reject when the total norm is NaN or ±Infinity (default false). Checking needs the norm's value, so with this
   * option the call reads it back from the device and returns a Promise.
   */
  errorIfNonfinite?: boolean;
}

/** Options of {@link clipGradNorm}: those of {@link getTotalNorm}. */
export type ClipGradNormOptions = TotalNormOptions;

/** `tensors` as a list; throws a TypeError naming what is not a Tensor. */
function listOf(tensors: TensorOrTensors): Tensor[] {
  if (tensors instanceof Tensor) return [tensors];
  if (typeof (tensors as Iterable<Tensor> | null)?.[Symbol.iterator] !== "function") {
    throw new TypeError(`Expected a Tensor or an iterable of Tensors, got ${describe(tensors)}`);
  }
  const list = [...tensors];
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`Expected Tensors, but element ${i} is ${describe(t)}`);
  });
  return list;
}

function gradsOf(params: readonly Tensor[]): Tensor[] {
  return params.flatMap((p) => (p.grad === null ? [] : [p.grad]));
}

/** `torch.linalg.vector_norm(t, p)` over all elements, as a 0-d tensor of t's dtype. */
function vectorNorm(t: Tensor, p: number): Tensor {
  if (p === Infinity) return t.abs().max();
  if (p === -Infinity) return t.abs().min();
  if (p === 0) return t.ne(0).to(t.dtype).sum();
  if (p === 1) return t.abs().sum();
  if (p === 2) return t.mul(t).sum().sqrt();
  return t.abs().pow(p).sum().pow(1 / p);
}

/** A number as Python's `str(float(x))` writes it, so the error names the order as PyTorch does ("2.0", "inf"). */
function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/** Resolves to `total` when finite; otherwise disposes it and rejects with PyTorch's error. */
async function checkedFinite(total: Tensor, normType: number): Promise<Tensor> {
  if (Number.isFinite(await total.item())) return total;
  total.dispose();
  const order = pythonFloat(normType);
  throw new Error(
    `The total norm of order ${order} for gradients from \`parameters\` is non-finite, so it cannot be ` +
      "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set " +
      "`errorIfNonfinite: false`",
  );
}

/**
 * The p-norm of `tensors` taken together, as if concatenated into one vector: the norm of their norms, as PyTorch
 * computes it. A 0-d tensor on the tensors' device, computed there without reading device memory (an empty list
 * gives 0 on the default device). With `errorIfNonfinite: true` it reads the norm back and resolves to it, or
 * rejects with PyTorch's error when it is NaN or ±Infinity (the check is the only read).
 *
 * @example
 * ```ts
 * import { getTotalNorm, tensor } from "@gradstep/gradstep";
 * const norm = getTotalNorm([tensor([3]), tensor([4])]); // 5
 * const max = getTotalNorm([tensor([3]), tensor([-4])], { normType: Infinity }); // 4
 * ```
 */
export function getTotalNorm(
  tensors: TensorOrTensors,
  options?: TotalNormOptions & { errorIfNonfinite?: false },
): Tensor;
/**
 * With `errorIfNonfinite: true`: resolves to the total norm, or rejects when it is NaN or ±Infinity.
 *
 * @example
 * ```ts
 * import { getTotalNorm, tensor } from "@gradstep/gradstep";
 * const norm = await getTotalNorm([tensor([3]), tensor([4])], { errorIfNonfinite: true }); // 5
 * ```
 */
export function getTotalNorm(
  tensors: TensorOrTensors,
  options: TotalNormOptions & { errorIfNonfinite: true },
): Promise<Tensor>;
/**
 * The total norm; a Promise exactly when `errorIfNonfinite` is true.
 *
 * @example
 * ```ts
 * import { getTotalNorm, tensor } from "@gradstep/gradstep";
 * const strict: boolean = Deno.args.includes("--strict");
 * const norm = await getTotalNorm([tensor([3]), tensor([4])], { errorIfNonfinite: strict });
 * ```
 */
export function getTotalNorm(tensors: TensorOrTensors, options?: TotalNormOptions): Tensor | Promise<Tensor>;
export function getTotalNorm(
  tensors: TensorOrTensors,
  options: TotalNormOptions = {},
): Tensor | Promise<Tensor> {
  const list = listOf(tensors);
  // The record as given, so that an unknown option is refused too (clipGradNorm passes its own through).
  checkOptions("clipGradNorm", options, { normType: number, errorIfNonfinite: boolean });
  const { normType = 2, errorIfNonfinite = false } = options;
  const total = list.length === 0 ? zeros([]) : noGrad(() =>
    tidy(() => {
      // The 2-norm of float32 tensors: the square root of all their squares' sum, in few kernels (foreach.ts).
      if (normType === 2 && list.every((t) => t.dtype === "float32")) return sumOfSquares(list).sqrt();
      const norms = list.map((t) => vectorNorm(t, normType));
      const dtype = norms.map((n) => n.dtype).reduce(promoteTypes);
      return vectorNorm(stack(norms.map((n) => n.to(dtype))), normType);
    })
  );
  return errorIfNonfinite ? checkedFinite(total, normType) : total;
}

/** `min(maxNorm / (norm + 1e-6), 1)`, with PyTorch's rounding: `maxNorm / x` is `reciprocal(x) * maxNorm`. */
function clipCoefficientKernel(dtype: DType): ir.Kernel {
  return cachedKernel(
    `clip-coef:${dtype}`,
    () =>
      ir.defineKernel([dtype], [dtype], ([norm], [maxNorm]) => [
        ir.min(ir.mul(ir.recip(ir.add(norm, ir.constant(1e-6, dtype))), maxNorm), 1),
      ]),
  );
}

/**
 * Scales the gradients of `params` in place by `min(maxNorm / (totalNorm + 1e-6), 1)`, a coefficient computed on
 * the device from the 0-d tensor `totalNorm` (typically {@link getTotalNorm}'s, perhaps combined across several
 * sets of parameters); reads no device memory. Parameters whose `grad` is null are skipped.
 *
 * @example
 * ```ts
 * import { clipGradsWithNorm, getTotalNorm, Linear, randn } from "@gradstep/gradstep";
 * const model = new Linear(4, 2);
 * model.forward(randn([8, 4])).sum().backward();
 * const params = model.parameters();
 * const norm = getTotalNorm(params.map((p) => p.grad!));
 * clipGradsWithNorm(params, 1.0, norm); // now the gradients' norm is at most 1
 * ```
 */
export function clipGradsWithNorm(params: TensorOrTensors, maxNorm: number, totalNorm: Tensor): void {
  atLeast(0)("maxNorm", maxNorm);
  if (!(totalNorm instanceof Tensor)) {
    throw new TypeError(`Invalid totalNorm: expected a Tensor, got ${describe(totalNorm)}`);
  }
  const grads = gradsOf(listOf(params));
  if (grads.length === 0) return;
  noGrad(() =>
    tidy(() => {
      const [coefficient] = runKernel(clipCoefficientKernel(totalNorm.dtype), [totalNorm], [maxNorm]);
      scaleAll_(grads, coefficient);
    })
  );
}

/**
 * Clips the gradients of `params` in place so that their total p-norm (all gradients taken together as one
 * vector) is at most `maxNorm`, and returns that norm from before clipping as a 0-d tensor — PyTorch's
 * `clip_grad_norm_`. Everything happens on the device: the gradients are always multiplied by
 * `min(maxNorm / (norm + 1e-6), 1)`, so nothing is read back and a training step stays free of readbacks.
 * Parameters whose `grad` is null are skipped; with no gradients at all the norm is 0. A NaN or infinite norm
 * scales the gradients by a NaN or zero coefficient, as in PyTorch, unless `errorIfNonfinite: true`: then the norm
 * is read back first, and the call returns a Promise that rejects (leaving every gradient unchanged) when the norm
 * is not finite.
 *
 * @example
 * ```ts
 * import { clipGradNorm, CrossEntropyLoss, Linear, randn, tensor } from "@gradstep/gradstep";
 * const model = new Linear(4, 3);
 * new CrossEntropyLoss().forward(model.forward(randn([2, 4])), tensor([0, 2], { dtype: "int32" })).backward();
 * const norm = clipGradNorm(model.parameters(), 1.0); // a 0-d tensor; `await norm.item()` to read it
 * ```
 */
export function clipGradNorm(
  params: TensorOrTensors,
  maxNorm: number,
  options?: ClipGradNormOptions & { errorIfNonfinite?: false },
): Tensor;
/**
 * With `errorIfNonfinite: true`: reads the norm back, then clips and resolves to it, or rejects with PyTorch's
 * error and leaves the gradients unchanged when it is NaN or ±Infinity.
 *
 * @example
 * ```ts
 * import { clipGradNorm, Linear, randn } from "@gradstep/gradstep";
 * const model = new Linear(4, 2);
 * model.forward(randn([8, 4])).sum().backward();
 * const norm = await clipGradNorm(model.parameters(), 1.0, { errorIfNonfinite: true });
 * ```
 */
export function clipGradNorm(
  params: TensorOrTensors,
  maxNorm: number,
  options: ClipGradNormOptions & { errorIfNonfinite: true },
): Promise<Tensor>;
/**
 * The norm from before clipping; a Promise exactly when `errorIfNonfinite` is true.
 *
 * @example
 * ```ts
 * import { clipGradNorm, Linear, randn } from "@gradstep/gradstep";
 * const model = new Linear(4, 2);
 * model.forward(randn([8, 4])).sum().backward();
 * const strict: boolean = Deno.args.includes("--strict");
 * const norm = await clipGradNorm(model.parameters(), 1.0, { errorIfNonfinite: strict });
 * ```
 */
export function clipGradNorm(
  params: TensorOrTensors,
  maxNorm: number,
  options?: ClipGradNormOptions,
): Tensor | Promise<Tensor>;
export function clipGradNorm(
  params: TensorOrTensors,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): Tensor | Promise<Tensor> {
  const list = listOf(params);
  // A negative maxNorm would flip every gradient (PyTorch lets it): refused, as NaN is, before anything is run.
  atLeast(0)("maxNorm", maxNorm);
  const total = getTotalNorm(gradsOf(list), options);
  if (total instanceof Promise) {
    return total.then((norm) => {
      clipGradsWithNorm(list, maxNorm, norm);
      return norm;
    });
  }
  clipGradsWithNorm(list, maxNorm, total);
  return total;
}

/** `min(max(x, -clipValue), clipValue)`: clamp's order, so a negative clipValue gives clipValue everywhere. */
function clipValueKernel(dtype: DType): ir.Kernel {
  return cachedKernel(
    `clip-value:${dtype}`,
    () => ir.defineKernel([dtype], [dtype, dtype], ([g], [lo, hi]) => [ir.min(ir.max(g, lo), hi)]),
  );
}

/**
 * Clamps every gradient of `params` in place to [−clipValue, clipValue] — PyTorch's `clip_grad_value_`. NaN stays
 * NaN; parameters whose `grad` is null are skipped. Reads no device memory.
 *
 * @example
 * ```ts
 * import { clipGradValue, Linear, randn } from "@gradstep/gradstep";
 * const model = new Linear(4, 2);
 * model.forward(randn([8, 4])).sum().backward();
 * clipGradValue(model.parameters(), 0.5); // every gradient element now lies in [-0.5, 0.5]
 * ```
 */
export function clipGradValue(params: TensorOrTensors, clipValue: number): void {
  // A negative clipValue would set every gradient to -|clipValue| (PyTorch lets it): refused, as NaN is.
  atLeast(0)("clipValue", clipValue);
  const list = listOf(params);
  for (const g of gradsOf(list)) {
    runKernelInto(clipValueKernel(g.dtype), [g], [g], [-clipValue, clipValue]);
  }
}
