/**
 * exp, tanh, sigmoid and erf of the CPU backend, each written once as a float64 formula and turned into both the
 * JavaScript kernels' source (compile.ts) and WebAssembly SIMD instructions on two float64 lanes
 * (wasm_elementwise.ts). Both evaluate the same IEEE float64 operations in the same order (no fused
 * multiply-adds), so they produce the same bits, and the kernels round the float64 result to float32 once.
 *
 * exp reduces x = k·ln 2 + r (|r| ≤ ln 2 / 2, k by the 1.5·2⁵² rounding trick, ln 2 split in two so that k·ln2Hi
 * is exact) and sums the Taylor series of exp(r) to degree 10 by Estrin's scheme (relative error below 3·10⁻¹³, far under a float32 ulp), scaled by 2^k. Arguments are clamped to [-104, 104], past which a float32 result is 0 or infinite.
 * tanh(x) is 1 − 2/(exp(2|x|) + 1) with x's sign, or its odd series below 2⁻¹⁰ where that form cancels; sigmoid is
 * 1/(1 + exp(−x)); erf is kernel_ir.ts's ERF_APPROXIMATION on this exp.
 *
 * @module
 */
import { ERF_APPROXIMATION } from "../kernel_ir.ts";
import { op, seq } from "./wasm_asm.ts";

/** A float64 formula of one argument. */
export type Formula =
  | { readonly kind: "arg" }
  | { readonly kind: "const"; readonly value: number }
  | { readonly kind: "unary"; readonly op: "abs" | "neg"; readonly a: Formula }
  | {
    readonly kind: "binary";
    readonly op: "add" | "sub" | "mul" | "div";
    readonly a: Formula;
    readonly b: Formula;
  }
  /** `a < b ? then : otherwise` (false when either is NaN). */
  | {
    readonly kind: "less";
    readonly a: Formula;
    readonly b: Formula;
    readonly then: Formula;
    readonly otherwise: Formula;
  }
  /** 2^k, for `a` = 1.5·2⁵² + k with k an integer in [-160, 160] (NaN's scale is anything). */
  | { readonly kind: "pow2"; readonly a: Formula };

const ARG: Formula = { kind: "arg" };
const c = (value: number): Formula => ({ kind: "const", value });
const binary = (o: "add" | "sub" | "mul" | "div") => (a: Formula, b: Formula): Formula => ({
  kind: "binary",
  op: o,
  a,
  b,
});
const [add, sub, mul, div] = (["add", "sub", "mul", "div"] as const).map(binary);
const abs = (a: Formula): Formula => ({ kind: "unary", op: "abs", a });
const neg = (a: Formula): Formula => ({ kind: "unary", op: "neg", a });
const less = (a: Formula, b: Formula, then: Formula, otherwise: Formula): Formula => ({
  kind: "less",
  a,
  b,
  then,
  otherwise,
});

/**
 * `coefficients` (constant term first) at `x` by Estrin's scheme: neighbouring terms paired as a + b·x, the pairs
 * paired by x², then x⁴…, so the chain of dependent operations is logarithmic in the degree rather than linear
 * (Horner's rule) and the processor overlaps the rest.
 */
function polynomial(coefficients: readonly number[], x: Formula): Formula {
  let terms = coefficients.map(c);
  for (let power = x; terms.length > 1; power = mul(power, power)) {
    terms = Array.from(
      { length: Math.ceil(terms.length / 2) },
      (_, i) => 2 * i + 1 < terms.length ? add(terms[2 * i], mul(terms[2 * i + 1], power)) : terms[2 * i],
    );
  }
  return terms[0];
}

/** 1.5·2⁵²: adding it rounds a float64 of magnitude below 2⁵¹ to an integer, kept in the low mantissa bits. */
const SHIFTER = 6755399441055744;
const LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
/** Where the table of powers of two that JavaScript scales by starts: it holds 2^k for k in [-160, 160]. */
const POW2_BIAS = 160;
const TAYLOR = Array.from({ length: 11 }, (_, j) => {
  let f = 1;
  for (let i = 2; i <= j; i++) f *= i;
  return 1 / f;
});

