/**
 * The WGSL compute shader for one elementwise kernel of the IR. A dispatch walks its elements in one of three
 * ways (an {@link ElementwiseWalk}): strided operands of any rank turn each linear element index into
 * per-operand offsets with the shape and strides from the params array; contiguous operands (stride 1, or 0 for
 * one broadcast element) index memory directly; and when every stepping operand starts on a multiple of 4, four
 * elements move per vec4 load and store, the kernel evaluated once per component (so results are the scalar
 * code's, bit for bit), and the last n % 4 elements one at a time. Invocations walk grid-stride over a bounded
 * number of workgroups, several elements each: per-workgroup and per-element index costs dominate simple kernels
 * on software adapters (Mesa's lavapipe). Scalars come from the params array too, so hyperparameters never change
 * the shader.
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import { type Expr, type Kernel, topoOrder } from "../kernel_ir.ts";
import type { Layout } from "../layout.ts";
import { exprWgsl, helpers, load, scalarParam, storageType, store } from "./wgsl.ts";

/** Threads per workgroup of the elementwise, gather and scatter shaders. */
export const WORKGROUP = 256;

/** Elements (vec4s on the vector walk) each elementwise invocation handles, at least, when there are enough. */
const PER_INVOCATION = 4;

/** The most workgroups one dimension of a dispatch may have. */
export const MAX_GROUPS = 65535;

/** A storage binding of a shader: its dtype and whether it is written. */
export interface Binding {
  readonly dtype: DType;
  readonly writable: boolean;
  /** Declared as atomics (scatter-add's target: float32 as u32 bits, int32 as i32). */
  readonly atomic?: boolean;
}

/**
 * How an elementwise dispatch walks its elements: through shape and strides (`strided`), or directly with each
 * operand stepping 1 or 0 elements per element (`contiguous`), optionally four elements at a time (`vec4`).
 */
export type ElementwiseWalk =
  | { readonly kind: "strided"; readonly rank: number }
  | { readonly kind: "contiguous"; readonly steps: readonly number[]; readonly vec4: boolean };

/**
 * The walk for operands laid out as `layout` (collapsed) whose views start at element `offsets`.
 *
 * @example
 * ```ts ignore
 * chooseWalk({ shape: [8], strides: [[1], [0], [1]] }, [0, 3, 4]);
 * // { kind: "contiguous", steps: [1, 0, 1], vec4: true }
 * ```
 */
export function chooseWalk(layout: Layout, offsets: readonly number[]): ElementwiseWalk {
  const steps = layout.strides.map((s) => s[0]);
  if (layout.shape.length !== 1 || steps.some((s) => s !== 0 && s !== 1)) {
    return { kind: "strided", rank: layout.shape.length };
  }
  const vec4 = offsets.every((o, k) => steps[k] === 0 || o % 4 === 0);
  return { kind: "contiguous", steps, vec4 };
}

/** The part of a pipeline's key that a walk decides. */
export function walkKey(walk: ElementwiseWalk): string {
  return walk.kind === "strided" ? `s${walk.rank}` : `c${walk.steps.join("")}${walk.vec4 ? "v" : ""}`;
}

/** Workgroups (along x) of an elementwise dispatch of `n` elements walked as `walk`. */
export function elementwiseGroups(walk: ElementwiseWalk, n: number): number {
  const units = walk.kind === "contiguous" && walk.vec4 ? Math.ceil(n / 4) : n;
  return Math.max(1, Math.min(Math.ceil(units / (WORKGROUP * PER_INVOCATION)), MAX_GROUPS));
}

