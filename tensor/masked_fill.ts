/**
 * `maskedFill`: a value put where a boolean mask holds (attention's masked scores), as `torch.masked_fill`.
 *
 * @module
 */
import { cast, where } from "./elementwise.ts";
import type { Tensor } from "./tensor.ts";

/**
 * `t` with `value` where the bool `mask` is true; mask and `t` broadcast together, and the result keeps `t`'s
 * dtype. A 0-d tensor `value` gets the gradient of the filled elements.
 *
 * @example
 * ```ts
 * import { maskedFill, ones, tensor, triu } from "@gradstep/gradstep";
 * const scores = tensor([[0.5, 1], [2, 3]]);
 * const future = triu(ones([2, 2], { dtype: "bool" }), 1);
 * const masked = maskedFill(scores, future, -Infinity); // [[0.5, -Infinity], [2, 3]]
 * ```
 */
export function maskedFill(t: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  if (mask.dtype !== "bool") {
    throw new TypeError(`masked_fill_ only supports boolean masks, but got mask with dtype ${mask.dtype}`);
  }
  if (typeof value !== "number" && value.ndim !== 0) {
    throw new Error(
      `masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s)`,
    );
  }
  return cast(where(mask, value, t), t.dtype);
}
