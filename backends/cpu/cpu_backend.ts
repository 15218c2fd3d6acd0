/**
 * The CPU backend: typed arrays in host memory (large float32 ones in the SIMD kernels' arena), kernels compiled to
 * JavaScript loops, the exact float32 ones also to WebAssembly SIMD. It is the reference the other backends are
 * tested against.
 *
 * @module
 */
import { bytesPerElement, type DType, hostArray, type TypedArray } from "../../tensor/dtype.ts";
import {
  type Backend,
  type DeviceBuffer,
  type DeviceStats,
  type IndexBounds,
  type ReduceOp,
  type View,
  zeroStats,
} from "../backend.ts";
import type { Kernel } from "../kernel_ir.ts";
import { type CompiledKernel, compileKernel, type InnerStride } from "./compile.ts";
import { firstOutside, gatherCpu, scatterAddCpu } from "./gather.ts";
import { collapse } from "../layout.ts";
import { matmulCpu } from "./matmul.ts";
import { reduceCpu } from "./reduce.ts";
import { compileSimd, compileSimdRows, type SimdKernel, type SimdRowsKernel } from "./wasm_elementwise.ts";
import { offsets } from "./reduce.ts";
import { sharedArena } from "./wasm_arena.ts";
import { simdTranspose } from "./wasm_transpose.ts";

/** The SIMD transposing copy, or null where WebAssembly SIMD is unavailable. */
const transpose = simdTranspose();

/** A CPU buffer: a typed array of its dtype. */
export class CpuBuffer implements DeviceBuffer {
  /** Wraps `array`, which holds `length` elements of `dtype` (in the arena or in the JavaScript heap). */
  constructor(readonly dtype: DType, readonly length: number, readonly array: TypedArray) {}
}

/** Freed arrays kept for reuse, at most this many bytes: large fresh arrays cost page faults, reused ones do not. */
const POOL_BYTES = 256 * 2 ** 20;
/** Float32 buffers of at least this many bytes live in the arena, where the SIMD kernels work on them in place. */
const ARENA_MIN_BYTES = 4096;

function arrayOf(buffer: DeviceBuffer): TypedArray {
  if (!(buffer instanceof CpuBuffer)) {
    throw new Error("Expected a CPU buffer, got a buffer of another device");
  }
  return buffer.array;
}

/**
 * The CPU implementation of {@link Backend}.
 *
 * @example
 * ```ts
 * import { CpuBackend } from "@gradstep/gradstep/backends";
 * const cpu = new CpuBackend();
 * const buf = cpu.alloc(3, "float32");
 * cpu.write(buf, new Float32Array([1, 2, 3]));
 * console.log(cpu.readSync(buf)); // Float32Array [1, 2, 3]
 * ```
 */
export class CpuBackend implements Backend {
  /** Work counters since creation (see {@link DeviceStats}; `submits` stays 0: each primitive runs at once). */
  readonly stats: DeviceStats = zeroStats();
  #kernels = new Map<string, CompiledKernel>();
  #simdKernels = new Map<string, SimdKernel | null>();
  #simdRowsKernels = new Map<string, SimdRowsKernel | null>();
  #pool = new Map<string, TypedArray[]>();
  #pooledBytes = 0;

  /**
   * Allocates `length` elements of `dtype` (zeroed unless `zeroed` is false): large float32 buffers in the arena
   * while it has room, others reusing a freed array of that size when there is one.
   */
  alloc(length: number, dtype: DType, zeroed = true): DeviceBuffer {
    this.stats.allocations++;
    this.stats.bytesAllocated += length * bytesPerElement(dtype);
    if (dtype === "float32" && length * 4 >= ARENA_MIN_BYTES && this.simd) {
      const arena = sharedArena();
      const at = arena.alloc(length * 4, zeroed);
      if (at !== null) return new CpuBuffer(dtype, length, new Float32Array(arena.buffer, at, length));
    }
    const reused = this.#pool.get(`${dtype}:${length}`)?.pop();
    if (reused === undefined) return new CpuBuffer(dtype, length, hostArray(dtype, length));
    this.#pooledBytes -= reused.byteLength;
    return new CpuBuffer(dtype, length, zeroed ? reused.fill(0) : reused);
  }