function arrayType(b: Binding, vec4: boolean): string {
  if (vec4) return `vec4<${storageType(b.dtype)}>`;
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

/** The storage declarations: params at binding 0, then one array (of vec4s when `vec4`) per binding. */
export function declarations(bindings: readonly Binding[], vec4 = false): string {
  const usesF16 = bindings.some((b) => b.dtype === "float16");
  return [
    usesF16 ? "enable f16;" : "",
    "@group(0) @binding(0) var<storage, read> P: array<u32>;",
    ...bindings.map((b, i) =>
      `@group(0) @binding(${i + 1}) var<storage, ${b.writable ? "read_write" : "read"}> B${i}: array<${
        arrayType(b, vec4)
      }>;`
    ),
    helpers("f32"),
    usesF16 ? helpers("f16") : "",
  ].join("\n");
}

/** What the loop generators share: the kernel, where operand k is stored, and the names of the scalars. */
interface Context {
  readonly kernel: Kernel;
  readonly binding: (k: number) => string;
  readonly scalars: ReadonlyMap<string, string>;
}

/**
 * Statements binding the kernel's values for one element (names end in `suffix`), where input k reads as
 * `input(k)`; returns them and the outputs' values.
 */
function evaluate(
  ctx: Context,
  suffix: string,
  input: (k: number) => string,
): { lines: string[]; results: string[] } {
  const names = new Map(ctx.scalars);
  const lines: string[] = [];
  const ref = (e: Expr): string => names.get(e.key) ?? exprWgsl(e, ref);
  for (const e of topoOrder(ctx.kernel.outputs)) {
    if (e.kind === "const" || e.kind === "scalar") continue;
    const v = `t${names.size}${suffix}`;
    lines.push(`let ${v} = ${e.kind === "input" ? load(e.dtype, input(e.index)) : exprWgsl(e, ref)};`);
    names.set(e.key, v);
  }
  return { lines, results: ctx.kernel.outputs.map(ref) };
}

/**
 * A loop over elements `i` from `from` by `by`, operand k of element i being the reference `element(k)` (after the
 * statements `prelude`).
 */
function elementLoop(
  ctx: Context,
  from: string,
  by: string,
  element: (k: number) => string,
  prelude: readonly string[] = [],
): string {
  const { lines, results } = evaluate(ctx, "", element);
  lines.unshift(...prelude);
  const nIn = ctx.kernel.inputs.length;
  ctx.kernel.outputs.forEach((e, o) => lines.push(`${element(nIn + o)} = ${store(e.dtype, results[o])};`));
  return `for (var i = ${from}; i < n; i = i + ${by}) {
    ${lines.join("\n    ")}
  }`;
}

/** The strided walk: offsets from shape and strides (read once, before the loop) for every element. */
function stridedLoop(ctx: Context, rank: number, operands: number): string {
  const layout = elementwiseLayout(rank, operands);
  const lets: string[] = [];
  for (let d = 1; d < rank; d++) lets.push(`let d${d} = P[${1 + d}];`);
  for (let k = 0; k < operands; k++) {
    for (let d = 0; d < rank; d++) lets.push(`let s${k}_${d} = P[${layout.stride(k, d)}];`);
  }
  const offsets = ["var rem = i;"];
  for (let k = 0; k < operands; k++) offsets.push(`var p${k} = o${k};`);
  for (let d = rank - 1; d >= 0; d--) {
    offsets.push(d === 0 ? `let c${d} = rem;` : `let c${d} = rem % d${d}; rem = rem / d${d};`);
    for (let k = 0; k < operands; k++) offsets.push(`p${k} = p${k} + c${d} * s${k}_${d};`);
  }
  const loop = elementLoop(ctx, "gid.x", "step", (k) => `${ctx.binding(k)}[p${k}]`, offsets);
  return [...lets, loop].join("\n  ");
}

/** Element `j` of operand k stepping `steps[k]` (0 or 1) elements per element. */
function at(steps: readonly number[], k: number, j: string): string {
  return steps[k] === 0 ? `o${k}` : `o${k} + ${j}`;
}

/**
 * The vec4 walk: vec4 i of a stepping operand is elements o_k + 4i … o_k + 4i + 3 (o_k is a multiple of 4); the
 * kernel runs once per component; invocation 0 then does the last n % 4 elements one at a time.
 */
function vec4Loop(ctx: Context, steps: readonly number[]): string {
  const { kernel, binding: B } = ctx;
  const nIn = kernel.inputs.length;
  const lanes = [0, 1, 2, 3];
  const lines = kernel.inputs.map((_, k) =>
    steps[k] === 0
      ? `let a${k} = ${B(k)}[o${k} >> 2u][o${k} & 3u];`
      : `let a${k} = ${B(k)}[(o${k} >> 2u) + i];`
  );
  const parts = lanes.map((c) => evaluate(ctx, `_${c}`, (k) => (steps[k] === 0 ? `a${k}` : `a${k}[${c}]`)));
  for (const part of parts) lines.push(...part.lines);
  kernel.outputs.forEach((e, o) => {
    const k = nIn + o;
    const value = (c: number): string => store(e.dtype, parts[c].results[o]);
    lines.push(
      steps[k] === 0
        ? `${B(k)}[o${k} >> 2u][o${k} & 3u] = ${value(3)};`
        : `${B(k)}[(o${k} >> 2u) + i] = vec4<${storageType(e.dtype)}>(${lanes.map(value)});`,
    );
  });
  const element = (k: number): string => `${B(k)}[(${at(steps, k, "i")}) >> 2u][(${at(steps, k, "i")}) & 3u]`;
  return `for (var i = gid.x; i < n / 4u; i = i + step) {
    ${lines.join("\n    ")}
  }
  if (gid.x == 0u) {
  ${elementLoop(ctx, "n & ~3u", "1u", element)}
  }`;
}

/**
 * The shader for `kernel` walked as `walk`: operand k (inputs, then outputs) is stored in binding `bindingOf[k]`.
 * Params follow {@link elementwiseLayout} with the walk's rank (1 for contiguous walks).
 */
export function elementwiseShader(
  kernel: Kernel,
  walk: ElementwiseWalk,
  bindings: readonly Binding[],
  bindingOf: readonly number[],
): string {
  const operands = kernel.inputs.length + kernel.outputs.length;
  const layout = elementwiseLayout(walk.kind === "strided" ? walk.rank : 1, operands);
  const prologue = ["let n = P[0];"];
  for (let k = 0; k < operands; k++) prologue.push(`let o${k} = P[${layout.offset(k)}];`);
  const scalars = new Map<string, string>();
  for (const e of topoOrder(kernel.outputs)) {
    if (e.kind !== "scalar") continue;
    const v = `t${scalars.size}`;
    prologue.push(`let ${v} = ${scalarParam(e.dtype, String(layout.scalar(e.index)))};`);
    scalars.set(e.key, v);
  }
  const ctx: Context = { kernel, binding: (k) => `B${bindingOf[k]}`, scalars };
  const loop = walk.kind === "strided"
    ? stridedLoop(ctx, walk.rank, operands)
    : walk.vec4
    ? vec4Loop(ctx, walk.steps)
    : elementLoop(ctx, "gid.x", "step", (k) => `${ctx.binding(k)}[${at(walk.steps, k, "i")}]`);
  return `${declarations(bindings, walk.kind === "contiguous" && walk.vec4)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let step = groups.x * ${WORKGROUP}u;
  ${prologue.join("\n  ")}
  ${loop}
}
`;
}
