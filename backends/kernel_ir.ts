/**
 * The kernel expression IR: a tiny typed expression language for fused elementwise kernels.
 *
 * A kernel has typed inputs (tensors, read at the current element), typed runtime scalars (hyperparameters such
 * as lr or a bias correction: values change per call, the compiled kernel does not) and one expression per
 * output. Backends compile a kernel once per {@link Kernel.key}: the CPU backend to a JavaScript loop, the
 * WebGPU backend to a WGSL compute shader.
 *
 * @example
 * ```ts
 * import { defineKernel, add, mul } from "@gradstep/gradstep/backends";
 * // out = a + alpha * b, with alpha a runtime scalar
 * const axpy = defineKernel(["float32", "float32"], ["float32"], ([a, b], [alpha]) => [add(a, mul(alpha, b))]);
 * ```
 *
 * @module
 */
import type { DType } from "../tensor/dtype.ts";

/**
 * Operations of one operand. `recip` is 1/x; `not` is logical negation of a bool; `erf` is the error function,
 * computed on every backend by the one approximation of {@link ERF_APPROXIMATION}.
 */
export type UnaryOp =
  | "neg"
  | "abs"
  | "sign"
  | "sqrt"
  | "exp"
  | "log"
  | "tanh"
  | "sigmoid"
  | "floor"
  | "ceil"
  | "recip"
  | "erf"
  | "not";

/** Operations of two operands; comparisons and `and`/`or` return bool. */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "max"
  | "min"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "and"
  | "or";

/** One node of a kernel expression. Every node knows its dtype and a structural key. */
export type Expr =
  | { readonly kind: "input"; readonly index: number; readonly dtype: DType; readonly key: string }
  | { readonly kind: "scalar"; readonly index: number; readonly dtype: DType; readonly key: string }
  | { readonly kind: "const"; readonly value: number; readonly dtype: DType; readonly key: string }
  | {
    readonly kind: "unary";
    readonly op: UnaryOp;
    readonly a: Expr;
    readonly dtype: DType;
    readonly key: string;
  }
  | {
    readonly kind: "binary";
    readonly op: BinaryOp;
    readonly a: Expr;
    readonly b: Expr;
    readonly dtype: DType;
    readonly key: string;
  }
  | {
    readonly kind: "where";
    readonly cond: Expr;
    readonly a: Expr;
    readonly b: Expr;
    readonly dtype: DType;
    readonly key: string;
  }
  | { readonly kind: "cast"; readonly a: Expr; readonly dtype: DType; readonly key: string };

/** A compiled-once unit of work: typed inputs and scalars, and one expression per output. */
export interface Kernel {
  /** Structural identity; backends cache compiled code by it. */
  readonly key: string;
  /** The dtype of each input tensor. */
  readonly inputs: readonly DType[];
  /** The dtype of each runtime scalar. */
  readonly scalars: readonly DType[];
  /** One expression per output tensor. */
  readonly outputs: readonly Expr[];
}

/** An operand of a builder: an expression, or a number that becomes a constant of the other operand's dtype. */
export type Operand = Expr | number;

const FLOAT_ONLY = new Set<UnaryOp | BinaryOp>([
  "sqrt",
  "exp",
  "log",
  "tanh",
  "sigmoid",
  "recip",
  "erf",
  "div",
  "pow",
]);
/**
 * The one approximation of erf that every backend evaluates (WGSL has no erf), with float32 coefficients fitted
 * (minimax, by tools/erf_approximation.py, which also measures the error):
 * - |x| < `split`: `x + x·P(x²)`, P's coefficients `small` from the constant term up;
 * - otherwise: `sign(x)·(1 − exp(Q(min(|x|, 4))))`, Q ≈ log erfc, coefficients `large` from the constant term up
 *   (erf rounds to ±1 in float32 beyond 4).
 *
 * Evaluated in float32 it is within 1.5 ulp of the true erf; in float64 rounded once (the CPU), within 0.65 ulp.
 *
 * @example
 * ```ts
 * import { ERF_APPROXIMATION } from "@gradstep/gradstep/backends";
 * const { split, small } = ERF_APPROXIMATION;
 * // erf(x) for |x| < split, in float64
 * const erf = (x: number): number => x + x * small.reduceRight((acc, c) => acc * x * x + c, 0);
 * ```
 */
