/**
 * CPU gather and scatter-add along one dimension. Both walk the index's shape with the operands' strides collapsed
 * to as few dimensions as possible, running a tight loop over the innermost one.
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";
import { collapse } from "../layout.ts";

/** Strides with the indexed dimension's stride set to 0: the offset of `i` before its index is applied. */
function withoutDim(strides: readonly number[], dim: number): number[] {
  return strides.map((s, d) => (d === dim ? 0 : s));
}

/**
 * Calls `inner(bases, n, strides)` for every row of the innermost dimension of `shape` (after collapsing), with
 * each operand's offset at the row's start and its innermost stride.
 */
function walkRows(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  inner: (bases: number[], n: number, steps: number[]) => void,
): void {
  if (shape.includes(0)) return;
  const layout = collapse(shape, strides);
  const rank = layout.shape.length;
  const n = layout.shape[rank - 1];
  const steps = layout.strides.map((s) => s[rank - 1]);
  const bases = [...offsets];
  const index = new Array(rank).fill(0);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= layout.shape[d];
  for (let r = 0; r < rows; r++) {
    inner(bases, n, steps);
    for (let d = rank - 2; d >= 0; d--) {
      layout.strides.forEach((s, k) => (bases[k] += s[d]));
      if (++index[d] < layout.shape[d]) break;
      index[d] = 0;
      layout.strides.forEach((s, k) => (bases[k] -= s[d] * layout.shape[d]));
    }
  }
}

/** `out[i] = source[i with i[dim] = index[i]]`, over `shape`; `out` is contiguous. */
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
  const step = sourceStrides[dim] ?? 0;
  const outStrides: number[] = [];
  for (let d = shape.length - 1, s = 1; d >= 0; s *= shape[d], d--) outStrides[d] = s;
  walkRows(
    shape,
    [withoutDim(sourceStrides, dim), indexStrides, outStrides],
    [sourceOffset, indexOffset, 0],
    (p, n, s) => {
      const [ps, pi, po] = p;
      const [ss, si, so] = s;
      for (let j = 0; j < n; j++) out[po + j * so] = source[ps + j * ss + index[pi + j * si] * step];
    },
  );
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
  const step = targetStrides[dim] ?? 0;
  walkRows(
    shape,
    [withoutDim(targetStrides, dim), indexStrides, valuesStrides],
    [targetOffset, indexOffset, valuesOffset],
    (p, n, s) => {
      const [pt, pi, pv] = p;
      const [st, si, sv] = s;
      for (let j = 0; j < n; j++) {
        const at = pt + j * st + index[pi + j * si] * step;
        target[at] = target[at] + values[pv + j * sv];
      }
    },
  );
}

/**
 * The first element of `index` (walked over `shape` in row-major order) that is neither in [0, `size`) nor
 * `ignore`, or undefined when every one is.
 */
export function firstOutside(
  index: TypedArray,
  offset: number,
  strides: readonly number[],
  shape: readonly number[],
  size: number,
  ignore: number | undefined,
): number | undefined {
  let bad: number | undefined;
  walkRows(shape, [strides], [offset], ([p], n, [s]) => {
    for (let j = 0; j < n && bad === undefined; j++) {
      const v = index[p + j * s];
      if ((v < 0 || v >= size) && v !== ignore) bad = v;
    }
  });
  return bad;
}
