/**
 * `var` and `std` over dimensions with Bessel's `correction`, as `torch.var` and `torch.std`. Each records one
 * node whose backward is one kernel: `g · 2(x − mean)/(N − correction)` for the variance, and that over
 * `2·std` for the deviation.
 *
 * @module
 */
import { fusedOp } from "../autograd/function.ts";
import * as ir from "../backends/kernel_ir.ts";
import { isFloating } from "./dtype.ts";
import { cachedKernel, runKernel } from "./elementwise.ts";
import { mean, sum } from "./reduce.ts";
import { normalizeDim, reshape } from "./shape.ts";
import type { Dims, Tensor } from "./tensor.ts";

/** Options of {@link variance} and {@link std}. */
export interface VarOptions {
  /** Subtracted from the number of elements N to divide by: 1 (default, unbiased), 0 (population) or more. */
  correction?: number;
  /** Keep the reduced dimensions as size 1 (default false). */
  keepdim?: boolean;
}

type Statistic = "var" | "std";

function statistic(which: Statistic, t: Tensor, dim: Dims | undefined, options: VarOptions): Tensor {
  const { correction = 1, keepdim = false } = options;
  if (!isFloating(t.dtype)) {
    throw new TypeError(`${which}(): input dtype should be floating point, but got ${t.dtype}`);
  }
  const all = dim === undefined || (typeof dim !== "number" && dim.length === 0);
  const dims = all
    ? t.shape.map((_, i) => i)
    : (typeof dim === "number" ? [dim] : [...dim]).map((d) => normalizeDim(d, t.ndim));
  const count = dims.reduce((n, d) => n * t.shape[d], 1);
  // As PyTorch: the divisor never goes below 0, so too few elements give ∞ or NaN.
  const divisor = Math.max(0, count - correction);
  const kept = t.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const shape = keepdim ? kept : t.shape.filter((_, i) => !dims.includes(i));
  const dtype = t.dtype;
  return fusedOp(
    which,
    [t],
    () => {
      const centre = mean(t, dims, true);
      const squares = cachedKernel(
        `squaredDeviation:${dtype}`,
        () => ir.defineKernel([dtype, dtype], [], ([x, m]) => [ir.mul(ir.sub(x, m), ir.sub(x, m))]),
      );
      const total = sum(runKernel(squares, [t, centre])[0], dims, true);
      const finish = cachedKernel(
        `${which}Finish:${dtype}`,
        () =>
          ir.defineKernel([dtype], [dtype], ([s], [n]) => {
            const variance = ir.div(s, n);
            return [which === "var" ? variance : ir.sqrt(variance)];
          }),
      );
      return { output: reshape(runKernel(finish, [total], [divisor])[0], shape), saved: [centre] };
    },
    (g, { output, saved: [m] }) => {
      const grad = cachedKernel(
        `${which}Backward:${dtype}`,
        () =>
          ir.defineKernel([dtype, dtype, dtype, dtype], [dtype], ([dy, x, c, y], [n]) => {
            const slope = ir.div(ir.mul(ir.sub(x, c), 2), n);
            return [ir.mul(dy, which === "var" ? slope : ir.div(slope, ir.mul(y, 2)))];
          }),
      );
      return [runKernel(grad, [reshape(g, kept), t, m, reshape(output, kept)], [divisor])[0]];
    },
  );
}

/**
 * The variance of `t` over `dim` (all elements when omitted): `Σ(x − mean)² / (N − correction)`, as `torch.var`.
 *
 * @example
 * ```ts
 * import { tensor, variance } from "@gradstep/gradstep";
 * const x = tensor([[1, 2, 3], [2, 4, 6]], { dtype: "float32" });
 * const v = variance(x, 1); // [1, 4]
 * const p = variance(x, 1, { correction: 0, keepdim: true }); // [[0.6667], [2.6667]]
 * ```
 */
export function variance(t: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return statistic("var", t, dim, options);
}

/**
 * The standard deviation of `t` over `dim` (all elements when omitted): the square root of {@link variance}, as
 * `torch.std`.
 *
 * @example
 * ```ts
 * import { std, tensor } from "@gradstep/gradstep";
 * const s = std(tensor([[1, 2, 3], [2, 4, 6]], { dtype: "float32" }), 1); // [1, 2]
 * ```
 */
export function std(t: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return statistic("std", t, dim, options);
}
