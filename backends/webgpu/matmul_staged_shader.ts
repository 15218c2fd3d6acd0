/**
 * The WGSL matrix product staged through workgroup memory, for hardware adapters: a workgroup of `wx`×`wy`
 * invocations computes a (`rows`·`wy`)×(`cols`·`wx`) tile of one batch's output, stepping through k in slices of
 * `slice`. Per slice, the workgroup copies the slice of both operands its tile needs into workgroup memory (each
 * operand read in place through its strides, rows and columns past the edge clamped inside it, k past the end
 * read as zero; one vec4 load per four rows or columns where they are contiguous and aligned), stored as vec4s
 * of four consecutive rows (A) or columns (B) at one k; after one barrier every
 * invocation multiplies its `rows`×`cols` block in registers from vec4 loads of those tiles, and a second barrier
 * guards the next copy. Sums run over k in order, in float32, as in the direct shader (matmul_shader.ts), so both
 * give the same results bit for bit.
 *
 * @module
 */
import {
  accumulators,
  matmulDeclarations,
  type MatmulVariant,
  type OperandRead,
  outputStores,
} from "./matmul_shader.ts";
import { valueType } from "./wgsl.ts";

/**
 * The copy of one operand's slice: quads of 4 rows/columns (of `extent`) at one k, `quads` of them per k; one vec4
 * load per quad when the operand is read `mn4`, else four scalar loads.
 */
function copySlice(
  tile: "As" | "Bs",
  mode: OperandRead,
  binding: string,
  quads: number,
  total: number,
  threads: number,
  first: string,
  extent: string,
  base: string,
  mnStride: string,
  kStride: string,
  read: (x: string, vec: boolean) => string,
): string {
  const element = (c: number): string =>
    `select(0.0, ${
      read(
        `${binding}[${base} + min(mn + ${c}u, ${extent} - 1u) * ${mnStride} + min(k, K - 1u) * ${kStride}]`,
        false,
      )
    }, k < K)`;
  const quad = mode === "mn4"
    ? `select(vec4<f32>(0.0), ${
      read(
        `${binding}[((${base} + min(mn, ${extent} - 4u)) >> 2u) + min(k, K - 1u) * (${kStride} >> 2u)]`,
        true,
      )
    }, k < K)`
    : `vec4<f32>(${[0, 1, 2, 3].map(element).join(", ")})`;
  return `for (var e = tid; e < ${total}u; e = e + ${threads}u) {
      let k = k0 + e / ${quads}u;
      let mn = ${first} + (e % ${quads}u) * 4u;
      ${tile}[e] = ${quad};
    }`;
}

/**
 * The staged shader of `variant` (whose `slice`, a multiple of 4, must be set). Params and dispatch as
 * {@link matmulShader}'s: [m, n, k, batchBase, aOffset, aBatch, aRow, aCol, bOffset, bBatch, bRow, bCol] over
 * (⌈n / (cols·wx)⌉, ⌈m / (rows·wy)⌉, batches).
 *
 * @example
 * ```ts ignore
 * const config = { rows: 4, cols: 4, wx: 16, wy: 16, slice: 16 };
 * matmulStagedShader({ ...config, dtype: "float32", a: "scalar", b: "mn4", kTail: false, out4: true });
 * ```
 */
export function matmulStagedShader(v: MatmulVariant): string {
  const slice = v.slice ?? 16;
  const t = valueType(v.dtype);
  const read = (x: string, vec: boolean): string => t === "f32" ? x : vec ? `vec4<f32>(${x})` : `f32(${x})`;
  const [tileRows, tileCols] = [v.rows * v.wy, v.cols * v.wx];
  const threads = v.wx * v.wy;
  const products: string[] = [];
  for (let q = 0; q < v.rows / 4; q++) {
    products.push(`let a${q} = As[kk * ${tileRows / 4}u + lid.y * ${v.rows / 4}u + ${q}u];`);
  }
  for (let q = 0; q < v.cols / 4; q++) {
    products.push(`let b${q} = Bs[kk * ${tileCols / 4}u + lid.x * ${v.cols / 4}u + ${q}u];`);
  }
  for (let i = 0; i < v.rows; i++) {
    for (let q = 0; q < v.cols / 4; q++) {
      products.push(`acc${i}_${q} = acc${i}_${q} + a${i >> 2}.${"xyzw"[i & 3]} * b${q};`);
    }
  }
  return `${matmulDeclarations(v)}
var<workgroup> As: array<vec4<f32>, ${(slice * tileRows) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(slice * tileCols) / 4}>;
@compute @workgroup_size(${v.wx}, ${v.wy})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = P[0];
  let N = P[1];
  let K = P[2];
  let batch = P[3] + wg.z;
  let aBase = P[4] + batch * P[5];
  let bBase = P[8] + batch * P[9];
  let tileRow = wg.y * ${tileRows}u;
  let tileCol = wg.x * ${tileCols}u;
  let row0 = tileRow + lid.y * ${v.rows}u;
  let col0 = tileCol + lid.x * ${v.cols}u;
  let tid = lid.y * ${v.wx}u + lid.x;
  ${accumulators(v).join("\n  ")}
  for (var k0 = 0u; k0 < K; k0 = k0 + ${slice}u) {
    ${
    copySlice(
      "As",
      v.a,
      "B0",
      tileRows / 4,
      (slice * tileRows) / 4,
      threads,
      "tileRow",
      "M",
      "aBase",
      "P[6]",
      "P[7]",
      read,
    )
  }
    ${
    copySlice(
      "Bs",
      v.b,
      "B1",
      tileCols / 4,
      (slice * tileCols) / 4,
      threads,
      "tileCol",
      "N",
      "bBase",
      "P[11]",
      "P[10]",
      read,
    )
  }
    workgroupBarrier();
    for (var kk = 0u; kk < ${slice}u; kk = kk + 1u) {
      ${products.join("\n      ")}
    }
    workgroupBarrier();
  }
  let outBase = batch * M * N;
  ${outputStores(v).join("\n  ")}
}
`;
}
