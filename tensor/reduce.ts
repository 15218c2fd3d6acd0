/**
 * Reductions (sum, mean, max, min, argmax, argmin) built on the backend's one reduce primitive, and the
 * composites made of them: softmax and logSoftmax (each one node of two row reductions and two kernels each way),
 * logsumexp, and `sumTo` (undoing a broadcast).
 *
 * @module
 */
import type { ReduceOp } from "../backends/backend.ts";
import * as ir from "../backends/kernel_ir.ts";
import type { Kernel } from "../backends/kernel_ir.ts";
import { noGrad, record } from "../autograd/node.ts";
import { fusedOp } from "../autograd/function.ts";
import type { DType } from "./dtype.ts";
import { isFloating } from "./dtype.ts";
import * as ew from "./elementwise.ts";
import { cachedKernel, runKernel } from "./elementwise.ts";
import { empty, normalizeDim, numel, reshape, sameShape } from "./shape.ts";
import type { Dims, Tensor } from "./tensor.ts";

/** The sorted, distinct dimensions a reduction covers (all when `dim` is undefined or empty, as in PyTorch). */
function reducedDims(t: Tensor, dim: Dims | undefined): number[] {
  if (dim === undefined || (typeof dim !== "number" && dim.length === 0)) return t.shape.map((_, i) => i);
  const dims = (typeof dim === "number" ? [dim] : [...dim]).map((d) => normalizeDim(d, t.ndim));
  if (new Set(dims).size !== dims.length) {
    throw new Error(`dim ${dims} appears multiple times in the list of dims`);
  }
  return t.ndim === 0 ? [] : dims.sort((a, b) => a - b);
}

/** The output shape of reducing `dims` of `shape`. */
function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  return keepdim
    ? shape.map((s, i) => (dims.includes(i) ? 1 : s))
    : shape.filter((_, i) => !dims.includes(i));
}

/** Runs the backend reduction of `dims` of `t` into a new tensor of `dtype`, shaped as with keepdim. */
function reduceRaw(op: ReduceOp, t: Tensor, dims: readonly number[], dtype: DType): Tensor {
  const kept = t.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const order = [...kept, ...dims];
  const out = empty(reducedShape(t.shape, dims, true), { dtype, device: t.device });
  t.device.backend.reduce(
    op,
    { buffer: t.storage.buffer, offset: t.offset, strides: order.map((d) => t.strides[d]) },
    order.map((d) => t.shape[d]),
    kept.length,
    out.storage.buffer,
  );
  return out;
}

function squeezeDims(t: Tensor, shape: readonly number[]): Tensor {
  return sameShape(t.shape, shape) ? t : noGrad(() => reshape(t, shape));
}

/** The sum over `dim` (all dimensions when omitted). Integers and bools sum to int32. */
export function sum(t: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = reducedDims(t, dim);
  const dtype = isFloating(t.dtype) ? t.dtype : "int32";
  const out = squeezeDims(reduceRaw("sum", t, dims, dtype), reducedShape(t.shape, dims, keepdim));
  return isFloating(dtype) ? record(out, "sum", [t], { dims, keepdim }) : out;
}

/** The mean over `dim` (all dimensions when omitted); floating-point tensors only, as in PyTorch. */
export function mean(t: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloating(t.dtype)) {
    throw new TypeError(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${t.dtype}`,
    );
  }
  const dims = reducedDims(t, dim);
  const count = dims.reduce((n, d) => n * t.shape[d], 1);
  return ew.div(sum(t, dims, keepdim), count);
}

/** The largest (or smallest) element over `dim`, or over all elements when `dim` is undefined. */
export function extreme(op: "max" | "min", t: Tensor, dim?: number, keepdim = false): Tensor {
  const dims = reducedDims(t, dim);
  if (dim === undefined && t.numel === 0) {
    throw new Error(
      `${op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
    );
  }
  if (dim !== undefined && t.ndim > 0 && t.shape[dims[0]] === 0) {
    throw new Error(`${op}(): Expected reduction dim ${dims[0]} to have non-zero size.`);
  }
  const out = squeezeDims(reduceRaw(op, t, dims, t.dtype), reducedShape(t.shape, dims, keepdim));
  if (!isFloating(t.dtype)) return out;
  return record(out, "extreme", [t], { op, dim: dim === undefined ? undefined : dims[0], keepdim });
}

/** Positions (int32) of the largest or smallest elements over `dim`, or in the flattened tensor. */
export function argExtreme(op: "argmax" | "argmin", t: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) {
    const flat = noGrad(() => reshape(t, [t.numel]));
    if (t.numel === 0) {
      throw new Error(`${op}(): Expected reduction dim to be specified for input.numel() == 0.`);
    }
    const out = reduceRaw(op, flat, [0], "int32");
    return noGrad(() => reshape(out, keepdim ? t.shape.map(() => 1) : []));
  }
  const dims = reducedDims(t, dim);
  if (t.ndim > 0 && t.shape[dims[0]] === 0) {
    throw new Error(`${op}(): Expected reduction dim ${dims[0]} to have non-zero size.`);
  }
  return squeezeDims(reduceRaw(op, t, dims, "int32"), reducedShape(t.shape, dims, keepdim));
}