export const ERF_APPROXIMATION: {
  readonly split: number;
  readonly small: readonly number[];
  readonly large: readonly number[];
} = {
  split: 0.921875,
  small: [
    0.12837916663909502,
    -0.3761263374050564,
    0.11283695544077471,
    -0.02685940025559401,
    0.005201036150782559,
    -0.0008142740166281331,
    8.370228718046491e-05,
  ].map(Math.fround),
  large: [
    0.00017636160179277982,
    -1.1295231572133355,
    -0.6333299519168376,
    -0.10829910269096371,
    0.025131947946888167,
    -0.004175901165714535,
    0.0004354777975060786,
    -2.118424086861026e-05,
  ].map(Math.fround),
};

const COMPARISONS = new Set<BinaryOp>(["eq", "ne", "lt", "le", "gt", "ge"]);

const CODE: Record<DType, string> = { float32: "f", float16: "h", int32: "i", bool: "b" };

/**
 * A one-letter code of `dtype` for structural keys (distinct for every dtype).
 *
 * @example
 * ```ts
 * import { dtypeCode } from "@gradstep/gradstep/backends";
 * const code = dtypeCode("float32"); // "f"
 * ```
 */
export function dtypeCode(dtype: DType): string {
  return CODE[dtype];
}

/**
 * A constant baked into the kernel; use it for structural values (0, 1), never for hyperparameters.
 *
 * @example
 * ```ts
 * import { constant, defineKernel, sub } from "@gradstep/gradstep/backends";
 * // 1 - x
 * const kernel = defineKernel(["float32"], [], ([x]) => [sub(constant(1, "float32"), x)]);
 * ```
 */
export function constant(value: number, dtype: DType): Expr {
  return { kind: "const", value, dtype, key: `${CODE[dtype]}${Object.is(value, -0) ? "-0" : value}` };
}

/**
 * Reads input `index` (of `dtype`) at the current element; {@link defineKernel} makes them for its body.
 *
 * @example
 * ```ts
 * import { add, input } from "@gradstep/gradstep/backends";
 * const sum = add(input(0, "float32"), input(1, "float32"));
 * console.log(sum.key); // "add(i0f,i1f)"
 * ```
 */
export function input(index: number, dtype: DType): Expr {
  return { kind: "input", index, dtype, key: `i${index}${CODE[dtype]}` };
}

/**
 * Runtime scalar `index` (of `dtype`): the same value for every element, supplied per call;
 * {@link defineKernel} makes them for its body.
 *
 * @example
 * ```ts
 * import { input, mul, scalar } from "@gradstep/gradstep/backends";
 * const scaled = mul(input(0, "float32"), scalar(0, "float32"));
 * ```
 */
export function scalar(index: number, dtype: DType): Expr {
  return { kind: "scalar", index, dtype, key: `s${index}${CODE[dtype]}` };
}

/**
 * Converts `a` to `dtype` (float to int truncates toward zero; anything to bool is `a != 0`).
 *
 * @example
 * ```ts
 * import { cast, defineKernel } from "@gradstep/gradstep/backends";
 * const toFloat = defineKernel(["int32"], [], ([label]) => [cast(label, "float32")]);
 * ```
 */
export function cast(a: Expr, dtype: DType): Expr {
  return a.dtype === dtype ? a : { kind: "cast", a, dtype, key: `c${CODE[dtype]}(${a.key})` };
}

function unary(op: UnaryOp, a: Expr): Expr {
  if (FLOAT_ONLY.has(op) && a.dtype !== "float32" && a.dtype !== "float16") {
    throw new TypeError(`Kernel op "${op}" needs a floating-point operand, got ${a.dtype}`);
  }
  if (op === "not" && a.dtype !== "bool") {
    throw new TypeError(`Kernel op "not" needs a bool operand, got ${a.dtype}`);
  }
  return { kind: "unary", op, a, dtype: a.dtype, key: `${op}(${a.key})` };
}

