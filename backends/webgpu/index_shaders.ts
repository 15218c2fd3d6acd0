/**
 * The WGSL gather and scatter-add. Both walk the index's shape; scatter-add accumulates with atomics (a
 * compare-exchange loop on the float's bits, since WGSL has no float atomics).
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import { declarations, WORKGROUP } from "./elementwise_shader.ts";

/** Params of both shaders: [n, shape…, (offset, strides…) per operand]; operand order source/target, index, values. */
export function indexLayout(
  rank: number,
): { offset: (k: number) => number; stride: (k: number, d: number) => number } {
  const base = 1 + rank;
  return { offset: (k) => base + k * (1 + rank), stride: (k, d) => base + k * (1 + rank) + 1 + d };
}

/** Offsets of `operands` for element `i`; operand 0 skips dimension `dim` (the index supplies it). */
function offsets(rank: number, operands: number, dim: number): string {
  const layout = indexLayout(rank);
  const lines = ["var rem = i;"];
  for (let k = 0; k < operands; k++) lines.push(`var p${k} = P[${layout.offset(k)}];`);
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(d === 0 ? `let c${d} = rem;` : `let c${d} = rem % P[${1 + d}]; rem = rem / P[${1 + d}];`);
    for (let k = 0; k < operands; k++) {
      if (k === 0 && d === dim) continue;
      lines.push(`p${k} = p${k} + c${d} * P[${layout.stride(k, d)}];`);
    }
  }
  return lines.join("\n    ");
}

function kernel(body: string, rank: number, operands: number, dim: number): string {
  return `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let n = P[0];
  let step = groups.x * ${WORKGROUP}u;
  for (var i = gid.x; i < n; i = i + step) {
    ${offsets(rank, operands, dim)}
    ${body}
  }
}
`;
}

/** `out[i] = source[i with dim = index[i]]`; bindings: source, index, out (contiguous). */
export function gatherShader(dtype: DType, rank: number, dim: number): string {
  const layout = indexLayout(rank);
  const body = `B2[i] = B0[p0 + u32(B1[p1]) * P[${layout.stride(0, dim)}]];`;
  return `${
    declarations([{ dtype, writable: false }, { dtype: "int32", writable: false }, { dtype, writable: true }])
  }
${kernel(body, rank, 2, dim)}`;
}

/** `target[i with dim = index[i]] += values[i]`; bindings: target (atomic), index, values. */
export function scatterAddShader(dtype: "float32" | "int32", rank: number, dim: number): string {
  const layout = indexLayout(rank);
  const at = `p0 + u32(B1[p1]) * P[${layout.stride(0, dim)}]`;
  const body = dtype === "int32" ? `atomicAdd(&B0[${at}], B2[p2]);` : `let q = ${at};
    let v = B2[p2];
    var old = atomicLoad(&B0[q]);
    loop {
      let r = atomicCompareExchangeWeak(&B0[q], old, bitcast<u32>(bitcast<f32>(old) + v));
      if (r.exchanged) { break; }
      old = r.old_value;
    }`;
  const bindings = [{ dtype, writable: true, atomic: true }, { dtype: "int32" as const, writable: false }, {
    dtype,
    writable: false,
  }];
  return `${declarations(bindings)}
${kernel(body, rank, 3, dim)}`;
}
