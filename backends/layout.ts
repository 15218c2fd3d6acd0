/**
 * Dimension collapsing: the fewest dimensions that walk several strided operands in the same order, so the
 * innermost loop is as long as possible.
 *
 * @module
 */

/** A shape and, for each operand, its strides over that shape. */
export interface Layout {
  readonly shape: number[];
  readonly strides: number[][];
}

/**
 * Drops dimensions of size 1 and merges neighbours that every operand steps through contiguously. A shape with no
 * dimensions left becomes `[1]` (one element), so callers always have an innermost dimension.
 *
 * @example
 * ```ts
 * collapse([2, 3, 4], [[12, 4, 1], [0, 0, 1]]); // { shape: [6, 4], strides: [[4, 1], [0, 1]] }
 * ```
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): Layout {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => (outStrides[k][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}
