/**
 * Fused elementwise kernels in WebAssembly SIMD for the common case: float32 operands and the operations
 * WebAssembly computes exactly as the JavaScript kernels of compile.ts do (wasm_kernel_code.ts assembles them), on
 * contiguous operands or over planes of rows with operands broadcast per row or per column. Four elements per
 * instruction, so an optimizer's update runs at memory speed instead of at the speed of `Math.fround`. Operands in
 * the arena (wasm_arena.ts) are worked on in place, the second half of a long kernel (shorter when it computes a
 * transcendental) by the helper thread on the other core (wasm_helper.ts); others stream through a scratch block
 * in chunks that stay in cache (small inputs of kernels over rows are staged there whole).
 *
 * @module
 */
import type { Kernel } from "../kernel_ir.ts";
import { sharedArena } from "./wasm_arena.ts";
import { runSplit, sharedHelper } from "./wasm_helper.ts";
import { assemble, type Assembled, SCALAR_BYTES, simdable } from "./wasm_kernel_code.ts";

/** Elements per chunk of the scratch block: every operand's chunk together stays within a core's cache. */
const CHUNK = 4096;

/** Runs a compiled kernel over `n` elements of contiguous float32 operands (inputs, then outputs). */
export type SimdKernel = (operands: readonly SimdOperand[], n: number, scalars: readonly number[]) => void;

/** Kernels of at least this many elements (in the arena) are shared with the helper thread. */
const SHARED_MIN = 1 << 21;
/** The same for kernels with a transcendental: compute-bound, they gain from the second core much sooner. */
const FORMULA_SHARED_MIN = 1 << 15;

/** The scratch block in the arena (scalars, one chunk per operand, staged inputs) and its size in bytes. */
let scratch = { at: -1, bytes: 0 };
/** A float32 view of the arena's memory, remade when the memory grows (made on first use). */
let view: Float32Array<SharedArrayBuffer> | undefined;

/**
 * The scratch block's address, with room for `operands` chunks and `staged` bytes after them, and a float32 view
 * of the whole arena.
 */
function reserve(operands: number, staged = 0): { at: number; mem: Float32Array<SharedArrayBuffer> } {
  const arena = sharedArena();
  const bytes = SCALAR_BYTES + operands * CHUNK * 4 + staged;
  if (scratch.bytes < bytes) {
    if (scratch.at >= 0) arena.free(scratch.at, scratch.bytes);
    const size = Math.max(bytes, 2 * scratch.bytes);
    const at = arena.alloc(size);
    if (at === null) throw new Error("The CPU backend's WebAssembly memory is full (4 GiB)");
    scratch = { at, bytes: size };
  }
  if (view?.buffer !== arena.buffer) view = new Float32Array(arena.buffer);
  return { at: scratch.at, mem: view };
}

/**
 * One operand of a SIMD kernel: a float32 array (in the arena, or elsewhere: then copied through the scratch
 * block) and the element its data starts at.
 */
export interface SimdOperand {
  array: Float32Array;
  offset: number;
}

/** Where each operand's data starts in the arena, in bytes; null unless every one is in the arena. */
function arenaAddresses(operands: readonly SimdOperand[]): number[] | null {
  const arena = sharedArena();
  if (!operands.every((o) => arena.owns(o.array))) return null;
  return operands.map((o) => o.array.byteOffset + o.offset * 4);
}

/** A kernel that only copies inputs to outputs: the arena's memory copy where both ends are in it. */
function copies(kernel: Kernel, nIn: number): SimdKernel {
  return (operands, n) =>
    kernel.outputs.forEach((e, o) => {
      if (e.kind !== "input") return;
      const [from, to] = [operands[e.index], operands[nIn + o]];
      const ends = arenaAddresses([from, to]);
      if (ends !== null) sharedArena().copy(ends[1], ends[0], n * 4);
      else to.array.set(from.array.subarray(from.offset, from.offset + n), to.offset);
    });
}

/**
 * Runs `planes` planes of `rows` rows from `addresses` (see {@link assemble}; strides in bytes), the later half of
 * the planes (or of the rows of a single plane) on the helper when worth it.
 */
