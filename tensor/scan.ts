/**
 * `cumsum`: running sums along a dimension, by a log-step scan (Hillis–Steele): round r adds to every element the
 * partial sum 2^r places before it, so a dimension of n elements takes ⌈log₂ n⌉ rounds of one kernel each. The
 * gradient is the same scan run backwards: each input element feeds every later output.
 *
 * @module
 */
import { fusedOp } from "../autograd/function.ts";
import * as ir from "../backends/kernel_ir.ts";
import { type DType, isFloating } from "./dtype.ts";
import { cachedKernel, copyInto, runKernelInto } from "./elementwise.ts";
import { empty, narrow, normalizeDim, reshape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

/** `a + b` computed in and written as `dtype`. */
function addInto(out: Tensor, a: Tensor, b: Tensor, dtype: DType): void {
  const kernel = cachedKernel(
    `scanAdd:${a.dtype}:${b.dtype}:${dtype}`,
    () => ir.defineKernel([a.dtype, b.dtype], [], ([x, y]) => [ir.add(ir.cast(x, dtype), ir.cast(y, dtype))]),
  );
  runKernelInto(kernel, [a, b], [out]);
}

/**
 * The inclusive running sums of `t` along `d` as a new `dtype` tensor: from the front (`reverse` false) or from
 * the back. Not recorded.
 */
export function scan(t: Tensor, d: number, dtype: DType, reverse: boolean): Tensor {
  const n = t.shape[d];
  let acc = copyInto(empty(t.shape, { dtype, device: t.device }, false), t);
  for (let step = 1; step < n; step *= 2) {
    const next = empty(t.shape, acc, false);
    // The `step` elements nearest the start (or the end) have no partial sum that far away: they carry over.
    const kept = reverse ? n - step : 0;
    copyInto(narrow(next, d, kept, step), narrow(acc, d, kept, step));
    const target = narrow(next, d, reverse ? 0 : step, n - step);
    addInto(
      target,
      narrow(acc, d, reverse ? 0 : step, n - step),
      narrow(acc, d, reverse ? step : 0, n - step),
      dtype,
    );
    acc = next;
  }
  return acc;
}

/**
 * The running sums of `t` along `dim`: `out[i] = t[0] + … + t[i]`, as `torch.cumsum`. Integers and bools sum to
 * int32 (PyTorch: int64).
 *
 * @example
 * ```ts
 * import { cumsum, tensor } from "@gradstep/gradstep";
 * const c = cumsum(tensor([[1, 2, 3], [4, 5, 6]]), 1); // [[1, 3, 6], [4, 9, 15]]
 * ```
 */
export function cumsum(t: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, t.ndim);
  const dtype = isFloating(t.dtype) ? t.dtype : "int32";
  if (t.ndim === 0) return reshape(cumsum(reshape(t, [1]), 0), []);
  return fusedOp(
    "cumsum",
    [t],
    () => ({ output: scan(t, d, dtype, false) }),
    (g) => [scan(g, d, g.dtype, true)],
  );
}