  /** Copies `data` into the buffer from element `offset` on. */
  write(buffer: DeviceBuffer, data: TypedArray, offset = 0): void {
    this.stats.writes++;
    arrayOf(buffer).set(data, offset);
  }

  /**
   * A copy of `length` elements from `offset` (the whole buffer by default).
   *
   * @example
   * ```ts
   * import { CpuBackend } from "@gradstep/gradstep/backends";
   * const backend = new CpuBackend();
   * const x = backend.alloc(6, "float32");
   * backend.write(x, new Float32Array([1, 2, 3, 4, 5, 6]));
   * const tail = await backend.read(x, 4); // Float32Array [5, 6]
   * ```
   */
  read(buffer: DeviceBuffer, offset = 0, length?: number): Promise<TypedArray> {
    return Promise.resolve(this.readSync(buffer, offset, length));
  }

  /** Like {@link CpuBackend.read}, synchronously (only the CPU can). */
  readSync(buffer: DeviceBuffer, offset = 0, length?: number): TypedArray {
    this.stats.readbacks++;
    return arrayOf(buffer).slice(offset, offset + (length ?? buffer.length - offset));
  }

  /**
   * Gives arena blocks back; keeps other arrays for reuse while the pool has room (the collector takes the rest).
   *
   * @example
   * ```ts
   * import { CpuBackend } from "@gradstep/gradstep/backends";
   * const backend = new CpuBackend();
   * const buffer = backend.alloc(4, "float32");
   * backend.free(buffer); // not to be used again
   * ```
   */
  free(buffer: DeviceBuffer): void {
    const array = arrayOf(buffer);
    const arena = sharedArena();
    if (arena.owns(array)) return arena.free(array.byteOffset, array.byteLength);
    if (array.byteLength < 4096 || this.#pooledBytes + array.byteLength > POOL_BYTES) return;
    const key = `${buffer.dtype}:${buffer.length}`;
    const list = this.#pool.get(key);
    if (list === undefined) this.#pool.set(key, [array]);
    else list.push(array);
    this.#pooledBytes += array.byteLength;
  }

  /**
   * Whether contiguous float32 kernels of exact operations run in WebAssembly SIMD (wasm_elementwise.ts) rather
   * than as compile.ts's JavaScript loops, which stay the reference; the results are the same either way.
   */
  simd = true;

  #simdKernel(kernel: Kernel): SimdKernel | null {
    let simd = this.#simdKernels.get(kernel.key);
    if (simd === undefined) {
      this.#simdKernels.set(kernel.key, simd = compileSimd(kernel));
      if (simd !== null) this.stats.pipelines++;
    }
    return simd;
  }