function runRows(
  kernel: Assembled,
  rowBytes: number,
  scalarsAt: number,
  addresses: readonly number[],
  [rowStrides, planeStrides]: readonly (readonly number[])[],
  [planes, rows]: readonly number[],
): void {
  const steps = planeStrides.map((p, k) => p - rows * rowStrides[k]);
  const args = (
    at: readonly number[],
    r: number,
    p: number,
  ): number[] => [rowBytes, scalarsAt, ...at, ...rowStrides, ...steps, r, p];
  const elements = (rowBytes / 4) * rows * planes;
  const shared = rows * planes > 1 && elements >= (kernel.heavy ? FORMULA_SHARED_MIN : SHARED_MIN);
  const helper = shared ? sharedHelper() : null;
  if (helper === null) return kernel.run(...args(addresses, rows, planes));
  const byPlanes = planes > 1;
  const half = Math.floor((byPlanes ? planes : rows) / 2);
  const later = addresses.map((a, k) => a + half * (byPlanes ? planeStrides[k] : rowStrides[k]));
  runSplit(
    helper,
    { id: kernel.id, bytes: kernel.bytes, run: (at) => kernel.run(...at) },
    byPlanes ? args(addresses, rows, half) : args(addresses, half, 1),
    byPlanes ? args(later, rows, planes - half) : args(later, rows - half, 1),
  );
}

/**
 * `kernel` as a SIMD kernel, or null when it needs anything beyond float32 and the exact operations above (or the
 * engine has no WebAssembly SIMD): compile.ts's JavaScript kernels then run it. When every operand is in the
 * arena the kernel runs on them in place; otherwise they stream through the scratch block in chunks.
 *
 * @example
 * ```ts
 * import * as ir from "../kernel_ir.ts";
 * import { compileSimd } from "./wasm_elementwise.ts";
 * const axpy = ir.defineKernel(["float32", "float32"], ["float32"], ([x, y], [a]) => [ir.add(ir.mul(a, x), y)]);
 * const run = compileSimd(axpy);
 * const out = new Float32Array(3);
 * const operand = (array: Float32Array) => ({ array, offset: 0 });
 * run?.([operand(new Float32Array([1, 2, 3])), operand(new Float32Array([1, 1, 1])), operand(out)], 3, [2]);
 * console.log(out); // Float32Array [3, 5, 7]
 * ```
 */
export function compileSimd(kernel: Kernel): SimdKernel | null {
  if (!simdable(kernel)) return null;
  const nIn = kernel.inputs.length;
  if (kernel.outputs.every((e) => e.kind === "input")) return copies(kernel, nIn);
  const count = nIn + kernel.outputs.length;
  const assembled = assemble(kernel, kernel.inputs.map(() => false));
  const zeros = new Array(count).fill(0);

  return (operands, n, scalars) => {
    const { at, mem } = reserve(count);
    mem.set(scalars, at / 4);
    let start = 0;
    const addresses = arenaAddresses(operands);
    if (addresses !== null) {
      start = n - (n % 4); // the tail goes through the scratch block: a vector store there would pass the end
      const helper = start >= (assembled.heavy ? FORMULA_SHARED_MIN : SHARED_MIN) ? sharedHelper() : null;
      // The helper takes the second half, from a multiple of 16 elements.
      const half = helper === null ? start : Math.floor(start / 32) * 16;
      const later = addresses.map((a) => a + half * 4);
      const mine = [half * 4, at, ...addresses, ...zeros, ...zeros, 1, 1];
      const run = (args: readonly number[]): void => assembled.run(...args);
      if (helper === null) run(mine);
      else {runSplit(helper, { id: assembled.id, bytes: assembled.bytes, run }, mine, [
          (start - half) * 4,
          at,
          ...later,
          ...zeros,
          ...zeros,
          1,
          1,
        ]);}
    }
    const chunkAt = (k: number): number => at + SCALAR_BYTES + k * CHUNK * 4;
    const chunks = operands.map((_, k) => chunkAt(k));
    for (; start < n; start += CHUNK) {
      const length = Math.min(CHUNK, n - start);
      for (let k = 0; k < nIn; k++) {
        const { array, offset } = operands[k];
        mem.set(array.subarray(offset + start, offset + start + length), chunkAt(k) / 4);
      }
      assembled.run(Math.ceil(length / 4) * 16, at, ...chunks, ...zeros, ...zeros, 1, 1);
      for (let k = nIn; k < count; k++) {
        const { array, offset } = operands[k];
        array.set(mem.subarray(chunkAt(k) / 4, chunkAt(k) / 4 + length), offset + start);
      }
    }
  };
}

