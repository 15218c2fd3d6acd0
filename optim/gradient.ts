/**
 * The gradient an update starts from, as kernel expressions in PyTorch's order of operations: ±grad in the
 * parameter's dtype, with an L2 penalty added or the weights decayed directly. Written once for every optimizer.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";

/** The choices that shape the gradient of an update with an L2 penalty (SGD, Adagrad, RMSprop, …). */
export type L2Structure = {
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
  /** Whether weights decay (a weight decay other than 0). */
  decay: boolean;
};

/** The choices that shape the gradient of an update whose weight decay may be decoupled (the Adam family). */
export type GradientOptions = L2Structure & {
  /** Decay the weights directly (p ← p·decayFactor) instead of adding decayFactor·p to the gradient. */
  decoupledWeightDecay: boolean;
};

/**
 * d = ±grad in the parameter's dtype, plus weightDecay·p when weights decay.
 *
 * @example
 * ```ts
 * import * as ir from "../backends/kernel_ir.ts";
 * import { l2Gradient } from "./gradient.ts";
 * ir.defineKernel(["float32", "float32"], ["float32"], ([p, grad], [wd]) => [
 *   l2Gradient({ maximize: false, decay: true }, p, grad, wd),
 * ]);
 * ```
 */
export function l2Gradient(
  structure: L2Structure,
  param: ir.Expr,
  grad: ir.Expr,
  weightDecay: ir.Expr,
): ir.Expr {
  const g = ir.cast(grad, param.dtype);
  const d = structure.maximize ? ir.neg(g) : g;
  return structure.decay ? ir.add(d, ir.mul(weightDecay, param)) : d;
}

/**
 * The gradient and the parameter an update starts from: with weight decay, either g += decayFactor·p (L2) or
 * p ← p·decayFactor (decoupled; the caller passes 1 − lr·wd).
 *
 * @example
 * ```ts
 * import * as ir from "../backends/kernel_ir.ts";
 * import { decayedGradient } from "./gradient.ts";
 * ir.defineKernel(["float32", "float32"], ["float32"], ([p, grad], [decay]) => {
 *   const { d, w } = decayedGradient({ maximize: false, decay: true, decoupledWeightDecay: true }, p, grad, decay);
 *   return [ir.sub(w, d)];
 * });
 * ```
 */
export function decayedGradient(
  structure: GradientOptions,
  param: ir.Expr,
  grad: ir.Expr,
  decayFactor: ir.Expr,
): { d: ir.Expr; w: ir.Expr } {
  const decoupled = structure.decay && structure.decoupledWeightDecay;
  return {
    d: l2Gradient(
      { maximize: structure.maximize, decay: structure.decay && !decoupled },
      param,
      grad,
      decayFactor,
    ),
    w: decoupled ? ir.mul(param, decayFactor) : param,
  };
}
