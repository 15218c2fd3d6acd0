/**
 * `split` and `chunk`: a tensor cut along one dimension into views (attention's q, k and v from one projection).
 * Each piece is a narrowed view, so its gradient lands in its slice of the input's.
 *
 * @module
 */
import { narrow, normalizeDim } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

/** Views of `t` along dimension `d` of the given sizes, in order. */
function pieces(t: Tensor, d: number, sizes: readonly number[]): Tensor[] {
  let at = 0;
  return sizes.map((size) => narrow(t, d, (at += size) - size, size));
}

/**
 * `t` cut along `dim` into views: of `splitSize` elements each (the last may be smaller), or of the listed
 * sizes, which must add up to the dimension's size, as `torch.split`.
 *
 * @example
 * ```ts
 * import { arange, split } from "@gradstep/gradstep";
 * const [a, b] = split(arange(5), 3); // [0, 1, 2] and [3, 4]
 * const [q, k, v] = split(arange(12).reshape([2, 6]), [2, 2, 2], 1);
 * ```
 */
export function split(t: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  if (t.ndim === 0) throw new Error("split expects at least a 1-dimensional tensor");
  const d = normalizeDim(dim, t.ndim);
  const size = t.shape[d];
  if (typeof splitSize !== "number") {
    if (splitSize.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new RangeError(
        `split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=[${
          splitSize.join(", ")
        }]`,
      );
    }
    const total = splitSize.reduce((a, b) => a + b, 0);
    if (total !== size) {
      throw new Error(
        `split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), ` +
          `but got split_sizes=[${splitSize.join(", ")}]`,
      );
    }
    return pieces(t, d, splitSize);
  }
  if (!Number.isInteger(splitSize) || splitSize < 0) {
    throw new RangeError(`split expects split_size be non-negative, but got split_size=${splitSize}`);
  }
  if (splitSize === 0 && size !== 0) {
    throw new RangeError(
      `split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`,
    );
  }
  const count = Math.max(Math.ceil(size / Math.max(splitSize, 1)), 1);
  return pieces(t, d, Array.from({ length: count }, (_, i) => Math.min(splitSize, size - i * splitSize)));
}

/**
 * `t` cut along `dim` into at most `chunks` views of `ceil(size / chunks)` elements (the last may be smaller, and
 * there are fewer when the size runs out; an empty dimension gives `chunks` empty views), as `torch.chunk`.
 *
 * @example
 * ```ts
 * import { arange, chunk } from "@gradstep/gradstep";
 * const parts = chunk(arange(5), 3); // [0, 1], [2, 3] and [4]
 * ```
 */
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) {
    throw new RangeError(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  }
  if (t.ndim === 0) throw new Error("chunk expects at least a 1-dimensional tensor");
  const d = normalizeDim(dim, t.ndim);
  const size = t.shape[d];
  return size === 0 ? pieces(t, d, new Array(chunks).fill(0)) : split(t, Math.ceil(size / chunks), d);
}
