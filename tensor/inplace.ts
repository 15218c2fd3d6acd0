/**
 * In-place ops (`add_`, `mul_`, `copy_`, `fill_` …): they write into the tensor's own memory and are never
 * recorded, so they belong outside the graph — optimizer updates, initialisation, or inside `noGrad`.
 *
 * @module
 */
import { isGradEnabled } from "../autograd/node.ts";
import * as ir from "../backends/kernel_ir.ts";
import { isFloating, resultType } from "./dtype.ts";
import { arith, type ArithName, cachedKernel, copyInto, runKernelInto } from "./elementwise.ts";
import type { Tensor } from "./tensor.ts";

function checkWritable(t: Tensor): void {
  if (!t.requiresGrad || !isGradEnabled()) return;
  throw new Error(
    t.isLeaf
      ? "a leaf Variable that requires grad is being used in an in-place operation; wrap the update in noGrad()"
      : "in-place operations on tensors recorded by autograd are not supported; use the out-of-place op",
  );
}

/** `t = t op other` (with `alpha` for add/sub) in place; returns `t`. */
export function apply<T extends Tensor>(t: T, name: ArithName, other: Tensor | number, alpha?: number): T {
  checkWritable(t);
  const dtype = typeof other === "number"
    ? resultType([{ dtype: t.dtype, rank: t.ndim }], [other])
    : resultType([{ dtype: t.dtype, rank: t.ndim }, { dtype: other.dtype, rank: other.ndim }]);
  const widens = (isFloating(dtype) && !isFloating(t.dtype)) || (dtype !== "bool" && t.dtype === "bool") ||
    (name === "div" && !isFloating(t.dtype));
  if (widens) {
    throw new TypeError(
      `result type ${name === "div" ? "float32" : dtype} can't be cast to the desired output type ${t.dtype}`,
    );
  }
  arith(name, t, other, alpha, t);
  return t;
}

/** Copies `src` (broadcast and converted) into `t`; returns `t`. */
export function copy<T extends Tensor>(t: T, src: Tensor): T {
  checkWritable(t);
  copyInto(t, src);
  return t;
}

/** Sets every element of `t` to `value`; returns `t`. */
export function fill<T extends Tensor>(t: T, value: number): T {
  checkWritable(t);
  const kernel = cachedKernel(`fill:${t.dtype}`, () => ir.defineKernel([], [t.dtype], (_, [v]) => [v]));
  runKernelInto(kernel, [], [t], [value]);
  return t;
}