/** `x` limited to [lo, hi], NaN staying NaN (comparisons and a select: cheaper in SIMD than min and max). */
const clamp = (x: Formula, lo: number, hi: number): Formula =>
  less(x, c(lo), c(lo), less(c(hi), x, c(hi), x));

function exp(x: Formula): Formula {
  const clamped = clamp(x, -104, 104);
  const t = add(mul(clamped, c(Math.LOG2E)), c(SHIFTER));
  const k = sub(t, c(SHIFTER));
  const r = sub(sub(clamped, mul(k, c(LN2_HI))), mul(k, c(LN2_LO)));
  return mul(polynomial(TAYLOR, r), { kind: "pow2", a: t });
}

/** `y` with the sign of `x` (y ≥ 0). */
const withSign = (x: Formula, y: Formula): Formula => less(x, c(0), neg(y), y);

function tanh(x: Formula): Formula {
  const a = abs(x), x2 = mul(x, x);
  const series = mul(x, add(c(1), mul(x2, add(c(-1 / 3), mul(x2, c(2 / 15))))));
  const y = sub(c(1), div(c(2), add(exp(add(a, a)), c(1))));
  return less(a, c(2 ** -10), series, withSign(x, y));
}

function erf(x: Formula): Formula {
  const { split, small, large } = ERF_APPROXIMATION;
  const a = abs(x);
  const y = sub(c(1), exp(polynomial(large, less(c(4), a, c(4), a))));
  return less(a, c(split), add(x, mul(x, polynomial(small, mul(x, x)))), withSign(x, y));
}

/** The unary ops of the kernel IR computed by these formulas. */
export const FORMULAS: Readonly<Record<"exp" | "tanh" | "sigmoid" | "erf", Formula>> = {
  exp: exp(ARG),
  tanh: tanh(ARG),
  sigmoid: div(c(1), add(c(1), exp(neg(ARG)))),
  erf: erf(ARG),
};

/** Every node of `f` once, operands first. */
function nodes(f: Formula): Formula[] {
  const seen = new Set<Formula>();
  const order: Formula[] = [];
  const visit = (g: Formula): void => {
    if (seen.has(g)) return;
    seen.add(g);
    if (g.kind === "unary" || g.kind === "pow2") visit(g.a);
    else if (g.kind === "binary") [g.a, g.b].forEach(visit);
    else if (g.kind === "less") [g.a, g.b, g.then, g.otherwise].forEach(visit);
    order.push(g);
  };
  visit(f);
  return order;
}

const JS_BINARY = { add: "+", sub: "-", mul: "*", div: "/" } as Record<string, string>;

/** A float64 number as JavaScript source (shortest round-trip form, which parses back to the same bits). */
function literal(value: number): string {
  return value < 0 ? `(${value})` : String(value);
}

/**
 * JavaScript statements computing `f` of the variable `arg`, their temporaries named from `prefix`, and the
 * expression of the result; `POW2` must name {@link POW2_TABLE} where the statements run.
 *
 * @example
 * ```ts
 * import { FORMULAS, formulaJs, POW2_TABLE } from "./float64_math.ts";
 * const { lines, result } = formulaJs(FORMULAS.exp, "x", "e");
 * const exp = new Function("POW2", "x", `${lines.join("\n")} return ${result};`);
 * console.log(exp(POW2_TABLE, 1)); // 2.718281828459045 (or within a few units of the last place)
 * ```
 */
export function formulaJs(f: Formula, arg: string, prefix: string): { lines: string[]; result: string } {
  const names = new Map<Formula, string>();
  const ref = (g: Formula): string => names.get(g)!;
  const lines: string[] = [];
  for (const g of nodes(f)) {
    let js: string;
    switch (g.kind) {
      case "arg":
        names.set(g, arg);
        continue;
      case "const":
        names.set(g, literal(g.value));
        continue;
      case "unary":
        js = g.op === "abs" ? `Math.abs(${ref(g.a)})` : `(-${ref(g.a)})`;
        break;
      case "binary":
        js = `${ref(g.a)} ${JS_BINARY[g.op]} ${ref(g.b)}`;
        break;
      case "less":
        js = `${ref(g.a)} < ${ref(g.b)} ? ${ref(g.then)} : ${ref(g.otherwise)}`;
        break;
      case "pow2":
        js = `POW2[(${ref(g.a)} - ${SHIFTER - POW2_BIAS}) | 0]`;
        break;
    }
    const name = `${prefix}${names.size}`;
    names.set(g, name);
    lines.push(`const ${name} = ${js};`);
  }
  return { lines, result: ref(f) };
}

