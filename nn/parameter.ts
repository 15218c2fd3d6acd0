/**
 * Parameters: the tensors a module learns.
 *
 * @module
 */
import { Tensor } from "../tensor/tensor.ts";

/**
 * A leaf tensor that a {@link Module} registers as learnable: it shares `data`'s memory and requires grad unless
 * told otherwise, as PyTorch's `nn.Parameter`.
 *
 * @example
 * ```ts
 * import { Module, Parameter } from "@gradstep/gradstep/nn";
 * import { Tensor, randn } from "@gradstep/gradstep";
 * class Scale extends Module {
 *   factor = new Parameter(randn([1]));
 *   forward(x: Tensor): Tensor {
 *     return x.mul(this.factor);
 *   }
 * }
 * ```
 */
export class Parameter extends Tensor {
  /** Wraps `data` (its memory is shared) as a parameter. */
  constructor(data: Tensor, requiresGrad = true) {
    super(data.storage, data.shape, data.strides, data.offset);
    this.requiresGrad_(requiresGrad);
  }
}
