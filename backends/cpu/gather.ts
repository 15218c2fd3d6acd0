/**
 * CPU gather and scatter-add along one dimension.
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";
import { offsets } from "./reduce.ts";

/** Strides with the indexed dimension's stride set to 0: the offset of `i` before its index is applied. */
function withoutDim(strides: readonly number[], dim: number): number[] {
  return strides.map((s, d) => (d === dim ? 0 : s));
}

/** `out[i] = source[i with i[dim] = index[i]]`, over `shape` in row-major order. */
export function gatherCpu(
  source: TypedArray,
  sourceOffset: number,
  sourceStrides: readonly number[],
  index: TypedArray,
  indexOffset: number,
  indexStrides: readonly number[],
  dim: number,
  shape: readonly number[],
  out: TypedArray,
): void {
  const from = offsets(shape, withoutDim(sourceStrides, dim));
  const at = offsets(shape, indexStrides);
  const step = sourceStrides[dim];
  for (let i = 0; i < out.length; i++) {
    out[i] = source[sourceOffset + from[i] + index[indexOffset + at[i]] * step];
  }
}

/** `target[i with i[dim] = index[i]] += values[i]`, over `shape`. */
export function scatterAddCpu(
  target: TypedArray,
  targetOffset: number,
  targetStrides: readonly number[],
  index: TypedArray,
  indexOffset: number,
  indexStrides: readonly number[],
  values: TypedArray,
  valuesOffset: number,
  valuesStrides: readonly number[],
  dim: number,
  shape: readonly number[],
): void {
  const to = offsets(shape, withoutDim(targetStrides, dim));
  const at = offsets(shape, indexStrides);
  const from = offsets(shape, valuesStrides);
  const step = targetStrides[dim];
  for (let i = 0; i < to.length; i++) {
    const p = targetOffset + to[i] + index[indexOffset + at[i]] * step;
    target[p] = target[p] + values[valuesOffset + from[i]];
  }
}
