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

/** Where the index check's own params follow the index view's: size, whether to ignore a value, it, the check's id. */
export function checkParams(rank: number): { size: number; hasIgnore: number; ignore: number; id: number } {
  const base = indexLayout(rank).offset(1);
  return { size: base, hasIgnore: base + 1, ignore: base + 2, id: base + 3 };
}

/**
 * One workgroup walks the index (bindings: index, error record) and finds its first element, in row-major order,
 * outside [0, size) and unequal to the ignored value; unless an earlier check already failed (the record's first
 * word is not 0), it writes [check id, value] to the record. One workgroup keeps "first" deterministic: each
 * invocation finds the first failure of its stride, and a tree of minima over positions picks the earliest.
 */
export function checkShader(rank: number): string {
  const at = checkParams(rank);
  return `${declarations([{ dtype: "int32", writable: false }, { dtype: "int32", writable: true }])}
var<workgroup> firstAt: array<u32, ${WORKGROUP}>;
var<workgroup> firstValue: array<i32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_index) lid: u32) {
  let n = P[0];
  let size = i32(P[${at.size}]);
  let ignoring = P[${at.hasIgnore}] != 0u;
  let ignored = bitcast<i32>(P[${at.ignore}]);
  var found = 0xffffffffu;
  var value = 0;
  for (var i = lid; i < n; i = i + ${WORKGROUP}u) {
    ${offsets(rank, 1, -1)}
    let v = B0[p0];
    if ((v < 0 || v >= size) && !(ignoring && v == ignored)) {
      found = i;
      value = v;
      break;
    }
  }
  firstAt[lid] = found;
  firstValue[lid] = value;
  workgroupBarrier();
  for (var half = ${WORKGROUP / 2}u; half > 0u; half = half >> 1u) {
    if (lid < half && firstAt[lid + half] < firstAt[lid]) {
      firstAt[lid] = firstAt[lid + half];
      firstValue[lid] = firstValue[lid + half];
    }
    workgroupBarrier();
  }
  if (lid == 0u && firstAt[0] != 0xffffffffu && B1[0] == 0) {
    B1[0] = i32(P[${at.id}]);
    B1[1] = firstValue[0];
  }
}
`;
}
