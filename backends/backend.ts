/**
 * The backend seam: memory plus five primitives and an index check. Everything else (softmax, losses, layers,
 * optimizers) is composed from these in `tensor/`, `nn/` and `optim/`, so a new backend implements only this
 * interface.
 *
 * A strided copy is the elementwise identity kernel with a strided output.
 *
 * Every operand is a {@link View}: a buffer, an element offset and one stride per dimension of the shape the
 * primitive is called with. Broadcasting is a stride of 0; transposes and permutations are reordered strides.
 *
 * @module
 */
import type { DType, TypedArray } from "../tensor/dtype.ts";
import type { Kernel } from "./kernel_ir.ts";

/** A block of device memory holding `length` elements of `dtype`. Its contents belong to its backend. */
export interface DeviceBuffer {
  /** The element type. */
  readonly dtype: DType;
  /** The number of elements. */
  readonly length: number;
}

/** A strided window on a buffer: element (i0, i1, …) lives at `offset + Σ ik * strides[k]`. */
export interface View {
  /** The memory viewed. */
  readonly buffer: DeviceBuffer;
  /** The element position of index (0, 0, …). */
  readonly offset: number;
  /** Elements to step per index of each dimension (0 to broadcast). */
  readonly strides: readonly number[];
}

/**
 * The values an index check accepts: integers in [0, `size`), and `ignore` when given (a loss's ignored target).
 */
export interface IndexBounds {
  /** One past the largest valid index. */
  readonly size: number;
  /** A value accepted although out of range (cross-entropy's `ignoreIndex`); none when absent. */
  readonly ignore?: number;
}

/** Reductions over the trailing dimensions of a view; `argmax`/`argmin` write int32 positions. */
export type ReduceOp = "sum" | "prod" | "max" | "min" | "argmax" | "argmin";

/**
 * Counters of the work a backend has done since it was created, kept by the backend as plain integers (one
 * increment per call, so counting costs nothing measurable). What each counts on each backend:
 *
 * - `dispatches`: kernels launched. On the CPU, one per call of a primitive (`elementwise`, `reduce`, `matmul`,
 *   `gather`, `scatterAdd`, `checkIndices`; a strided copy is an `elementwise` call), except an `elementwise` call
 *   over an empty shape, which runs nothing. On WebGPU, one per compute-shader dispatch recorded: a contiguous copy is a
 *   buffer-to-buffer copy and no dispatch, a long reduction into few outputs is two, and a matmul of more than
 *   65,535 batches is one per 65,535.
 * - `submits`: command buffers handed to the device queue. On WebGPU, one per submission (at the end of a
 *   synchronous burst of work, at each readback, every 256 dispatches); the CPU runs each primitive at once and
 *   submits nothing, so its count stays 0.
 * - `readbacks`: copies of device memory to the host, each a `read` (and on the CPU also a `readSync`) call, as
 *   every `await t.data()`, `item()`, `toArray()` and `dataSync()` makes.
 * - `pipelines`: kernels compiled. On the CPU, elementwise kernels: one JavaScript function per kernel and stride
 *   pattern, one WebAssembly SIMD kernel per kernel (reductions, matmuls and indexing run fixed code); on WebGPU,
 *   one `GPUComputePipeline` per shader variant. A kernel seen before compiles nothing.
 * - `allocations`: `alloc` calls, pooled or arena reuse included, the backend's own scratch buffers too.
 * - `bytesAllocated`: the bytes of those allocations, elements × bytes per element of the dtype (the size
 *   `memoryStats` counts; WebGPU rounds its buffers up to size classes).
 */
export interface DeviceStats {
  /** Kernels launched. */
  dispatches: number;
  /** Command buffers submitted to the device queue (0 on the CPU). */
  submits: number;
  /** Device-to-host reads. */
  readbacks: number;
  /** Host-to-device writes (uploads of tensor data). */
  writes: number;
  /** Kernels (WebGPU pipelines) compiled. */
  pipelines: number;
  /** Buffers allocated. */
  allocations: number;
  /** Bytes of the buffers allocated. */
  bytesAllocated: number;
}

