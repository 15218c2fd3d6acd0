/**
 * The WGSL matrix product, register-tiled: each invocation computes a `rows`×`cols` block of one batch's output
 * in registers, accumulating in float32 over k four steps at a time. Each operand is read in place through its
 * strides (a transposed view needs no copy), as vec4 loads along whichever of its dimensions is contiguous (k, or
 * its own rows/columns) when its offset and strides allow, else as scalars. Invocations read their operands
 * straight from storage, not through workgroup memory: on the software adapter this project measures (Mesa's
 * lavapipe) every load instruction, from storage or workgroup memory alike, is a loop over the SIMD lanes and the
 * CPU's caches serve the reuse, so the fewest vec4 loads per multiply-add wins, and a staged copy with its
 * barriers only adds loads. Which variant and block size runs is chosen per product (matmul_plan.ts).
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import { declarations } from "./elementwise_shader.ts";
import { valueType } from "./wgsl.ts";

/**
 * How an operand is read: `k4` as vec4s along k (k stride 1), `mn4` as vec4s along its rows (A) or columns (B)
 * (that stride 1), `scalar` one element at a time along k.
 */
export type OperandRead = "k4" | "mn4" | "scalar";

/** One variant of the matmul shader. */
export interface MatmulConfig {
  /** Output rows per invocation, a multiple of 4. */
  readonly rows: number;
  /** Output columns per invocation, a multiple of 4. */
  readonly cols: number;
  /** Invocations per workgroup along columns. */
  readonly wx: number;
  /** Invocations per workgroup along rows. */
  readonly wy: number;
  /**
   * The k slice a workgroup stages in workgroup memory per step (a multiple of 4), for the staged shader
   * (matmul_staged_shader.ts); absent for this file's direct one.
   */
  readonly slice?: number;
}

/** The whole key of one pipeline: the config, the dtype and how each operand and the output are accessed. */
export interface MatmulVariant extends MatmulConfig {
  readonly dtype: DType;
  readonly a: OperandRead;
  readonly b: OperandRead;
  /** Whether k is not a multiple of 4 (the last step's lanes past k read as zero). */
  readonly kTail: boolean;
  /** Whether the output is written as vec4s (n a multiple of 4). */
  readonly out4: boolean;
}

/**
 * The pipeline cache's key of a variant.
 *
 * @example
 * ```ts ignore
 * variantKey({ rows: 8, cols: 8, wx: 8, wy: 8, dtype: "float32", a: "k4", b: "mn4", kTail: false, out4: true });
 * // "mm|float32|8x8|8x8|d|k4|mn4|o"
 * ```
 */
export function variantKey(v: MatmulVariant): string {
  return `mm|${v.dtype}|${v.rows}x${v.cols}|${v.wx}x${v.wy}|${v.slice ?? "d"}|${v.a}|${v.b}|${
    v.kTail ? "t" : ""
  }${v.out4 ? "o" : ""}`;
}

const XYZW = "xyzw";

/**
 * Statements that read one operand's values for the k step `k0..k0+3` into vec4 registers, and the expression of
 * its value at (register index `i` of the block, k offset `kk`). `name` is A or B; for B the block index runs over
 * columns. `at(index)` reads element `index` (in vec4 units for vec4 reads).
 */