/** 2^k at index k + 160, for k in [-160, 160]: the scale of {@link formulaJs}'s exp. */
export const POW2_TABLE: Float64Array = Float64Array.from(
  { length: 2 * POW2_BIAS + 1 },
  (_, i) => 2 ** (i - POW2_BIAS),
);

/**
 * A v128 constant of two float64 lanes (or two int64 lanes, from BigInts).
 *
 * @example
 * ```ts
 * import { v128Const } from "./float64_math.ts";
 * console.log(v128Const(1).length); // 18: the prefix, the opcode and 16 bytes
 * ```
 */
export function v128Const(value: number | bigint): number[] {
  const bytes = new DataView(new ArrayBuffer(16));
  for (const at of [0, 8]) {
    if (typeof value === "bigint") bytes.setBigInt64(at, value, true);
    else bytes.setFloat64(at, value, true);
  }
  return op.v128Const([...new Uint8Array(bytes.buffer)]);
}

const SIMD_BINARY = {
  add: op.f64x2.add,
  sub: op.f64x2.sub,
  mul: op.f64x2.mul,
  div: op.f64x2.div,
};

/** The v128 locals {@link formulaSimd} needs for `f` on each argument. */
export function formulaLocals(f: Formula): number {
  return nodes(f).length;
}

/**
 * WebAssembly SIMD instructions computing `f` on both float64 lanes of each v128 local of `args`, node by node
 * across the arguments (independent work side by side, for the processor to overlap); the nodes' values go to the
 * v128 locals from `first` on ({@link formulaLocals} for each argument); `constant` gives the instructions that
 * push a constant's two lanes (a local set before the loop: a v128 constant in a loop costs several
 * instructions). `result(h)` pushes the value for argument h afterwards.
 *
 * @example
 * ```ts
 * import { FORMULAS, formulaSimd } from "./float64_math.ts";
 * import { v128Const } from "./float64_math.ts";
 * const { code, result } = formulaSimd(FORMULAS.exp, [0, 1], 2, v128Const); // arguments in locals 0 and 1
 * console.log(code.length > 0 && result(1).length > 0); // true
 * ```
 */
export function formulaSimd(
  f: Formula,
  args: readonly number[],
  first: number,
  constant: (value: number | bigint) => number[],
): { code: number[]; result: (h: number) => number[] } {
  const locals = new Map<Formula, number>();
  let next = first;
  const get = (g: Formula, h: number): number[] =>
    g.kind === "const" ? constant(g.value) : op.get(g.kind === "arg" ? args[h] : locals.get(g)! + h);
  const code: number[] = [];
  for (const g of nodes(f)) {
    if (g.kind === "const" || g.kind === "arg") continue;
    locals.set(g, next);
    next += args.length;
    for (let h = 0; h < args.length; h++) {
      let value: number[];
      switch (g.kind) {
        case "unary":
          value = seq(get(g.a, h), g.op === "abs" ? op.f64x2.abs : op.f64x2.neg);
          break;
        case "binary":
          value = seq(get(g.a, h), get(g.b, h), SIMD_BINARY[g.op]);
          break;
        case "less":
          value = seq(
            get(g.then, h),
            get(g.otherwise, h),
            get(g.a, h),
            get(g.b, h),
            op.f64x2.lt,
            op.v128Bitselect,
          );
          break;
        case "pow2":
          // (bits(a) − bits(1.5·2⁵²) + 1023) << 52: the exponent field of 2^k.
          value = seq(
            get(g.a, h),
            v128Const(1023n - 0x4338000000000000n),
            op.i64x2Add,
            op.i32(52),
            op.i64x2Shl,
          );
          break;
      }
      code.push(...value, ...op.set(locals.get(g)! + h));
    }
  }
  return { code, result: (h) => get(f, h) };
}