/**
 * Runs a kernel over planes of rows: `n` elements (a multiple of 4) in each of `rows` rows of each of `planes`
 * planes, operand k's row r of plane p starting at element offset + p·planes[k] + r·rows[k] of its array (strides
 * non-negative), the inputs marked broadcast holding one value per row. Returns false, having done nothing, when
 * an output is outside the arena or an input outside it is large.
 */
export type SimdRowsKernel = (
  operands: readonly SimdOperand[],
  strides: { rows: readonly number[]; planes: readonly number[] },
  [planes, rows, n]: readonly number[],
  scalars: readonly number[],
) => boolean;

/** Inputs outside the arena of at most this many elements are staged in it for a kernel over rows. */
const STAGED_MAX = 1 << 16;

/**
 * `kernel` over rows (strided or broadcast operands: a LayerNorm's [rows, n] with [rows, 1] and [n], a transposed
 * copy), or null where {@link compileSimd} would be. `broadcast[k]` marks the inputs that hold one value per row.
 * Outputs must be in the arena; small inputs outside it are copied into its scratch block first (operands that
 * are neither are refused: see {@link SimdRowsKernel}). The results are
 * those of the JavaScript kernels, as for {@link compileSimd}.
 *
 * @example
 * ```ts ignore
 * import * as ir from "../kernel_ir.ts";
 * import { compileSimdRows } from "./wasm_elementwise.ts";
 * const sub = ir.defineKernel(["float32", "float32"], [], ([x, m]) => [ir.sub(x, m)]);
 * const run = compileSimdRows(sub, [false, true]);
 * // x [768, 128] minus each row's mean [768, 1]: strides 128 and 1 per row, the output's 128; one plane.
 * run?.([x, mean, out], { rows: [128, 1, 128], planes: [0, 0, 0] }, [1, 768, 128], []);
 * ```
 */
export function compileSimdRows(kernel: Kernel, broadcast: readonly boolean[]): SimdRowsKernel | null {
  if (!simdable(kernel)) return null;
  const nIn = kernel.inputs.length;
  const count = nIn + kernel.outputs.length;
  const assembled = assemble(kernel, broadcast);
  const arena = sharedArena();
  return (operands, strides, [planes, rows, n], scalars) => {
    const spans = operands.map((_, k) =>
      (planes - 1) * strides.planes[k] + (rows - 1) * strides.rows[k] + (broadcast[k] ? 1 : n)
    );
    const staged = operands.map((o, k) => !arena.owns(o.array) && k < nIn);
    if (operands.some((o, k) => !arena.owns(o.array) && (k >= nIn || spans[k] > STAGED_MAX))) return false;
    const stagedBytes = spans.reduce((total, span, k) => total + (staged[k] ? span * 4 + 64 : 0), 0);
    const { at, mem } = reserve(count, stagedBytes);
    mem.set(scalars, at / 4);
    let next = at + SCALAR_BYTES + count * CHUNK * 4;
    const addresses = operands.map((o, k) => {
      if (!staged[k]) return o.array.byteOffset + o.offset * 4;
      const to = next;
      mem.set(o.array.subarray(o.offset, o.offset + spans[k]), to / 4);
      next += Math.ceil(spans[k] / 16) * 64;
      return to;
    });
    const inBytes = [strides.rows, strides.planes].map((ss) => ss.map((x) => x * 4));
    runRows(assembled, n * 4, at, addresses, inBytes, [planes, rows]);
    return true;
  };
}