function binary(op: BinaryOp, x: Operand, y: Operand): Expr {
  const a = typeof x === "number" ? constant(x, (y as Expr).dtype) : x;
  const b = typeof y === "number" ? constant(y, a.dtype) : y;
  if (a.dtype !== b.dtype) {
    throw new TypeError(`Kernel op "${op}" needs operands of one dtype, got ${a.dtype} and ${b.dtype}`);
  }
  if (FLOAT_ONLY.has(op) && a.dtype !== "float32" && a.dtype !== "float16") {
    throw new TypeError(`Kernel op "${op}" needs floating-point operands, got ${a.dtype}`);
  }
  if ((op === "and" || op === "or") && a.dtype !== "bool") {
    throw new TypeError(`Kernel op "${op}" needs bool operands, got ${a.dtype}`);
  }
  const dtype = COMPARISONS.has(op) ? "bool" : a.dtype;
  return { kind: "binary", op, a, b, dtype, key: `${op}(${a.key},${b.key})` };
}

/**
 * `cond ? a : b`, elementwise; `cond` is any dtype (non-zero is true).
 *
 * @example
 * ```ts
 * import { defineKernel, gt, mul, where } from "@gradstep/gradstep/backends";
 * // leaky ReLU
 * const kernel = defineKernel(["float32"], [], ([x]) => [where(gt(x, 0), x, mul(x, 0.01))]);
 * ```
 */
export function where(cond: Expr, x: Operand, y: Operand): Expr {
  const a = typeof x === "number" ? constant(x, (y as Expr).dtype) : x;
  const b = typeof y === "number" ? constant(y, a.dtype) : y;
  if (a.dtype !== b.dtype) {
    throw new TypeError(`Kernel "where" needs branches of one dtype, got ${a.dtype} and ${b.dtype}`);
  }
  return { kind: "where", cond, a, b, dtype: a.dtype, key: `where(${cond.key},${a.key},${b.key})` };
}

/**
 * `-a`
 *
 * @example
 * ```ts
 * import { defineKernel, neg } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], [], ([x]) => [neg(x)]);
 * ```
 */
export const neg = (a: Expr): Expr => unary("neg", a);
/**
 * `|a|`
 *
 * @example
 * ```ts
 * import { abs, defineKernel } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], [], ([x]) => [abs(x)]);
 * ```
 */
export const abs = (a: Expr): Expr => unary("abs", a);
/**
 * -1, 0 or 1 by sign (0 for NaN, as PyTorch)
 *
 * @example
 * ```ts
 * import { defineKernel, sign } from "@gradstep/gradstep/backends";
 * // the gradient of an L1 penalty |p|
 * const kernel = defineKernel(["float32"], [], ([p]) => [sign(p)]);
 * ```
 */
export const sign = (a: Expr): Expr => unary("sign", a);
/**
 * square root
 *
 * @example
 * ```ts
 * import { add, defineKernel, sqrt } from "@gradstep/gradstep/backends";
 * // Adam's denominator
 * const kernel = defineKernel(["float32"], ["float32"], ([v], [eps]) => [add(sqrt(v), eps)]);
 * ```
 */
export const sqrt = (a: Expr): Expr => unary("sqrt", a);
/**
 * e to the a
 *
 * @example
 * ```ts
 * import { add, defineKernel, exp, log } from "@gradstep/gradstep/backends";
 * // softplus
 * const kernel = defineKernel(["float32"], [], ([x]) => [log(add(exp(x), 1))]);
 * ```
 */
export const exp = (a: Expr): Expr => unary("exp", a);
/**
 * natural logarithm
 *
 * @example
 * ```ts
 * import { add, defineKernel, exp, log } from "@gradstep/gradstep/backends";
 * // softplus
 * const kernel = defineKernel(["float32"], [], ([x]) => [log(add(exp(x), 1))]);
 * ```
 */
export const log = (a: Expr): Expr => unary("log", a);
/**
 * hyperbolic tangent
 *
 * @example
 * ```ts
 * import { defineKernel, tanh } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], [], ([x]) => [tanh(x)]);
 * ```
 */
export const tanh = (a: Expr): Expr => unary("tanh", a);
/**
 * 1 / (1 + e^-a)
 *
 * @example
 * ```ts
 * import { defineKernel, mul, sigmoid } from "@gradstep/gradstep/backends";
 * // SiLU
 * const kernel = defineKernel(["float32"], [], ([x]) => [mul(x, sigmoid(x))]);
 * ```
 */
export const sigmoid = (a: Expr): Expr => unary("sigmoid", a);
/**
 * round toward -infinity
 *
 * @example
 * ```ts
 * import { defineKernel, floor } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], [], ([x]) => [floor(x)]);
 * ```
 */
