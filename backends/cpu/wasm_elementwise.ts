/**
 * Fused elementwise kernels in WebAssembly SIMD for the common case: every operand float32 and contiguous, and only
 * the operations WebAssembly computes exactly as the JavaScript kernels of compile.ts do (add, sub, mul, div,
 * sqrt, min, max, neg, abs, recip, and `where` on a float32 condition: IEEE float32 results, which is what
 * rounding every float64 result to float32 gives). Four elements per instruction, so an optimizer's update runs at memory speed instead of at the speed of
 * `Math.fround`. Operands are streamed through the module's memory in chunks that stay in cache.
 *
 * @module
 */
import { type Expr, type Kernel, topoOrder } from "../kernel_ir.ts";
import { countedLoop, HAS_SIMD, I32, moduleOf, op, V128 } from "./wasm_asm.ts";

/** Elements per chunk: every operand's chunk together stays within a core's cache. */
const CHUNK = 4096;
/** Bytes before the operands' chunks, holding the runtime scalars as float32. */
const SCALAR_BYTES = 1024;

const UNARY = { neg: op.f32x4.neg, abs: op.f32x4.abs, sqrt: op.f32x4.sqrt } as Record<string, number[]>;
const BINARY = {
  add: op.f32x4.add,
  sub: op.f32x4.sub,
  mul: op.f32x4.mul,
  div: op.f32x4.div,
  min: op.f32x4.min,
  max: op.f32x4.max,
} as Record<string, number[]>;

/** Runs a compiled kernel over `n` elements of contiguous float32 operands (inputs, then outputs). */
export type SimdKernel = (
  arrays: readonly Float32Array[],
  offsets: readonly number[],
  n: number,
  scalars: readonly number[],
) => void;

function supported(e: Expr): boolean {
  if (e.dtype !== "float32") return false;
  switch (e.kind) {
    case "input":
    case "scalar":
    case "const":
      return true;
    case "unary":
      return e.op in UNARY || e.op === "recip";
    case "binary":
      return e.op in BINARY;
    case "where":
      return e.cond.dtype === "float32";
    default:
      return false;
  }
}

/** The instructions computing `e` from the locals of its operands (`local`) and constants. */
function instruction(e: Expr, local: (e: Expr) => number): number[] {
  switch (e.kind) {
    case "unary":
      return e.op === "recip"
        ? [...op.f32Const(1), ...op.f32x4Splat, ...op.get(local(e.a)), ...op.f32x4.div]
        : [...op.get(local(e.a)), ...UNARY[e.op]];
    case "binary":
      return [...op.get(local(e.a)), ...op.get(local(e.b)), ...BINARY[e.op]];
    case "where": // a float32 condition holds where it is not ±0 (NaN holds), as `cond !== 0` does
      return [
        ...op.get(local(e.a)),
        ...op.get(local(e.b)),
        ...op.get(local(e.cond)),
        ...op.v128Zero,
        ...op.f32x4Ne,
        ...op.v128Bitselect,
      ];
    default:
      throw new Error(`no SIMD instruction for a ${e.kind} expression`);
  }
}

/**
 * Memory shared by every SIMD elementwise kernel: scalars, then one chunk per operand.
 */
let memory: WebAssembly.Memory | undefined;
let view: Float32Array = new Float32Array(0);

function reserve(operands: number): Float32Array {
  memory ??= new WebAssembly.Memory({ initial: 1 });
  const bytes = SCALAR_BYTES + operands * CHUNK * 4;
  if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
  return view;
}

/**
 * `kernel` as a SIMD kernel, or null when it needs anything beyond float32 and the exact operations above (or the
 * engine has no WebAssembly SIMD): compile.ts's JavaScript kernels then run it.
 *
 * @example
 * ```ts
 * import * as ir from "../kernel_ir.ts";
 * import { compileSimd } from "./wasm_elementwise.ts";
 * const axpy = ir.defineKernel(["float32", "float32"], ["float32"], ([x, y], [a]) => [ir.add(ir.mul(a, x), y)]);
 * const run = compileSimd(axpy);
 * const out = new Float32Array(3);
 * run?.([new Float32Array([1, 2, 3]), new Float32Array([1, 1, 1]), out], [0, 0, 0], 3, [2]);
 * console.log(out); // Float32Array [3, 5, 7]
 * ```
 */
export function compileSimd(kernel: Kernel): SimdKernel | null {
  const order = topoOrder(kernel.outputs);
  if (!HAS_SIMD || kernel.inputs.some((d) => d !== "float32") || !order.every(supported)) return null;
  // A plain copy is the engine's memory copy in compile.ts already.
  if (kernel.outputs.every((e) => e.kind === "input")) return null;
  const nIn = kernel.inputs.length;
  const operands = nIn + kernel.outputs.length;
  if (kernel.scalars.length * 4 > SCALAR_BYTES) return null;
  const chunkAt = (k: number): number => SCALAR_BYTES + k * CHUNK * 4;

  // Parameter 0: bytes to process; local 1: the byte position; then one v128 local per expression.
  const locals = new Map<string, number>();
  const local = (e: Expr): number => locals.get(e.key)!;
  const hoisted: number[] = [];
  const body: number[] = [];
  for (const e of order) {
    locals.set(e.key, 2 + locals.size);
    const set = op.set(local(e));
    if (e.kind === "const") hoisted.push(...op.f32Const(e.value), ...op.f32x4Splat, ...set);
    else if (e.kind === "scalar") {
      hoisted.push(...op.i32(0), ...op.f32Load(e.index * 4), ...op.f32x4Splat, ...set);
    } else if (e.kind === "input") body.push(...op.get(1), ...op.v128Load(chunkAt(e.index)), ...set);
    else body.push(...instruction(e, local), ...set);
  }
  kernel.outputs.forEach((e, o) =>
    body.push(...op.get(1), ...op.get(local(e)), ...op.v128Store(chunkAt(nIn + o)))
  );
  const code = [...hoisted, ...countedLoop(1, 0, 16, body)];
  const bytes = moduleOf("kernel", 1, [[1, I32], [locals.size, V128]], code);
  reserve(operands);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory! } });
  const run = instance.exports.kernel as (bytes: number) => void;

  return (arrays, offsets, n, scalars) => {
    const mem = reserve(operands);
    mem.set(scalars);
    for (let start = 0; start < n; start += CHUNK) {
      const length = Math.min(CHUNK, n - start);
      for (let k = 0; k < nIn; k++) {
        mem.set(arrays[k].subarray(offsets[k] + start, offsets[k] + start + length), chunkAt(k) / 4);
      }
      run(Math.ceil(length / 4) * 16);
      for (let k = nIn; k < operands; k++) {
        arrays[k].set(mem.subarray(chunkAt(k) / 4, chunkAt(k) / 4 + length), offsets[k] + start);
      }
    }
  };
}