function operandStep(
  name: "a" | "b",
  read: OperandRead,
  count: number,
  kTail: boolean,
  at: (index: string) => string,
): { lines: string[]; value: (i: number, kk: number) => string } {
  const lines: string[] = [];
  const zeroPast = (value: string, kk: number): string =>
    kTail ? `select(0.0, ${value}, k0 + ${kk}u < K)` : value;
  if (read === "k4") {
    for (let i = 0; i < count; i++) lines.push(`let ${name}${i} = ${at(`${name}R${i} + (k0 >> 2u)`)};`);
    return { lines, value: (i, kk) => `${name}${i}.${XYZW[kk]}` };
  }
  if (read === "mn4") {
    for (let kk = 0; kk < 4; kk++) {
      for (let q = 0; q < count / 4; q++) {
        const k = kTail ? `min(k0 + ${kk}u, K - 1u)` : `(k0 + ${kk}u)`;
        const v = at(`${name}R${q} + ${k} * ${name}K`);
        lines.push(`let ${name}${kk}_${q} = ${kTail ? `select(vec4<f32>(0.0), ${v}, k0 + ${kk}u < K)` : v};`);
      }
    }
    return { lines, value: (i, kk) => `${name}${kk}_${i >> 2}.${XYZW[i & 3]}` };
  }
  for (let i = 0; i < count; i++) {
    const parts = [0, 1, 2, 3].map((kk) => {
      const k = kTail ? `min(k0 + ${kk}u, K - 1u)` : `(k0 + ${kk}u)`;
      return zeroPast(at(`${name}R${i} + ${k} * ${name}K`), kk);
    });
    lines.push(`let ${name}${i} = vec4<f32>(${parts.join(", ")});`);
  }
  return { lines, value: (i, kk) => `${name}${i}.${XYZW[kk]}` };
}

/**
 * Per-invocation bases of one operand's block: `xR{i}` per row/column (or per quad of them for `mn4`) in the
 * units its reads index, and `xK`, the k stride in those units. `first` is the block's first row/column, `extent`
 * the operand's rows/columns (indices are clamped inside it: their results are never stored).
 */
function operandBases(
  name: "a" | "b",
  read: OperandRead,
  count: number,
  first: string,
  extent: string,
  base: string,
  mnStride: string,
  kStride: string,
): string[] {
  if (read === "k4") {
    return Array.from(
      { length: count },
      (_, i) => `let ${name}R${i} = (${base} + min(${first} + ${i}u, ${extent} - 1u) * ${mnStride}) >> 2u;`,
    );
  }
  if (read === "mn4") {
    return [
      ...Array.from(
        { length: count / 4 },
        (_, q) => `let ${name}R${q} = (${base} + min(${first} + ${4 * q}u, ${extent} - 4u)) >> 2u;`,
      ),
      `let ${name}K = ${kStride} >> 2u;`,
    ];
  }
  return [
    ...Array.from(
      { length: count },
      (_, i) => `let ${name}R${i} = ${base} + min(${first} + ${i}u, ${extent} - 1u) * ${mnStride};`,
    ),
    `let ${name}K = ${kStride};`,
  ];
}

/** The multiply-adds of one k step: acc{i}_{q}.{c} += a(i, kk) · b(kk, 4q + c). */
function products(
  v: MatmulVariant,
  a: (i: number, kk: number) => string,
  b: (j: number, kk: number) => string,
): string[] {
  const lines: string[] = [];
  for (let kk = 0; kk < 4; kk++) {
    for (let i = 0; i < v.rows; i++) {
      for (let q = 0; q < v.cols / 4; q++) {
        const bs = [0, 1, 2, 3].map((c) => b(4 * q + c, kk)).join(", ");
        lines.push(`acc${i}_${q} = acc${i}_${q} + ${a(i, kk)} * vec4<f32>(${bs});`);
      }
    }
  }
  return lines;
}

/**
 * The block's float32 accumulators, acc{i}_{q}: row i, columns 4q..4q+3.
 *
 * @example
 * ```ts ignore
 * accumulators({ ...variant, rows: 4, cols: 4 }); // ["var acc0_0 = vec4<f32>(0.0);", …, "var acc3_0 = …"]
 * ```
 */
export function accumulators(v: MatmulVariant): string[] {
  const accs: string[] = [];
  for (let i = 0; i < v.rows; i++) {
    for (let q = 0; q < v.cols / 4; q++) accs.push(`var acc${i}_${q} = vec4<f32>(0.0);`);
  }
  return accs;
}

/**
 * Stores of the block at (row0, col0) into the contiguous output B2 at outBase, skipping what lies past m, n.
 *
 * @example
 * ```ts ignore
 * const wgsl = outputStores(variant).join("\n"); // "if (row0 + 0u < M) { …"
 * ```
 */
