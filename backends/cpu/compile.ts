/**
 * Compiles a kernel of the expression IR into a JavaScript loop over strided operands.
 *
 * Float32 arithmetic rounds after every operation (`Math.fround`), so the CPU backend computes what a float32
 * machine computes — the same numbers PyTorch and WebGPU produce, up to the order of operations — rather than
 * float64 results rounded once at the end; exp, tanh, sigmoid and erf are float64_math.ts's float64 formulas,
 * rounded once, which the SIMD kernels evaluate bit for bit alike. Subexpressions that do not change along the innermost loop (scalars,
 * broadcast inputs) are hoisted out of it.
 *
 * @module
 */
import type { DType, TypedArray } from "../../tensor/dtype.ts";
import { type Expr, type Kernel, topoOrder } from "../kernel_ir.ts";
import { formulaJs, FORMULAS, POW2_TABLE } from "./float64_math.ts";

/**
 * A compiled kernel: `arrays` are the inputs then the outputs, each walked from `offsets[k]` by `strides[k]` over
 * `shape` (already collapsed; at least one dimension, none empty).
 */
export type CompiledKernel = (
  arrays: readonly TypedArray[],
  offsets: readonly number[],
  strides: readonly (readonly number[])[],
  shape: readonly number[],
  scalars: readonly number[],
) => void;

/** How an operand moves along the innermost dimension: by 1, not at all, or by another stride. */
export type InnerStride = "1" | "0" | "s";

function rounded(dtype: DType, js: string): string {
  switch (dtype) {
    case "float32":
      return `fr(${js})`;
    case "float16":
      return `hr(${js})`;
    case "int32":
      return `((${js}) | 0)`;
    case "bool":
      return js;
  }
}

function literal(value: number, dtype: DType): string {
  if (dtype === "bool") return value ? "1" : "0";
  if (dtype === "int32") return (value | 0) < 0 ? `(${value | 0})` : String(value | 0);
  const v = dtype === "float32" ? Math.fround(value) : Math.f16round(value);
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "(-Infinity)";
  // Negative literals are parenthesised so that negating one never spells "--".
  return Object.is(v, -0) ? "(-0)" : v < 0 ? `(${v})` : String(v);
}

/**
 * The JavaScript of unary `e` on `a`; exp, tanh, sigmoid and erf are float64_math.ts's formulas, whose statements
 * (temporaries named from `prefix`) go to `lines`.
 */
function unaryJs(e: Extract<Expr, { kind: "unary" }>, a: string, lines: string[], prefix: string): string {
  const isInt = e.dtype === "int32";
  switch (e.op) {
    case "neg":
      return isInt ? `((-${a}) | 0)` : `(-${a})`;
    case "abs":
      return isInt ? `(Math.abs(${a}) | 0)` : `Math.abs(${a})`;
    case "sign":
      return `(${a} > 0 ? 1 : ${a} < 0 ? -1 : 0)`;
    case "floor":
      return `Math.floor(${a})`;
    case "ceil":
      return `Math.ceil(${a})`;
    case "not":
      return `(${a} === 0 ? 1 : 0)`;
    case "sqrt":
      return rounded(e.dtype, `Math.sqrt(${a})`);
    case "log":
      return rounded(e.dtype, `Math.log(${a})`);
    case "recip":
      return rounded(e.dtype, `1 / ${a}`);
    case "exp":
    case "tanh":
    case "sigmoid":
    case "erf": {
      const formula = formulaJs(FORMULAS[e.op], a, prefix);
      lines.push(...formula.lines);
      return rounded(e.dtype, formula.result);
    }
  }
}

const COMPARE: Record<string, string> = { eq: "===", ne: "!==", lt: "<", le: "<=", gt: ">", ge: ">=" };

function binaryJs(e: Extract<Expr, { kind: "binary" }>, a: string, b: string): string {
  switch (e.op) {
    case "add":
      return rounded(e.dtype, `${a} + ${b}`);
    case "sub":
      return rounded(e.dtype, `${a} - ${b}`);
    case "mul":
      return e.dtype === "int32" ? `Math.imul(${a}, ${b})` : rounded(e.dtype, `${a} * ${b}`);
    case "div":
      return rounded(e.dtype, `${a} / ${b}`);
    case "pow":
      return rounded(e.dtype, `Math.pow(${a}, ${b})`);
    case "max":
      return `Math.max(${a}, ${b})`;
    case "min":
      return `Math.min(${a}, ${b})`;
    case "and":
      return `(${a} !== 0 && ${b} !== 0 ? 1 : 0)`;
    case "or":
      return `(${a} !== 0 || ${b} !== 0 ? 1 : 0)`;
    default:
      return `(${a} ${COMPARE[e.op]} ${b} ? 1 : 0)`;
  }
}

