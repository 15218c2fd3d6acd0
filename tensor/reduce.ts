/**
 * Reductions (sum, mean, max, min, argmax, argmin) built on the backend's one reduce primitive, and the
 * composites made of them: softmax, logSoftmax, logsumexp, and `sumTo` (undoing a broadcast).
 *
 * @module
 */
import type { ReduceOp } from "../backends/backend.ts";
import { noGrad, record } from "../autograd/node.ts";
import type { DType } from "./dtype.ts";
import { isFloating } from "./dtype.ts";
import * as ew from "./elementwise.ts";
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

/** `exp(t) / sum(exp(t))` along `dim`. */
export function softmax(t: Tensor, dim: number): Tensor {
  const e = ew.exp(shifted(t, normalizeDim(dim, t.ndim)));
  return ew.div(e, sum(e, dim, true));
}

/** `t - logsumexp(t)` along `dim`. */
export function logSoftmax(t: Tensor, dim: number): Tensor {
  const s = shifted(t, normalizeDim(dim, t.ndim));
  return ew.sub(s, ew.log(sum(ew.exp(s), dim, true)));
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
