/**
 * WGSL building blocks shared by the shader generators: element and storage types per dtype, literals, loads and
 * stores, helper functions with PyTorch's semantics where WGSL leaves them open (NaN propagation, pow of negative
 * bases, tanh of large inputs), and the translation of one expression of the kernel IR.
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import { ERF_APPROXIMATION, type Expr } from "../kernel_ir.ts";

/** The WGSL type a dtype computes in. Bools compute as `bool` and are stored as `u32`. */
export function valueType(dtype: DType): string {
  return dtype === "float32" ? "f32" : dtype === "float16" ? "f16" : dtype === "int32" ? "i32" : "bool";
}

/** The WGSL element type of a storage buffer holding `dtype`. */
export function storageType(dtype: DType): string {
  return dtype === "bool" ? "u32" : valueType(dtype);
}

/** Bytes one element of `dtype` takes in a WebGPU buffer (bools take a whole u32). */
export function gpuBytesPerElement(dtype: DType): number {
  return dtype === "float16" ? 2 : 4;
}

/** A value read from storage as its compute type. */
export function load(dtype: DType, access: string): string {
  return dtype === "bool" ? `(${access} != 0u)` : access;
}

/** A compute value converted for storing as `dtype`. */
export function store(dtype: DType, value: string): string {
  return dtype === "bool" ? `select(0u, 1u, ${value})` : value;
}

/** A scalar parameter read from the params array `P` at `index`, as its compute type. */
export function scalarParam(dtype: DType, index: string): string {
  switch (dtype) {
    case "float32":
      return `bitcast<f32>(P[${index}])`;
    case "float16":
      return `f16(unpack2x16float(P[${index}]).x)`;
    case "int32":
      return `bitcast<i32>(P[${index}])`;
    case "bool":
      return `(P[${index}] != 0u)`;
  }
}

/** The bit pattern a scalar parameter is passed as (the inverse of {@link scalarParam}). */
export function scalarBits(dtype: DType, value: number): number {
  if (dtype === "int32") return value | 0;
  if (dtype === "bool") return value !== 0 ? 1 : 0;
  // float16 scalars travel as their own bits (rounded once, as the CPU rounds them), not through float32.
  if (dtype === "float16") return new Uint16Array(new Float16Array([value]).buffer)[0];
  const bits = new Uint32Array(new Float32Array([value]).buffer);
  return bits[0];
}

/** A WGSL literal of `value` as `dtype`; non-finite floats are spelled through their bit patterns. */
export function literal(value: number, dtype: DType): string {
  if (dtype === "bool") return value !== 0 ? "true" : "false";
  // int32's least value has no literal of its own: 2147483648i does not fit before the minus applies.
  if (dtype === "int32") return (value | 0) === -(2 ** 31) ? "(-2147483647i - 1i)" : `(${value | 0}i)`;
  const v = dtype === "float32" ? Math.fround(value) : Math.f16round(value);
  const ty = valueType(dtype);
  if (!Number.isFinite(v)) {
    // WGSL rejects non-finite constant expressions, so these come from functions computing them at run time.
    const value = Number.isNaN(v) ? "nan_f32()" : v > 0 ? "inf_f32()" : "(-inf_f32())";
    return ty === "f32" ? value : `${ty}(${value})`;
  }
  const text = Object.is(v, -0) ? "-0.0" : Number.isInteger(v) && Math.abs(v) < 1e21 ? `${v}.0` : String(v);
  return `${ty}(${text})`;
}

/**
 * Helper functions, per float type, that the expression translation calls: NaN tests on bits (WGSL lets
 * implementations assume NaN away in comparisons), max/min that propagate NaN, pow defined for negative bases with
 * integral exponents, tanh that saturates instead of overflowing, sign with PyTorch's sign(NaN) = 0, and (for f32;
 * f16 computes it in f32) erf by the approximation every backend uses.
 */