function castJs(from: DType, to: DType, a: string): string {
  if (to === "bool") return `(${a} !== 0 ? 1 : 0)`;
  if (to === "int32") return from === "bool" ? a : `(Math.trunc(${a}) | 0)`;
  if (to === "float16") return `hr(${a})`;
  return from === "float16" || from === "bool" ? a : `fr(${a})`;
}

function scalarJs(dtype: DType, index: number): string {
  switch (dtype) {
    case "float32":
      return `fr(sc[${index}])`;
    case "float16":
      return `hr(sc[${index}])`;
    case "int32":
      return `(sc[${index}] | 0)`;
    case "bool":
      return `(sc[${index}] !== 0 ? 1 : 0)`;
  }
}

/**
 * Generates the loop for `kernel` given how each operand (inputs, then outputs) moves along the innermost
 * dimension. Outputs never have inner stride "0".
 */
export function compileKernel(kernel: Kernel, inner: readonly InnerStride[]): CompiledKernel {
  const nIn = kernel.inputs.length;
  const nOps = nIn + kernel.outputs.length;
  const ops = [...Array(nOps).keys()];
  // Level 0: constant for the whole call; 1: constant along the innermost loop; 2: varies per element.
  const level = new Map<string, number>();
  const name = new Map<string, string>();
  const sections: string[][] = [[], [], []];
  const ref = (e: Expr): string => name.get(e.key) ?? literal((e as { value: number }).value, e.dtype);
  for (const e of topoOrder(kernel.outputs)) {
    let lv: number;
    let js: string;
    switch (e.kind) {
      case "const":
        level.set(e.key, 0);
        continue;
      case "scalar":
        lv = 0;
        js = scalarJs(e.dtype, e.index);
        break;
      case "input": {
        lv = inner[e.index] === "0" ? 1 : 2;
        const at = inner[e.index] === "1"
          ? `p${e.index} + j`
          : inner[e.index] === "0"
          ? `p${e.index}`
          : `p${e.index} + j * is${e.index}`;
        js = `b${e.index}[${at}]`;
        break;
      }
      case "unary":
        lv = level.get(e.a.key)!;
        js = unaryJs(e, ref(e.a), sections[lv], `f${name.size}_`);
        break;
      case "cast":
        lv = level.get(e.a.key)!;
        js = castJs(e.a.dtype, e.dtype, ref(e.a));
        break;
      case "binary":
        lv = Math.max(level.get(e.a.key)!, level.get(e.b.key)!);
        js = binaryJs(e, ref(e.a), ref(e.b));
        break;
      case "where":
        lv = Math.max(level.get(e.cond.key)!, level.get(e.a.key)!, level.get(e.b.key)!);
        js = `(${ref(e.cond)} !== 0 ? ${ref(e.a)} : ${ref(e.b)})`;
        break;
    }
    const v = `t${name.size}`;
    name.set(e.key, v);
    level.set(e.key, lv);
    sections[lv].push(`const ${v} = ${js};`);
  }
  const stores = kernel.outputs.map((e, o) => {
    const k = nIn + o;
    return `b${k}[${inner[k] === "1" ? `p${k} + j` : `p${k} + j * is${k}`}] = ${ref(e)};`;
  });
  // A plain copy between contiguous rows is the engine's memory copy, not a loop.
  const copied = kernel.outputs.length === 1 && kernel.outputs[0].kind === "input"
    ? kernel.outputs[0].index
    : -1;
  const innerLoop = copied >= 0 && inner[copied] === "1" && inner[nIn] === "1"
    ? `b${nIn}.set(b${copied}.subarray(p${copied}, p${copied} + n), p${nIn});`
    : `for (let j = 0; j < n; j++) {
        ${sections[2].join("\n")}
        ${stores.join("\n")}
      }`;
  const source = `
    ${ops.map((k) => `const b${k} = A[${k}], st${k} = S[${k}];`).join("\n")}
    const nd = shape.length, n = shape[nd - 1];
    ${ops.filter((k) => inner[k] === "s").map((k) => `const is${k} = st${k}[nd - 1];`).join("\n")}
    ${sections[0].join("\n")}
    let outer = 1;
    for (let d = 0; d < nd - 1; d++) outer *= shape[d];
    const idx = new Int32Array(nd);
    ${ops.map((k) => `let p${k} = O[${k}];`).join("\n")}
    for (let o = 0; o < outer; o++) {
      ${sections[1].join("\n")}
      ${innerLoop}
      for (let d = nd - 2; d >= 0; d--) {
        ${ops.map((k) => `p${k} += st${k}[d];`).join(" ")}
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
        ${ops.map((k) => `p${k} -= st${k}[d] * shape[d];`).join(" ")}
      }
    }`;
  const factory = new Function(
    "fr",
    "hr",
    "POW2",
    `"use strict"; return function kernel(A, O, S, shape, sc) {${source}};`,
  );
  return factory(Math.fround, Math.f16round, POW2_TABLE) as CompiledKernel;
}
