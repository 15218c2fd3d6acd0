/**
 * `repeat`: a tensor tiled along each dimension, as `torch.repeat`, composed of views and one copy — each
 * dimension of size s repeated r times is a new dimension of r broadcast in front of it, then the two merged — so
 * its gradient (a sum over the copies) comes from the view ops' rules.
 *
 * @module
 */
import { expand, reshape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

/**
 * `t` repeated `repeats[i]` times along dimension i; extra leading counts add dimensions, as `torch.repeat`.
 *
 * @example
 * ```ts
 * import { repeat, tensor } from "@gradstep/gradstep";
 * const tiled = repeat(tensor([1, 2]), [2, 2]); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 * ```
 */
export function repeat(t: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < t.ndim) {
    throw new Error(
      "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor",
    );
  }
  const shape = [...new Array(repeats.length - t.ndim).fill(1), ...t.shape];
  const out = shape.map((s, i) => s * repeats[i]);
  if (repeats.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new RangeError(
      `Trying to create tensor with negative dimension ${Math.min(...out)}: [${out.join(", ")}]`,
    );
  }
  const spread = shape.flatMap((s) => [1, s]);
  const tiled = expand(reshape(t, spread), shape.flatMap((s, i) => [repeats[i], s]));
  return reshape(tiled, out);
}