/** `t` summed down to `shape` (the inverse of broadcasting `shape` to t's shape). */
export function sumTo(t: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(t.shape, shape)) return t;
  const lead = t.ndim - shape.length;
  const dims = t.shape.map((_, i) => i).filter((i) =>
    i < lead || (shape[i - lead] === 1 && t.shape[i] !== 1)
  );
  return reshape(sum(t, dims, true), shape);
}

/** `t - max(t)` along `dim`, the max taken without gradient (it cancels out of softmax and logSoftmax). */
function shifted(t: Tensor, dim: number): Tensor {
  return ew.sub(t, noGrad(() => extreme("max", t, dim, true)));
}

/** Each softmax kernel of `dtype`, built once: every step rounds to `dtype`, as the separate ops would. */
function softmaxKernel(part: keyof typeof SOFTMAX_PARTS, dtype: DType): Kernel {
  const inputs = part === "softmaxGrad" || part === "logSoftmaxGrad" ? 3 : 2;
  const dtypes = Array.from({ length: inputs }, () => dtype);
  return cachedKernel(`softmax.${part}:${dtype}`, () => ir.defineKernel(dtypes, [], SOFTMAX_PARTS[part]));
}

const SOFTMAX_PARTS = {
  /** [x, max] → exp(x − max) */
  exp: ([x, m]: ir.Expr[]) => [ir.exp(ir.sub(x, m))],
  /** [x, max] → [x − max, exp(x − max)] */
  shift: ([x, m]: ir.Expr[]) => {
    const s = ir.sub(x, m);
    return [s, ir.exp(s)];
  },
  /** [e, Σe] → e / Σe */
  divide: ([e, total]: ir.Expr[]) => [ir.div(e, total)],
  /** [s, Σe] → s − log Σe */
  logDivide: ([s, total]: ir.Expr[]) => [ir.sub(s, ir.log(total))],
  /** [g, y] → g·y */
  product: ([g, y]: ir.Expr[]) => [ir.mul(g, y)],
  /** softmax's gradient: [y, g, Σg·y] → y·(g − Σg·y) */
  softmaxGrad: ([y, g, dot]: ir.Expr[]) => [ir.mul(y, ir.sub(g, dot))],
  /** logSoftmax's gradient: [y, g, Σg] → g − exp(y)·Σg */
  logSoftmaxGrad: ([y, g, total]: ir.Expr[]) => [ir.sub(g, ir.mul(ir.exp(y), total))],
};

/** The backend's sum of `t` over `dim`, kept (no gradient recorded). */
function rowSum(t: Tensor, dim: number): Tensor {
  return reduceRaw("sum", t, reducedDims(t, dim), t.dtype);
}

/**
 * `exp(t) / sum(exp(t))` along `dim`, as one node: the row max, one kernel for the shifted exponentials, their row
 * sum and one kernel dividing; back, one kernel for g·y, its row sum and one kernel for y·(g − Σg·y).
 */
export function softmax(t: Tensor, dim: number): Tensor {
  if (!isFloating(t.dtype)) {
    const e = ew.exp(shifted(t, normalizeDim(dim, t.ndim)));
    return ew.div(e, sum(e, dim, true));
  }
  const d = normalizeDim(dim, t.ndim);
  return fusedOp("softmax", [t], () => {
    const [e] = runKernel(softmaxKernel("exp", t.dtype), [t, extreme("max", t, d, true)]);
    return { output: runKernel(softmaxKernel("divide", t.dtype), [e, rowSum(e, d)])[0] };
  }, (g, { output: y }) => {
    const dot = rowSum(runKernel(softmaxKernel("product", g.dtype), [g, y])[0], d);
    return [runKernel(softmaxKernel("softmaxGrad", g.dtype), [y, g, dot])[0]];
  });
}

/**
 * `t - logsumexp(t)` along `dim`, as one node: the row max, one kernel for the shifted values and their
 * exponentials, the row sum and one kernel for s − log Σe; back, the row sum of g and one kernel g − exp(y)·Σg.
 */
export function logSoftmax(t: Tensor, dim: number): Tensor {
  if (!isFloating(t.dtype)) {
    const s = shifted(t, normalizeDim(dim, t.ndim));
    return ew.sub(s, ew.log(sum(ew.exp(s), dim, true)));
  }
  const d = normalizeDim(dim, t.ndim);
  return fusedOp("logSoftmax", [t], () => {
    const [s, e] = runKernel(softmaxKernel("shift", t.dtype), [t, extreme("max", t, d, true)]);
    return { output: runKernel(softmaxKernel("logDivide", t.dtype), [s, rowSum(e, d)])[0] };
  }, (g, { output: y }) => [runKernel(softmaxKernel("logSoftmaxGrad", g.dtype), [y, g, rowSum(g, d)])[0]]);
}

/** `log(sum(exp(t)))` over `dim`, shifted by the max for stability. */
export function logsumexp(t: Tensor, dim: Dims, keepdim = false): Tensor {
  const dims = reducedDims(t, dim);
  if (numel(t.shape) === 0) return ew.log(sum(ew.exp(t), dims, keepdim));
  const m = noGrad(() => {
    let acc = t;
    for (const d of dims) acc = extreme("max", acc, d, true);
    return ew.where(ew.compare("eq", ew.abs(acc), Infinity), 0, acc);
  });
  const out = ew.add(ew.log(sum(ew.exp(ew.sub(t, m)), dims, true)), m);
  return keepdim ? out : reshape(out, reducedShape(t.shape, dims, false));
}