/**
 * Counters of a backend that has done nothing yet: every field 0. Each backend starts its `stats` from it.
 *
 * @example
 * ```ts
 * import { zeroStats } from "./backend.ts";
 * console.log(zeroStats().dispatches); // 0
 * ```
 */
export function zeroStats(): DeviceStats {
  return {
    dispatches: 0,
    submits: 0,
    readbacks: 0,
    writes: 0,
    pipelines: 0,
    allocations: 0,
    bytesAllocated: 0,
  };
}

/**
 * What a device must implement.
 *
 * @example
 * ```ts
 * import { device } from "@gradstep/gradstep";
 * const cpu = await device("cpu");
 * const buf = cpu.backend.alloc(4, "float32");
 * cpu.backend.write(buf, new Float32Array([1, 2, 3, 4]));
 * console.log(await cpu.backend.read(buf)); // Float32Array [1, 2, 3, 4]
 * ```
 */
export interface Backend {
  /** The work done so far; read it through `deviceStats(device)`, which copies it. */
  readonly stats: DeviceStats;
  /**
   * Allocates `length` elements of `dtype`, zeroed unless `zeroed` is false (for outputs a kernel writes in full:
   * their contents are then unspecified until it does).
   */
  alloc(length: number, dtype: DType, zeroed?: boolean): DeviceBuffer;
  /** Copies host values into the buffer, starting at element `offset`. */
  write(buffer: DeviceBuffer, data: TypedArray, offset?: number): void;
  /**
   * Resolves to a host copy of `length` elements from `offset` (the whole buffer by default) once every queued
   * operation on the buffer has run.
   */
  read(buffer: DeviceBuffer, offset?: number, length?: number): Promise<TypedArray>;
  /** Like {@link Backend.read}, synchronously; only backends whose memory is host memory have it. */
  readSync?(buffer: DeviceBuffer, offset?: number, length?: number): TypedArray;
  /** Returns the buffer's memory to the device; the buffer must not be used afterwards. */
  free(buffer: DeviceBuffer): void;
  /**
   * The fused elementwise kernel: for every index of `shape`, evaluates the kernel's outputs from its inputs and
   * scalars and writes them to `outputs`. An output may be the same memory as an input (in-place updates), at the
   * same element positions.
   */
  elementwise(
    kernel: Kernel,
    shape: readonly number[],
    inputs: readonly View[],
    outputs: readonly View[],
    scalars: readonly number[],
  ): void;
  /**
   * Reduces the trailing `shape.length - outRank` dimensions of `input` (of `shape`) into the contiguous `out`,
   * whose shape is `shape.slice(0, outRank)`.
   */
  reduce(op: ReduceOp, input: View, shape: readonly number[], outRank: number, out: DeviceBuffer): void;
  /**
   * Batched matrix product: `a` is [batch, m, k], `b` is [batch, k, n] (views, a batch stride may be 0), and the
   * contiguous `out` receives [batch, m, n].
   */
  matmul(a: View, b: View, out: DeviceBuffer, batch: number, m: number, n: number, k: number): void;
  /**
   * `out[i] = source[i with i[dim] replaced by index[i]]` for every index `i` of `shape` (the index's shape); the
   * contiguous `out` has that shape. Indices are int32 and already checked to be in range.
   */
  gather(source: View, index: View, dim: number, shape: readonly number[], out: DeviceBuffer): void;
  /**
   * `target[i with i[dim] replaced by index[i]] += values[i]` for every index `i` of `shape`, accumulating when
   * indices repeat.
   */
  scatterAdd(target: View, index: View, values: View, dim: number, shape: readonly number[]): void;
  /**
   * Checks user-supplied int32 indices: at the first element of `index` (walked over `shape` in row-major order)
   * outside `bounds`, the backend reports `fail(value)`. Where memory is host memory it throws at once; otherwise
   * the check runs on the device, which records the first failure, and the next `read` of any of the backend's
   * buffers rejects with it (so the check costs no readback of its own), after which checking starts afresh.
   * `fail` should capture only what its message needs: it is kept until a read settles the check.
   */
  checkIndices(
    index: View,
    shape: readonly number[],
    bounds: IndexBounds,
    fail: (value: number) => Error,
  ): void;
}