export function helpers(type: "f32" | "f16"): string {
  const bits = type === "f32"
    ? "bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u"
    : "bitcast<u32>(f32(x)) & 0x7fffffffu) > 0x7f800000u";
  const specials = type === "f32"
    ? `fn nan_f32() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn inf_f32() -> f32 { var bits = 0x7f800000u; return bitcast<f32>(bits); }
${erfWgsl()}`
    : "";
  const inf = type === "f32" ? "inf_f32()" : "f16(inf_f32())";
  const nan = type === "f32" ? "nan_f32()" : "f16(nan_f32())";
  return `${specials}
fn isnan_${type}(x: ${type}) -> bool { return (${bits}; }
fn max_${type}(a: ${type}, b: ${type}) -> ${type} { return select(max(a, b), a + b, isnan_${type}(a) || isnan_${type}(b)); }
fn min_${type}(a: ${type}, b: ${type}) -> ${type} { return select(min(a, b), a + b, isnan_${type}(a) || isnan_${type}(b)); }
fn sign_${type}(x: ${type}) -> ${type} { return select(select(${type}(0.0), ${type}(-1.0), x < ${type}(0.0)), ${type}(1.0), x > ${type}(0.0)); }
fn tanh_${type}(x: ${type}) -> ${type} { return select(select(tanh(x), sign_${type}(x), abs(x) > ${type}(9.0)), x, isnan_${type}(x)); }
fn pow_${type}(a: ${type}, b: ${type}) -> ${type} {
  if (b == ${type}(0.0)) { return ${type}(1.0); }
  if (b == ${type}(1.0)) { return a; }
  if (b == ${type}(2.0)) { return a * a; }
  if (b == ${type}(0.5)) { return sqrt(a); }
  if (b == ${type}(-1.0)) { return ${type}(1.0) / a; }
  if (isnan_${type}(a) || isnan_${type}(b)) { return a + b; }
  let r = exp2(b * log2(abs(a)));
  if (a == ${type}(0.0)) { return select(${type}(0.0), ${inf}, b < ${type}(0.0)); }
  if (a > ${type}(0.0)) { return r; }
  if (fract(b) != ${type}(0.0)) { return ${nan}; }
  return select(r, -r, fract(b * ${type}(0.5)) != ${type}(0.0));
}
`;
}

/** `coefficients` (constant term first) at `x` by Horner's rule, as WGSL statements updating `r`. */
function horner(coefficients: readonly number[], x: string): string {
  const at = coefficients.length - 1;
  return [`var r = ${literal(coefficients[at], "float32")};`]
    .concat(coefficients.slice(0, at).reverse().map((c) => `r = r * ${x} + ${literal(c, "float32")};`))
    .join(" ");
}

/** erf by {@link ERF_APPROXIMATION}, the formula the CPU evaluates, in f32. */
function erfWgsl(): string {
  const { split, small, large } = ERF_APPROXIMATION;
  return `fn erf_small(x: f32) -> f32 { let s = x * x; ${horner(small, "s")} return x + x * r; }
fn erf_large(x: f32) -> f32 { let t = min(abs(x), 4.0); ${
    horner(large, "t")
  } let y = 1.0 - exp(r); return select(y, -y, x < 0.0); }
fn erf_f32(x: f32) -> f32 {
  if (isnan_f32(x)) { return x; }
  return select(erf_large(x), erf_small(x), abs(x) < ${literal(split, "float32")});
}`;
}

