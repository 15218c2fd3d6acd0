/**
 * One kernel expression evaluated on the host in float64, for values a kernel would otherwise take as scalars:
 * an optimizer writes its step-dependent factors (Adam's bias corrections) once as expressions, which run on the
 * device when the step count lives there and here, exactly as PyTorch computes them in Python floats, when it does
 * not.
 *
 * @module
 */
import type { BinaryOp, Expr, UnaryOp } from "./kernel_ir.ts";

const UNARY: Record<UnaryOp, (a: number) => number> = {
  neg: (a) => -a,
  abs: Math.abs,
  sign: Math.sign,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: (a) => 1 / (1 + Math.exp(-a)),
  floor: Math.floor,
  ceil: Math.ceil,
  recip: (a) => 1 / a,
  erf: () => {
    throw new Error("erf is not evaluated on the host");
  },
  not: (a) => (a === 0 ? 1 : 0),
};

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  max: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  min: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  eq: (a, b) => Number(a === b),
  ne: (a, b) => Number(a !== b),
  lt: (a, b) => Number(a < b),
  le: (a, b) => Number(a <= b),
  gt: (a, b) => Number(a > b),
  ge: (a, b) => Number(a >= b),
  and: (a, b) => Number(a !== 0 && b !== 0),
  or: (a, b) => Number(a !== 0 || b !== 0),
};

/**
 * `expr` in float64, with `inputs[i]` for input i and `scalars[i]` for scalar i; casts to a floating dtype change
 * nothing, casts to int32 truncate and to bool test for non-zero.
 *
 * @example
 * ```ts
 * import { defineKernel, div, pow, scalar, sub } from "@gradstep/gradstep/backends";
 * import { evaluateOnHost } from "@gradstep/gradstep/backends";
 * const [lr, beta1, step] = [scalar(0, "float32"), scalar(1, "float32"), scalar(2, "float32")];
 * const stepSize = div(lr, sub(1, pow(beta1, step))); // Adam's lr / (1 − β₁ᵗ)
 * evaluateOnHost(stepSize, [], [1e-3, 0.9, 1]); // 0.01 (to float64's rounding)
 * ```
 */
export function evaluateOnHost(expr: Expr, inputs: readonly number[], scalars: readonly number[]): number {
  switch (expr.kind) {
    case "input":
      return inputs[expr.index];
    case "scalar":
      return scalars[expr.index];
    case "const":
      return expr.value;
    case "unary":
      return UNARY[expr.op](evaluateOnHost(expr.a, inputs, scalars));
    case "binary":
      return BINARY[expr.op](
        evaluateOnHost(expr.a, inputs, scalars),
        evaluateOnHost(expr.b, inputs, scalars),
      );
    case "where":
      return evaluateOnHost(expr.cond, inputs, scalars) !== 0
        ? evaluateOnHost(expr.a, inputs, scalars)
        : evaluateOnHost(expr.b, inputs, scalars);
    case "cast": {
      const a = evaluateOnHost(expr.a, inputs, scalars);
      if (expr.dtype === "int32") return Math.trunc(a) | 0;
      return expr.dtype === "bool" ? Number(a !== 0) : a;
    }
  }
}
