/**
 * PyTorch's `lerp` as a kernel expression, for the optimizers that PyTorch (or their reference) writes with
 * `lerp_`: Adafactor's second moments, Muon's momentum, Schedule-Free's interpolation.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";

/**
 * `a + w·(b − a)` evaluated as PyTorch's CPU and CUDA kernels do: for |w| ≥ 0.5 as `b − (b − a)·(1 − w)`, so
 * that `w = 1` gives `b` exactly. `w` is usually a runtime scalar.
 *
 * @example
 * ```ts
 * import { defineKernel } from "@gradstep/gradstep/backends";
 * import { lerp } from "./lerp.ts";
 * // m ← lerp(m, g, 1 − β)
 * const ema = defineKernel(["float32", "float32"], ["float32"], ([m, g], [w]) => [lerp(m, g, w)]);
 * ```
 */
export function lerp(a: ir.Expr, b: ir.Expr, w: ir.Expr): ir.Expr {
  const diff = ir.sub(b, a);
  return ir.where(
    ir.lt(ir.abs(w), 0.5),
    ir.add(a, ir.mul(w, diff)),
    ir.sub(b, ir.mul(diff, ir.sub(1, w))),
  );
}