  /** The kernel over rows for inputs broadcast (one value per row) or not, as `inner` says. */
  #simdRowsKernel(kernel: Kernel, inner: readonly InnerStride[]): SimdRowsKernel | null {
    const key = `${kernel.key}#${inner.join("")}`;
    let simd = this.#simdRowsKernels.get(key);
    if (simd === undefined) {
      simd = compileSimdRows(kernel, inner.slice(0, kernel.inputs.length).map((s) => s === "0"));
      if (simd !== null) this.stats.pipelines++;
      this.#simdRowsKernels.set(key, simd);
    }
    return simd;
  }

  /**
   * Runs `kernel` over planes of rows in SIMD when every operand walks its last dimension by 1 (or, for an input,
   * not at all) and no stride is negative, on each row's first columns up to a multiple of 4; returns how many
   * columns it took (0 when it cannot: the JavaScript kernel then runs them all).
   */
  #elementwiseRows(
    kernel: Kernel,
    layout: { shape: readonly number[]; strides: readonly (readonly number[])[] },
    inner: readonly InnerStride[],
    views: readonly View[],
    scalars: readonly number[],
  ): number {
    const nd = layout.shape.length, n = layout.shape[nd - 1] - (layout.shape[nd - 1] % 4);
    // Outputs must not repeat (a stride of 0 would have the helper and this thread write the same elements).
    const outputs = layout.strides.slice(kernel.inputs.length);
    if (n === 0 || inner.some((s) => s === "s") || layout.strides.some((s) => s.some((x) => x < 0))) return 0;
    if (outputs.some((s) => s.some((x, d) => x === 0 && layout.shape[d] > 1))) return 0;
    const simd = this.#simdRowsKernel(kernel, inner);
    if (simd === null) return 0;
    /** Dimension `d` from the end: its size and every operand's stride (size 1, strides 0 where there is none). */
    const dim = (d: number): [number, number[]] =>
      nd > d ? [layout.shape[nd - 1 - d], layout.strides.map((s) => s[nd - 1 - d])] : [1, views.map(() => 0)];
    const [[rows, rowStrides], [planes, planeStrides]] = [dim(1), dim(2)];
    // Dimensions before the planes: one call per index, from each operand's offsets.
    const outer = layout.shape.slice(0, Math.max(nd - 3, 0));
    const starts = layout.strides.map((s) => offsets(outer, s.slice(0, outer.length)));
    const arrays = views.map((v) => arrayOf(v.buffer) as Float32Array);
    const strides = { rows: rowStrides, planes: planeStrides };
    for (let i = 0; i < starts[0].length; i++) {
      const operands = views.map((v, k) => ({ array: arrays[k], offset: v.offset + starts[k][i] }));
      // Refused for the arrays it is given, hence at the first call or never.
      if (!simd(operands, strides, [planes, rows, n], scalars)) return 0;
    }
    return n;
  }

  /**
   * Runs a fused elementwise kernel, compiling it on first use for each stride pattern.
   *
   * @example
   * ```ts
   * import { CpuBackend, defineKernel, mul } from "@gradstep/gradstep/backends";
   * const backend = new CpuBackend();
   * const double = defineKernel(["float32"], [], ([v]) => [mul(v, 2)]);
   * const x = backend.alloc(6, "float32");
   * backend.write(x, new Float32Array([1, 2, 3, 4, 5, 6]));
   * const y = backend.alloc(6, "float32", false);
   * const row = { offset: 0, strides: [1] };
   * backend.elementwise(double, [6], [{ buffer: x, ...row }], [{ buffer: y, ...row }], []);
   * const doubled = await backend.read(y); // Float32Array [2, 4, 6, 8, 10, 12]
   * ```
   */
  elementwise(
    kernel: Kernel,
    shape: readonly number[],
    inputs: readonly View[],
    outputs: readonly View[],
    scalars: readonly number[],
  ): void {
    if (shape.includes(0)) return;
    this.stats.dispatches++;
    const operands = [...inputs, ...outputs];
    const layout = collapse(shape, operands.map((v) => v.strides));
    const inner = layout.strides.map((s): InnerStride => {
      const last = s[s.length - 1];
      return last === 1 ? "1" : last === 0 ? "0" : "s";
    });
    for (let o = inputs.length; o < operands.length; o++) if (inner[o] === "0") inner[o] = "s";
    if (layout.shape.length === 1 && inner.every((s) => s === "1") && this.simd) {
      const simd = this.#simdKernel(kernel);
      if (simd !== null) {
        simd(
          operands.map((v) => ({ array: arrayOf(v.buffer) as Float32Array, offset: v.offset })),
          layout.shape[0],
          scalars,
        );
        return;
      }
    }
    if (this.simd && this.#transposed(kernel, layout, operands)) return;
    // Rows whose length is not a multiple of 4: their whole vectors in SIMD, the last few columns here.
    const n = layout.shape[layout.shape.length - 1];
    const vectors = this.simd ? this.#elementwiseRows(kernel, layout, inner, operands, scalars) : 0;
    if (vectors === n) return;
    this.#jsKernel(kernel, inner)(
      operands.map((v) => arrayOf(v.buffer)),
      operands.map((v, k) => v.offset + vectors * layout.strides[k][layout.shape.length - 1]),
      layout.strides,
      [...layout.shape.slice(0, -1), n - vectors],
      scalars,
    );
  }

  /**
   * A copy of one float32 input read down its columns into an output written along its rows (a transpose made
   * contiguous) in SIMD tiles (wasm_transpose.ts), one call per index of the leading dimensions; false, having
   * done nothing, for any other kernel or layout.
   */
  #transposed(
    kernel: Kernel,
    layout: { shape: readonly number[]; strides: readonly (readonly number[])[] },
    views: readonly View[],
  ): boolean {
    const nd = layout.shape.length;
    if (transpose === null || nd < 2 || views.length !== 2 || kernel.outputs[0]?.kind !== "input") {
      return false;
    }
    const [[srcRow, srcCol], [dstRow, dstCol]] = layout.strides.map((s) => s.slice(nd - 2));
    if (srcRow !== 1 || dstCol !== 1 || srcCol < 1 || dstRow < layout.shape[nd - 1]) return false;
    const [src, dst] = views.map((v) => arrayOf(v.buffer));
    if (!(src instanceof Float32Array) || !(dst instanceof Float32Array)) return false;
    const outer = layout.shape.slice(0, nd - 2);
    const [srcStarts, dstStarts] = layout.strides.map((s) => offsets(outer, s.slice(0, nd - 2)));
    const shape = { rows: layout.shape[nd - 2], cols: layout.shape[nd - 1], srcCol, dstRow };
    for (let i = 0; i < srcStarts.length; i++) {
      const at = [views[0].offset + srcStarts[i], views[1].offset + dstStarts[i]];
      // Refused for the arrays it is given, hence at the first call or never.
      if (!transpose(src, at[0], dst, at[1], shape)) return false;
    }
    return true;
  }

  /** compile.ts's JavaScript loop for `kernel` with these innermost strides, compiled on first use. */
  #jsKernel(kernel: Kernel, inner: readonly InnerStride[]): CompiledKernel {
    const key = `${kernel.key}#${inner.join("")}`;
    let run = this.#kernels.get(key);
    if (run === undefined) {
      run = compileKernel(kernel, inner);
      this.stats.pipelines++;
      this.#kernels.set(key, run);
    }
    return run;
  }

  /**
   * Reduces the trailing dimensions of `input` into `out`.
   *
   * @example
   * ```ts
   * import { CpuBackend } from "@gradstep/gradstep/backends";
   * const backend = new CpuBackend();
   * const x = backend.alloc(6, "float32");
   * backend.write(x, new Float32Array([1, 2, 3, 4, 5, 6]));
   * const sums = backend.alloc(2, "float32");
   * backend.reduce("sum", { buffer: x, offset: 0, strides: [3, 1] }, [2, 3], 1, sums); // x as [2, 3], rows summed
   * const rowSums = await backend.read(sums); // Float32Array [6, 15]
   * ```
   */
  reduce(op: ReduceOp, input: View, shape: readonly number[], outRank: number, out: DeviceBuffer): void {
    this.stats.dispatches++;
    reduceCpu(op, arrayOf(input.buffer), input.offset, input.strides, shape, outRank, arrayOf(out));
  }

  /**
   * Batched matrix product.
   *
   * @example
   * ```ts
   * import { CpuBackend } from "@gradstep/gradstep/backends";
   * const backend = new CpuBackend();
   * const a = backend.alloc(4, "float32");
   * backend.write(a, new Float32Array([1, 2, 3, 4]));
   * const swap = backend.alloc(4, "float32");
   * backend.write(swap, new Float32Array([0, 1, 1, 0]));
   * const out = backend.alloc(4, "float32");
   * const matrix = { offset: 0, strides: [0, 2, 1] }; // [batch, rows, columns]
   * backend.matmul({ buffer: a, ...matrix }, { buffer: swap, ...matrix }, out, 1, 2, 2, 2);
   * const product = await backend.read(out); // Float32Array [2, 1, 4, 3]
   * ```
   */
  matmul(a: View, b: View, out: DeviceBuffer, batch: number, m: number, n: number, k: number): void {
    this.stats.dispatches++;
    matmulCpu(
      arrayOf(a.buffer),
      a.offset,
      a.strides,
      arrayOf(b.buffer),
      b.offset,
      b.strides,
      arrayOf(out),
      batch,
      m,
      n,
      k,
    );
  }

  /**
   * Gathers along `dim`.
   *
   * @example
   * ```ts
   * import { CpuBackend } from "@gradstep/gradstep/backends";
   * const backend = new CpuBackend();
   * const x = backend.alloc(6, "float32");
   * backend.write(x, new Float32Array([1, 2, 3, 4, 5, 6]));
   * const index = backend.alloc(2, "int32");
   * backend.write(index, new Int32Array([2, 0]));
   * const out = backend.alloc(2, "float32");
   * // x as [2, 3], one column per row: out[i][0] = x[i][index[i][0]]
   * backend.gather({ buffer: x, offset: 0, strides: [3, 1] }, { buffer: index, offset: 0, strides: [1, 1] }, 1, [2, 1], out);
   * const picked = await backend.read(out); // Float32Array [3, 4]
   * ```
   */
  gather(source: View, index: View, dim: number, shape: readonly number[], out: DeviceBuffer): void {
    this.stats.dispatches++;
    gatherCpu(
      arrayOf(source.buffer),
      source.offset,
      source.strides,
      arrayOf(index.buffer),
      index.offset,
      index.strides,
      dim,
      shape,
      arrayOf(out),
    );
  }

  /**
   * Scatter-adds along `dim`.
   *
   * @example
   * ```ts
   * import { CpuBackend } from "@gradstep/gradstep/backends";
   * const backend = new CpuBackend();
   * const counts = backend.alloc(3, "float32");
   * const index = backend.alloc(4, "int32");
   * backend.write(index, new Int32Array([0, 2, 0, 1]));
   * const ones = backend.alloc(4, "float32");
   * backend.write(ones, new Float32Array([1, 1, 1, 1]));
   * const flat = { offset: 0, strides: [1] };
   * backend.scatterAdd({ buffer: counts, ...flat }, { buffer: index, ...flat }, { buffer: ones, ...flat }, 0, [4]);
   * const histogram = await backend.read(counts); // Float32Array [2, 1, 1]
   * ```
   */
  scatterAdd(target: View, index: View, values: View, dim: number, shape: readonly number[]): void {
    this.stats.dispatches++;
    scatterAddCpu(
      arrayOf(target.buffer),
      target.offset,
      target.strides,
      arrayOf(index.buffer),
      index.offset,
      index.strides,
      arrayOf(values.buffer),
      values.offset,
      values.strides,
      dim,
      shape,
    );
  }

  /**
   * Checks indices in host memory and throws `fail(value)` at once for the first outside `bounds`.
   *
   * @example
   * ```ts
   * import { CpuBackend } from "@gradstep/gradstep/backends";
   * const backend = new CpuBackend();
   * const index = backend.alloc(3, "int32");
   * backend.write(index, new Int32Array([0, 7, 1]));
   * const view = { buffer: index, offset: 0, strides: [1] };
   * try {
   *   backend.checkIndices(view, [3], { size: 5 }, (v) => new RangeError(`index ${v} is out of range`));
   * } catch (error) {
   *   console.log((error as Error).message); // "index 7 is out of range"
   * }
   * ```
   */
  checkIndices(
    index: View,
    shape: readonly number[],
    bounds: IndexBounds,
    fail: (value: number) => Error,
  ): void {
    this.stats.dispatches++;
    const bad = firstOutside(
      arrayOf(index.buffer),
      index.offset,
      index.strides,
      shape,
      bounds.size,
      bounds.ignore,
    );
    if (bad !== undefined) throw fail(bad);
  }
}