export const floor = (a: Expr): Expr => unary("floor", a);
/**
 * round toward +infinity
 *
 * @example
 * ```ts
 * import { ceil, defineKernel } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], [], ([x]) => [ceil(x)]);
 * ```
 */
export const ceil = (a: Expr): Expr => unary("ceil", a);
/**
 * 1 / a
 *
 * @example
 * ```ts
 * import { defineKernel, recip } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], [], ([x]) => [recip(x)]);
 * ```
 */
export const recip = (a: Expr): Expr => unary("recip", a);
/**
 * the error function, 2/√π ∫₀ᵃ e^(−t²) dt ({@link ERF_APPROXIMATION})
 *
 * @example
 * ```ts
 * import { add, defineKernel, erf, mul } from "@gradstep/gradstep/backends";
 * // exact GELU
 * const kernel = defineKernel(["float32"], [], ([x]) => [mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1))]);
 * ```
 */
export const erf = (a: Expr): Expr => unary("erf", a);
/**
 * logical not of a bool
 *
 * @example
 * ```ts
 * import { cast, defineKernel, not } from "@gradstep/gradstep/backends";
 * // true where x is 0
 * const kernel = defineKernel(["float32"], [], ([x]) => [not(cast(x, "bool"))]);
 * ```
 */
export const not = (a: Expr): Expr => unary("not", a);
/**
 * a + b
 *
 * @example
 * ```ts
 * import { add, defineKernel, mul } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32", "float32"], ["float32"], ([a, b], [alpha]) => [add(a, mul(alpha, b))]);
 * ```
 */
export const add = (a: Operand, b: Operand): Expr => binary("add", a, b);
/**
 * a - b
 *
 * @example
 * ```ts
 * import { defineKernel, mul, sub } from "@gradstep/gradstep/backends";
 * // an SGD step
 * const kernel = defineKernel(["float32", "float32"], ["float32"], ([p, g], [lr]) => [sub(p, mul(lr, g))]);
 * ```
 */
export const sub = (a: Operand, b: Operand): Expr => binary("sub", a, b);
/**
 * a * b
 *
 * @example
 * ```ts
 * import { defineKernel, mul } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], ["float32"], ([g], [scale]) => [mul(g, scale)]);
 * ```
 */
export const mul = (a: Operand, b: Operand): Expr => binary("mul", a, b);
/**
 * a / b (floating point only)
 *
 * @example
 * ```ts
 * import { defineKernel, div } from "@gradstep/gradstep/backends";
 * // a bias-corrected moment
 * const kernel = defineKernel(["float32"], ["float32"], ([m], [correction]) => [div(m, correction)]);
 * ```
 */
export const div = (a: Operand, b: Operand): Expr => binary("div", a, b);
/**
 * a to the b (floating point only)
 *
 * @example
 * ```ts
 * import { defineKernel, pow } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], ["float32"], ([x], [p]) => [pow(x, p)]);
 * ```
 */
export const pow = (a: Operand, b: Operand): Expr => binary("pow", a, b);
/**
 * the larger of a and b; NaN if either is NaN
 *
 * @example
 * ```ts
 * import { defineKernel, max } from "@gradstep/gradstep/backends";
 * // ReLU
 * const kernel = defineKernel(["float32"], [], ([x]) => [max(x, 0)]);
 * ```
 */
export const max = (a: Operand, b: Operand): Expr => binary("max", a, b);
/**
 * the smaller of a and b; NaN if either is NaN
 *
 * @example
 * ```ts
 * import { defineKernel, min } from "@gradstep/gradstep/backends";
 * // clamp from above
 * const kernel = defineKernel(["float32"], ["float32"], ([x], [hi]) => [min(x, hi)]);
 * ```
 */
export const min = (a: Operand, b: Operand): Expr => binary("min", a, b);
/**
 * a == b
 *
 * @example
 * ```ts
 * import { defineKernel, eq } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["int32", "int32"], [], ([prediction, label]) => [eq(prediction, label)]);
 * ```
 */
export const eq = (a: Operand, b: Operand): Expr => binary("eq", a, b);
/**
 * a != b
 *
 * @example
 * ```ts
 * import { defineKernel, ne } from "@gradstep/gradstep/backends";
 * // true where x is NaN
 * const kernel = defineKernel(["float32"], [], ([x]) => [ne(x, x)]);
 * ```
 */
