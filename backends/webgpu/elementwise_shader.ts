/**
 * The WGSL compute shader for one elementwise kernel of the IR over strided operands of a given rank. Each
 * invocation walks elements grid-stride, turns the linear element index into per-operand offsets with the shape
 * and strides from the params array, and evaluates the kernel's outputs. Scalars come from the params array too,
 * so hyperparameters never change the shader.
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import { type Expr, type Kernel, topoOrder } from "../kernel_ir.ts";
import { exprWgsl, helpers, load, scalarParam, storageType, store } from "./wgsl.ts";

/** Threads per workgroup of the elementwise, gather and scatter shaders. */
export const WORKGROUP = 256;

/** A storage binding of a shader: its dtype and whether it is written. */
export interface Binding {
  readonly dtype: DType;
  readonly writable: boolean;
  /** Declared as atomics (scatter-add's target: float32 as u32 bits, int32 as i32). */
  readonly atomic?: boolean;
}

function arrayType(b: Binding): string {
  if (!b.atomic) return storageType(b.dtype);
  if (b.dtype !== "float32" && b.dtype !== "int32") throw new Error(`no atomics for ${b.dtype} buffers`);
  return b.dtype === "int32" ? "atomic<i32>" : "atomic<u32>";
}

/**
 * Where each params field lives for an elementwise dispatch: [n, shape…, per operand (offset, strides…), scalars…].
 */
export function elementwiseLayout(
  rank: number,
  operands: number,
): {
  offset: (k: number) => number;
  stride: (k: number, d: number) => number;
  scalar: (j: number) => number;
} {
  const base = 1 + rank;
  return {
    offset: (k) => base + k * (1 + rank),
    stride: (k, d) => base + k * (1 + rank) + 1 + d,
    scalar: (j) => base + operands * (1 + rank) + j,
  };
}

/** The storage declarations: params at binding 0, then one array per binding. */
export function declarations(bindings: readonly Binding[]): string {
  const usesF16 = bindings.some((b) => b.dtype === "float16");
  return [
    usesF16 ? "enable f16;" : "",
    "@group(0) @binding(0) var<storage, read> P: array<u32>;",
    ...bindings.map((b, i) =>
      `@group(0) @binding(${i + 1}) var<storage, ${b.writable ? "read_write" : "read"}> B${i}: array<${
        arrayType(b)
      }>;`
    ),
    helpers("f32"),
    usesF16 ? helpers("f16") : "",
  ].join("\n");
}

/** WGSL statements that set `p<k>` to operand k's offset for element `i` of a shape of `rank`. */
export function offsetsCode(
  rank: number,
  operands: number,
  layout: ReturnType<typeof elementwiseLayout>,
): string {
  const lines = [`var rem = i;`];
  for (let k = 0; k < operands; k++) lines.push(`var p${k} = P[${layout.offset(k)}];`);
  for (let d = rank - 1; d >= 0; d--) {
    lines.push(d === 0 ? `let c${d} = rem;` : `let c${d} = rem % P[${1 + d}]; rem = rem / P[${1 + d}];`);
    for (let k = 0; k < operands; k++) lines.push(`p${k} = p${k} + c${d} * P[${layout.stride(k, d)}];`);
  }
  return lines.join("\n    ");
}

/**
 * The shader for `kernel`: operand k (inputs, then outputs) is stored in binding `bindingOf[k]`; the elementwise
 * shape has `rank` dimensions.
 */
export function elementwiseShader(
  kernel: Kernel,
  rank: number,
  bindings: readonly Binding[],
  bindingOf: readonly number[],
): string {
  const nIn = kernel.inputs.length;
  const operands = nIn + kernel.outputs.length;
  const layout = elementwiseLayout(rank, operands);
  const names = new Map<string, string>();
  const body: string[] = [];
  const scalars: string[] = [];
  const ref = (e: Expr): string => names.get(e.key) ?? exprWgsl(e, ref);
  for (const e of topoOrder(kernel.outputs)) {
    if (e.kind === "const") continue;
    const v = `t${names.size}`;
    if (e.kind === "scalar") {
      scalars.push(`let ${v} = ${scalarParam(e.dtype, String(layout.scalar(e.index)))};`);
    } else if (e.kind === "input") {
      body.push(`let ${v} = ${load(e.dtype, `B${bindingOf[e.index]}[p${e.index}]`)};`);
    } else {
      body.push(`let ${v} = ${exprWgsl(e, ref)};`);
    }
    names.set(e.key, v);
  }
  kernel.outputs.forEach((e, o) => {
    const k = nIn + o;
    body.push(`B${bindingOf[k]}[p${k}] = ${store(e.dtype, ref(e))};`);
  });
  return `${declarations(bindings)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let n = P[0];
  let step = groups.x * ${WORKGROUP}u;
  ${scalars.join("\n  ")}
  for (var i = gid.x; i < n; i = i + step) {
    ${offsetsCode(rank, operands, layout)}
    ${body.join("\n    ")}
  }
}
`;
}
