/**
 * The WGSL matrix product: each workgroup of 16×16 threads computes a 64×64 tile of one batch's output, every thread
 * a 4×4 block, stepping through k in slices of 16 staged in workgroup memory. Operands are read through their
 * strides (transposed views need no copy) and accumulate in float32.
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import { declarations } from "./elementwise_shader.ts";
import { store, valueType } from "./wgsl.ts";

/** Output rows and columns per workgroup. */
export const MATMUL_TILE = 64;

/** The 16 multiply-adds of one k step, unrolled: acc[4i + j] += a[i] · b[j]. */
function products(): string {
  const lines: string[] = [];
  for (let i = 0; i < 4; i++) {
    for (const [j, c] of ["x", "y", "z", "w"].entries()) {
      lines.push(`acc[${i * 4 + j}] = acc[${i * 4 + j}] + a.${"xyzw"[i]} * b.${c};`);
    }
  }
  return lines.join("\n      ");
}

/**
 * The shader for operands and output of `dtype` (float32 or float16). Params: [m, n, k, batchBase, aOffset, aBatch,
 * aRow, aCol, bOffset, bBatch, bRow, bCol].
 */
export function matmulShader(dtype: DType): string {
  const t = valueType(dtype);
  const read = (buf: string, at: string): string => (t === "f32" ? `${buf}[${at}]` : `f32(${buf}[${at}])`);
  return `${declarations([{ dtype, writable: false }, { dtype, writable: false }, { dtype, writable: true }])}
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = P[0];
  let N = P[1];
  let K = P[2];
  let batch = P[3] + wg.z;
  let aBase = P[4] + batch * P[5];
  let bBase = P[8] + batch * P[9];
  let row0 = wg.y * 64u;
  let col0 = wg.x * 64u;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < K; k0 = k0 + 16u) {
    for (var j = 0u; j < 4u; j = j + 1u) {
      let e = tid + 256u * j;
      let am = e / 16u;
      let ak = e % 16u;
      var av = 0.0;
      if (row0 + am < M && k0 + ak < K) { av = ${
    read("B0", "aBase + (row0 + am) * P[6] + (k0 + ak) * P[7]")
  }; }
      As[ak * 64u + am] = av;
      let bk = e / 64u;
      let bn = e % 64u;
      var bv = 0.0;
      if (k0 + bk < K && col0 + bn < N) { bv = ${
    read("B1", "bBase + (k0 + bk) * P[10] + (col0 + bn) * P[11]")
  }; }
      Bs[bk * 64u + bn] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk = kk + 1u) {
      let a = vec4<f32>(As[kk * 64u + lid.y * 4u], As[kk * 64u + lid.y * 4u + 1u], As[kk * 64u + lid.y * 4u + 2u], As[kk * 64u + lid.y * 4u + 3u]);
      let b = vec4<f32>(Bs[kk * 64u + lid.x * 4u], Bs[kk * 64u + lid.x * 4u + 1u], Bs[kk * 64u + lid.x * 4u + 2u], Bs[kk * 64u + lid.x * 4u + 3u]);
      ${products()}
    }
    workgroupBarrier();
  }
  let outBase = batch * M * N;
  for (var i = 0u; i < 4u; i = i + 1u) {
    for (var j = 0u; j < 4u; j = j + 1u) {
      let r = row0 + lid.y * 4u + i;
      let c = col0 + lid.x * 4u + j;
      if (r < M && c < N) { B2[outBase + r * N + c] = ${
    store(dtype, t === "f32" ? "acc[i * 4u + j]" : "f16(acc[i * 4u + j])")
  }; }
    }
  }
}
`;
}
