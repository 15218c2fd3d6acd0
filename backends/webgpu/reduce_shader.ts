/**
 * The WGSL reduction: one workgroup per (output element, chunk of the reduced elements). Its threads stride over
 * the chunk, then combine in workgroup memory. With one chunk it is the whole reduction; with several, a second
 * reduction over the partial results finishes it (for sum, prod, max and min). Max/min propagate NaN and the
 * arg-reductions return the first position of the extreme, as PyTorch.
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import type { ReduceOp } from "../backend.ts";
import { declarations } from "./elementwise_shader.ts";
import { literal, load, store, valueType } from "./wgsl.ts";

/** Threads per workgroup of the reduction. */
export const REDUCE_WORKGROUP = 256;

/** The dtype a reduction accumulates in: float32 for floats, int32 for integers and bools. */
export function accumulatorType(dtype: DType): DType {
  return dtype === "float32" || dtype === "float16" ? "float32" : "int32";
}

/**
 * Where each params field lives: [units, chunkSize, chunks, redCount, unitsPerRow, outShape…, redShape…, offset,
 * outStrides…, redStrides…].
 */
export function reduceLayout(outRank: number, redRank: number): {
  outShape: (d: number) => number;
  redShape: (d: number) => number;
  offset: number;
  outStride: (d: number) => number;
  redStride: (d: number) => number;
} {
  const base = 5;
  return {
    outShape: (d) => base + d,
    redShape: (d) => base + outRank + d,
    offset: base + outRank + redRank,
    outStride: (d) => base + outRank + redRank + 1 + d,
    redStride: (d) => base + 2 * outRank + redRank + 1 + d,
  };
}

/** WGSL that adds to `p` the offset of coordinate `index` (a local of that name) over the given dims. */
function walk(
  index: string,
  rank: number,
  shape: (d: number) => number,
  stride: (d: number) => number,
): string {
  const lines = [`var rem_${index} = ${index};`];
  for (let d = rank - 1; d >= 0; d--) {
    const c = d === 0 ? `rem_${index}` : `(rem_${index} % P[${shape(d)}])`;
    lines.push(`p = p + ${c} * P[${stride(d)}];`);
    if (d > 0) lines.push(`rem_${index} = rem_${index} / P[${shape(d)}];`);
  }
  return lines.join("\n      ");
}

/** The shader reducing a `dtype` input with `op` into an `outDtype` output. */
export function reduceShader(
  op: ReduceOp,
  dtype: DType,
  outDtype: DType,
  outRank: number,
  redRank: number,
): string {
  const layout = reduceLayout(outRank, redRank);
  const accType = accumulatorType(dtype);
  const acc = valueType(accType);
  const isFloat = accType === "float32";
  const arg = op === "argmax" || op === "argmin";
  const wantMax = op === "max" || op === "argmax";
  const init = op === "sum"
    ? literal(0, accType)
    : op === "prod"
    ? literal(1, accType)
    : isFloat
    ? literal(wantMax ? -Infinity : Infinity, accType)
    : `(${wantMax ? "-2147483647i - 1i" : "2147483647i"})`;
  const combine = op === "sum"
    ? "a + b"
    : op === "prod"
    ? "a * b"
    : isFloat
    ? `${wantMax ? "max" : "min"}_f32(a, b)`
    : `${wantMax ? "max" : "min"}(a, b)`;
  const value = accType === dtype
    ? load(dtype, "B0[p]")
    : dtype === "bool"
    ? `select(0i, 1i, B0[p] != 0u)`
    : `${acc}(B0[p])`;
  const better = `fn better(v: ${acc}, r: u32, a: ${acc}, at: u32) -> bool {
  if (at == 0xffffffffu) { return true; }
  let vn = ${isFloat ? "isnan_f32(v)" : "false"};
  let an = ${isFloat ? "isnan_f32(a)" : "false"};
  if (vn || an) { return vn && (!an || r < at); }
  if (v ${wantMax ? ">" : "<"} a) { return true; }
  return v == a && r < at;
}`;
  const result = arg
    ? "select(i32(ats[0]), 0i, ats[0] == 0xffffffffu)"
    : outDtype === accType
    ? "vals[0]"
    : outDtype === "bool"
    ? "(vals[0] != 0i)"
    : `${valueType(outDtype)}(vals[0])`;
  return `${declarations([{ dtype, writable: false }, { dtype: outDtype, writable: true }])}
var<workgroup> vals: array<${acc}, ${REDUCE_WORKGROUP}>;
var<workgroup> ats: array<u32, ${REDUCE_WORKGROUP}>;
fn combine(a: ${acc}, b: ${acc}) -> ${acc} { return ${combine}; }
${arg ? better : ""}
@compute @workgroup_size(${REDUCE_WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let units = P[0];
  let chunkSize = P[1];
  let chunks = P[2];
  let redCount = P[3];
  let u = wg.y * groups.x + wg.x;
  let live = u < units;
  let o = u / chunks;
  let start = (u % chunks) * chunkSize;
  let end = select(start, min(start + chunkSize, redCount), live);
  var base = P[${layout.offset}];
  {
    var p = 0u;
    ${walk("o", outRank, layout.outShape, layout.outStride)}
    base = base + p;
  }
  var acc = ${init};
  var at = 0xffffffffu;
  for (var r = start + lid.x; r < end; r = r + ${REDUCE_WORKGROUP}u) {
    var p = base;
    ${walk("r", redRank, layout.redShape, layout.redStride)}
    let v = ${value};
    ${arg ? "if (better(v, r, acc, at)) { acc = v; at = r; }" : "acc = combine(acc, v);"}
  }
  vals[lid.x] = acc;
  ats[lid.x] = at;
  workgroupBarrier();
  for (var s = ${REDUCE_WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) {
      ${
    arg
      ? "if (better(vals[lid.x + s], ats[lid.x + s], vals[lid.x], ats[lid.x])) { vals[lid.x] = vals[lid.x + s]; ats[lid.x] = ats[lid.x + s]; }"
      : "vals[lid.x] = combine(vals[lid.x], vals[lid.x + s]);"
  }
    }
    workgroupBarrier();
  }
  if (lid.x == 0u && live) {
    B1[u] = ${store(outDtype, result)};
  }
}
`;
}