const OPERATORS = { eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=" } as const;

/**
 * A comparison with IEEE semantics even where the shader compiler assumes NaN away: NaN compares unequal to
 * everything and is ordered against nothing. Bools order as 0 < 1.
 */
function compare(op: keyof typeof OPERATORS, dtype: DType, a: string, b: string): string {
  const sym = OPERATORS[op];
  if (dtype === "bool") {
    return op === "eq" || op === "ne"
      ? `(${a} ${sym} ${b})`
      : `(select(0i, 1i, ${a}) ${sym} select(0i, 1i, ${b}))`;
  }
  if (dtype === "int32") return `(${a} ${sym} ${b})`;
  const t = valueType(dtype);
  const nan = `isnan_${t}(${a}) || isnan_${t}(${b})`;
  return op === "ne" ? `((${a} != ${b}) || ${nan})` : `((${a} ${sym} ${b}) && !(${nan}))`;
}

/**
 * The float16 ops computed in float32 and rounded once, as the CPU rounds its float64 result once and PyTorch
 * computes half ops in float: WGSL's own f16 transcendentals are a few ulp off (tanh far more on lavapipe), and its
 * f16 division need not be correctly rounded. Addition, subtraction and multiplication are exact in f16.
 */
function viaFloat32(e: Expr, ref: (e: Expr) => string): string | undefined {
  if (e.dtype !== "float16" || (e.kind !== "unary" && e.kind !== "binary")) return undefined;
  const a = `f32(${ref(e.a)})`;
  if (e.kind === "binary") {
    if (e.op === "div") return `f16(${a} / f32(${ref(e.b)}))`;
    if (e.op === "pow") return `f16(pow_f32(${a}, f32(${ref(e.b)})))`;
    return undefined;
  }
  switch (e.op) {
    case "sqrt":
    case "exp":
    case "log":
      return `f16(${e.op}(${a}))`;
    case "tanh":
      return `f16(tanh_f32(${a}))`;
    case "sigmoid":
      return `f16(1.0 / (1.0 + exp(-${a})))`;
    case "recip":
      return `f16(1.0 / ${a})`;
    case "erf":
      return `f16(erf_f32(${a}))`;
    default:
      return undefined;
  }
}

/** The WGSL for one IR node given the WGSL of its operands (already computed into variables). */
export function exprWgsl(e: Expr, ref: (e: Expr) => string): string {
  const t = valueType(e.dtype);
  const wide = viaFloat32(e, ref);
  if (wide !== undefined) return wide;
  switch (e.kind) {
    case "const":
      return literal(e.value, e.dtype);
    case "input":
    case "scalar":
      throw new Error("inputs and scalars are bound by the shader generator");
    case "cast": {
      const from = e.a.dtype;
      const a = ref(e.a);
      if (e.dtype === "bool") {
        if (from === "bool") return a;
        return from === "int32"
          ? `(${a} != 0i)`
          : `((${a} != ${literal(0, from)}) || isnan_${valueType(from)}(${a}))`;
      }
      if (from === "bool") return `select(${literal(0, e.dtype)}, ${literal(1, e.dtype)}, ${a})`;
      return `${t}(${a})`;
    }
    case "where": {
      const c = e.cond.dtype === "bool"
        ? ref(e.cond)
        : compare("ne", e.cond.dtype, ref(e.cond), literal(0, e.cond.dtype));
      return `select(${ref(e.b)}, ${ref(e.a)}, ${c})`;
    }
    case "unary": {
      const a = ref(e.a);
      const float = t === "f32" || t === "f16";
      switch (e.op) {
        case "neg":
          return `(-${a})`;
        case "abs":
          return `abs(${a})`;
        case "sign":
          return float ? `sign_${t}(${a})` : `sign(${a})`;
        case "sqrt":
          return `sqrt(${a})`;
        case "exp":
          return `exp(${a})`;
        case "log":
          return `log(${a})`;
        case "tanh":
          return `tanh_${t}(${a})`;
        case "sigmoid":
          return `(${literal(1, e.dtype)} / (${literal(1, e.dtype)} + exp(-${a})))`;
        case "floor":
          return float ? `floor(${a})` : a;
        case "ceil":
          return float ? `ceil(${a})` : a;
        case "recip":
          return `(${literal(1, e.dtype)} / ${a})`;
        case "erf":
          return `erf_f32(${a})`;
        case "not":
          return `(!${a})`;
      }
      break;
    }
    case "binary": {
      const a = ref(e.a);
      const b = ref(e.b);
      const float = e.a.dtype === "float32" || e.a.dtype === "float16";
      const ft = valueType(e.a.dtype);
      switch (e.op) {
        case "add":
          return e.dtype === "bool" ? `(${a} || ${b})` : `(${a} + ${b})`;
        case "sub":
          return `(${a} - ${b})`;
        case "mul":
          return e.dtype === "bool" ? `(${a} && ${b})` : `(${a} * ${b})`;
        case "div":
          return `(${a} / ${b})`;
        case "pow":
          return `pow_${ft}(${a}, ${b})`;
        case "max":
          return float ? `max_${ft}(${a}, ${b})` : e.dtype === "bool" ? `(${a} || ${b})` : `max(${a}, ${b})`;
        case "min":
          return float ? `min_${ft}(${a}, ${b})` : e.dtype === "bool" ? `(${a} && ${b})` : `min(${a}, ${b})`;
        case "eq":
        case "ne":
        case "lt":
        case "le":
        case "gt":
        case "ge":
          return compare(e.op, e.a.dtype, a, b);
        case "and":
          return `(${a} && ${b})`;
        case "or":
          return `(${a} || ${b})`;
      }
    }
  }
  throw new Error(`no WGSL for kernel node ${(e as Expr).key}`);
}
