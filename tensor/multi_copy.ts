/**
 * Copies of several tensors of one shape in one kernel: attention's query, key and value split off one projection
 * are made row-major together, and the gradients of the pieces a tensor was split into are written into its
 * gradient together.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import type { DType } from "./dtype.ts";
import { cachedKernel, runKernelInto } from "./elementwise.ts";
import { empty, isContiguous } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

/**
 * The most copies one kernel makes: their sources, their destinations and the backend's parameter block stay within
 * the 8 storage buffers every WebGPU adapter offers a shader.
 */
const PER_KERNEL = 3;

/** [x₁, …, xₖ] → [x₁, …, xₖ] converted to `to`. */
function copiesKernel(from: DType, to: DType, count: number): ir.Kernel {
  return cachedKernel(
    `copies:${from}:${to}:${count}`,
    () =>
      ir.defineKernel(Array.from({ length: count }, () => from), [], (xs) => xs.map((x) => ir.cast(x, to))),
  );
}

/**
 * Copies each `sources[i]` (broadcast, converted) into `destinations[i]`, one kernel per run of at most
 * {@link PER_KERNEL} pairs of one shape and dtypes. Not recorded.
 *
 * @example
 * ```ts
 * import { copyAllInto } from "./multi_copy.ts";
 * import { tensor, zeros } from "../mod.ts";
 * const [a, b] = [zeros([2]), zeros([2])];
 * copyAllInto([a, b], [tensor([1, 2]), tensor([3, 4])]); // one kernel
 * ```
 */
export function copyAllInto(destinations: readonly Tensor[], sources: readonly Tensor[]): void {
  const pairs = destinations.map((_, i) => i);
  const keyOf = (i: number): string =>
    `${destinations[i].shape}|${destinations[i].dtype}|${sources[i].dtype}`;
  for (const chunk of chunksBy(pairs, keyOf, PER_KERNEL)) {
    const kernel = copiesKernel(sources[chunk[0]].dtype, destinations[chunk[0]].dtype, chunk.length);
    runKernelInto(kernel, chunk.map((i) => sources[i]), chunk.map((i) => destinations[i]));
  }
}

/**
 * `items` grouped by `keyOf` (groups in the order their first item comes), each group cut into chunks of at most
 * `size`: the operands of one kernel over many tensors of one kind, within a shader's storage buffers.
 *
 * @example
 * ```ts
 * import { chunksBy } from "./multi_copy.ts";
 * chunksBy([1, 2, 3, 10, 4], (n) => (n < 5 ? "small" : "large"), 2); // [[1, 2], [3, 4], [10]]
 * ```
 */
export function chunksBy<T>(items: readonly T[], keyOf: (item: T) => string | number, size: number): T[][] {
  const groups = new Map<string | number, T[][]>();
  for (const item of items) {
    const key = keyOf(item);
    const chunks = groups.get(key) ?? [];
    if (chunks.length === 0 || chunks[chunks.length - 1].length === size) chunks.push([]);
    chunks[chunks.length - 1].push(item);
    groups.set(key, chunks);
  }
  return [...groups.values()].flat();
}

/**
 * `tensors` with each one that is not row-major replaced by a row-major copy, the copies of one shape made
 * together ({@link copyAllInto}). Not recorded.
 *
 * @example
 * ```ts
 * import { contiguousAll } from "./multi_copy.ts";
 * import { arange } from "../mod.ts";
 * const [q, k, v] = contiguousAll(arange(12).reshape([2, 6]).split(2, 1)); // one kernel for the three
 * ```
 */
export function contiguousAll(tensors: readonly Tensor[]): Tensor[] {
  const out = tensors.map((t) => (isContiguous(t) ? t : empty(t.shape, t, false)));
  const copied = tensors.flatMap((t, i) => (out[i] === t ? [] : [i]));
  copyAllInto(copied.map((i) => out[i]), copied.map((i) => tensors[i]));
  return out;
}