export const ne = (a: Operand, b: Operand): Expr => binary("ne", a, b);
/**
 * a < b
 *
 * @example
 * ```ts
 * import { defineKernel, lt } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], ["float32"], ([x], [lo]) => [lt(x, lo)]);
 * ```
 */
export const lt = (a: Operand, b: Operand): Expr => binary("lt", a, b);
/**
 * a <= b
 *
 * @example
 * ```ts
 * import { defineKernel, le } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], ["float32"], ([x], [hi]) => [le(x, hi)]);
 * ```
 */
export const le = (a: Operand, b: Operand): Expr => binary("le", a, b);
/**
 * a > b
 *
 * @example
 * ```ts
 * import { defineKernel, gt } from "@gradstep/gradstep/backends";
 * // ReLU's mask
 * const kernel = defineKernel(["float32"], [], ([x]) => [gt(x, 0)]);
 * ```
 */
export const gt = (a: Operand, b: Operand): Expr => binary("gt", a, b);
/**
 * a >= b
 *
 * @example
 * ```ts
 * import { defineKernel, ge } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], ["float32"], ([x], [lo]) => [ge(x, lo)]);
 * ```
 */
export const ge = (a: Operand, b: Operand): Expr => binary("ge", a, b);
/**
 * logical and of bools
 *
 * @example
 * ```ts
 * import { and, defineKernel, ge, le } from "@gradstep/gradstep/backends";
 * // true inside [lo, hi]
 * const kernel = defineKernel(["float32"], ["float32", "float32"], ([x], [lo, hi]) => [and(ge(x, lo), le(x, hi))]);
 * ```
 */
export const and = (a: Operand, b: Operand): Expr => binary("and", a, b);
/**
 * logical or of bools
 *
 * @example
 * ```ts
 * import { defineKernel, gt, lt, or } from "@gradstep/gradstep/backends";
 * // true outside [lo, hi]
 * const kernel = defineKernel(["float32"], ["float32", "float32"], ([x], [lo, hi]) => [or(lt(x, lo), gt(x, hi))]);
 * ```
 */
export const or = (a: Operand, b: Operand): Expr => binary("or", a, b);

/**
 * Builds a kernel from typed inputs and scalars and a function returning one expression per output.
 *
 * @example
 * ```ts
 * import { defineKernel, mul, sub } from "@gradstep/gradstep/backends";
 * // SGD without momentum, in place: p = p - lr * g
 * const sgd = defineKernel(["float32", "float32"], ["float32"], ([p, g], [lr]) => [sub(p, mul(lr, g))]);
 * ```
 */
export function defineKernel(
  inputs: readonly DType[],
  scalars: readonly DType[],
  body: (inputs: Expr[], scalars: Expr[]) => Expr[],
): Kernel {
  const outputs = body(inputs.map((d, i) => input(i, d)), scalars.map((d, i) => scalar(i, d)));
  const key = `${inputs.map((d) => CODE[d]).join("")}|${scalars.map((d) => CODE[d]).join("")}|${
    outputs.map((o) => `${CODE[o.dtype]}:${o.key}`).join(";")
  }`;
  return { key, inputs, scalars, outputs };
}

/**
 * The distinct nodes of a kernel's outputs in dependency order (each node after its operands), so that a
 * backend emits every shared subexpression once.
 *
 * @example
 * ```ts
 * import { add, defineKernel, mul, topoOrder } from "@gradstep/gradstep/backends";
 * const kernel = defineKernel(["float32"], [], ([x]) => [add(mul(x, x), mul(x, x))]);
 * const nodes = topoOrder(kernel.outputs); // x, x * x and the sum: the shared product once
 * ```
 */
export function topoOrder(outputs: readonly Expr[]): Expr[] {
  const seen = new Set<string>();
  const order: Expr[] = [];
  const visit = (e: Expr): void => {
    if (seen.has(e.key)) return;
    seen.add(e.key);
    if (e.kind === "unary" || e.kind === "cast") visit(e.a);
    else if (e.kind === "binary") {
      visit(e.a);
      visit(e.b);
    } else if (e.kind === "where") {
      visit(e.cond);
      visit(e.a);
      visit(e.b);
    }
    order.push(e);
  };
  outputs.forEach(visit);
  return order;
}