export function outputStores(v: MatmulVariant): string[] {
  const t = valueType(v.dtype);
  const stores: string[] = [];
  for (let i = 0; i < v.rows; i++) {
    stores.push(`if (row0 + ${i}u < M) {`);
    for (let q = 0; q < v.cols / 4; q++) {
      const c = `col0 + ${4 * q}u`;
      const at = `outBase + (row0 + ${i}u) * N + ${c}`;
      const value = (x: string): string => t === "f32" ? x : `${t}(${x})`;
      if (v.out4) {
        stores.push(
          `  if (${c} < N) { B2[(${at}) >> 2u] = ${
            t === "f32" ? `acc${i}_${q}` : `vec4<f16>(acc${i}_${q})`
          }; }`,
        );
      } else {
        for (let ch = 0; ch < 4; ch++) {
          stores.push(
            `  if (${c} + ${ch}u < N) { B2[${at} + ${ch}u] = ${value(`acc${i}_${q}.${XYZW[ch]}`)}; }`,
          );
        }
      }
    }
    stores.push("}");
  }
  return stores;
}

/**
 * The shader's bindings: params, A, B and the output, the vec4-read ones as arrays of vec4s.
 *
 * @example
 * ```ts ignore
 * matmulDeclarations({ rows: 8, cols: 8, wx: 8, wy: 8, dtype: "float32", a: "k4", b: "mn4", kTail: false, out4: true });
 * // "… var<storage, read> B1: array<vec4<f32>>; …"
 * ```
 */
export function matmulDeclarations(v: MatmulVariant): string {
  const binding = { dtype: v.dtype, writable: false };
  const vec = [v.a !== "scalar", v.b !== "scalar", v.out4];
  // declarations() declares every binding alike; the vec4-read ones are redeclared here.
  return declarations([binding, binding, { ...binding, writable: true }]).split("\n").map((line) => {
    const m = /var<storage, \w+> B(\d): array<(\w+)>;/.exec(line);
    return m !== null && vec[Number(m[1])] ? line.replace(`array<${m[2]}>`, `array<vec4<${m[2]}>>`) : line;
  }).join("\n");
}

/**
 * The shader of `variant`. Params: [m, n, k, batchBase, aOffset, aBatch, aRow, aCol, bOffset, bBatch, bRow, bCol];
 * dispatched over (⌈n / (cols·wx)⌉, ⌈m / (rows·wy)⌉, batches).
 *
 * @example
 * ```ts ignore
 * const config = { rows: 8, cols: 8, wx: 8, wy: 8 };
 * matmulShader({ ...config, dtype: "float32", a: "k4", b: "mn4", kTail: false, out4: true });
 * ```
 */
export function matmulShader(v: MatmulVariant): string {
  const t = valueType(v.dtype);
  const f32 = (x: string, vec: boolean): string => t === "f32" ? x : vec ? `vec4<f32>(${x})` : `f32(${x})`;
  const a = operandStep("a", v.a, v.rows, v.kTail, (i) => f32(`B0[${i}]`, v.a !== "scalar"));
  const b = operandStep("b", v.b, v.cols, v.kTail, (i) => f32(`B1[${i}]`, v.b !== "scalar"));
  return `${matmulDeclarations(v)}
@compute @workgroup_size(${v.wx}, ${v.wy})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = P[0];
  let N = P[1];
  let K = P[2];
  let batch = P[3] + wg.z;
  let row0 = (wg.y * ${v.wy}u + lid.y) * ${v.rows}u;
  let col0 = (wg.x * ${v.wx}u + lid.x) * ${v.cols}u;
  if (row0 >= M || col0 >= N) { return; }
  ${operandBases("a", v.a, v.rows, "row0", "M", "P[4] + batch * P[5]", "P[6]", "P[7]").join("\n  ")}
  ${operandBases("b", v.b, v.cols, "col0", "N", "P[8] + batch * P[9]", "P[11]", "P[10]").join("\n  ")}
  ${accumulators(v).join("\n  ")}
  for (var k0 = 0u; k0 < K; k0 = k0 + 4u) {
    ${a.lines.join("\n    ")}
    ${b.lines.join("\n    ")}
    ${products(v, a.value, b.value).join("\n    ")}
  }
  let outBase = batch * M * N;
  ${outputStores(v).join("\n  ")}
}
`;
}
