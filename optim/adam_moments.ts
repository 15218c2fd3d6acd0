/**
 * The moment updates the Adam family shares (Adam/AdamW, NAdam, RAdam, LAMB), in PyTorch's order of operations,
 * written once so every kernel that uses them computes, and is keyed, identically.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";

/** The moment averages and their decay rates, as kernel expressions. */
export interface MomentTerms {
  m: ir.Expr;
  v: ir.Expr;
  beta1: ir.Expr;
  oneMinusBeta1: ir.Expr;
  beta2: ir.Expr;
  oneMinusBeta2: ir.Expr;
}

/**
 * What every Adam-family update reads: the parameter, its gradient, the moments and their decay rates, and eps.
 * Each optimizer's terms add its own step factors.
 */
export interface AdamFamilyTerms extends MomentTerms {
  param: ir.Expr;
  grad: ir.Expr;
  eps: ir.Expr;
}

/**
 * Adam's moment updates from the gradient `d`: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g. Returns [m, v].
 *
 * @example
 * ```ts
 * import * as ir from "../backends/kernel_ir.ts";
 * import { adamMoments } from "./adam_moments.ts";
 * const f = "float32";
 * ir.defineKernel([f, f, f], [f, f, f, f], ([d, m, v], [beta1, oneMinusBeta1, beta2, oneMinusBeta2]) =>
 *   adamMoments({ m, v, beta1, oneMinusBeta1, beta2, oneMinusBeta2 }, d));
 * ```
 */
export function adamMoments(x: MomentTerms, d: ir.Expr): [ir.Expr, ir.Expr] {
  return [
    ir.add(ir.mul(x.m, x.beta1), ir.mul(x.oneMinusBeta1, d)),
    ir.add(ir.mul(x.v, x.beta2), ir.mul(ir.mul(x.oneMinusBeta2, d), d)),
  ];
}
