/**
 * The fully connected layer.
 *
 * @module
 */
import { boolean, checkOptions, shown } from "../tensor/validation.ts";
import { getDefaultDevice } from "../backends/device.ts";
import { zeros } from "../tensor/creation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { linear } from "./functional.ts";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/**
 * `y = x Wᵀ + b` over the last dimension, as PyTorch's `nn.Linear`, with its default initialisation:
 * W ~ U(-1/√in, 1/√in) (Kaiming-uniform with a = √5) and b ~ U(-1/√in, 1/√in).
 *
 * @example
 * ```ts
 * import { Linear } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const fc = new Linear(784, 128);
 * const y = fc.forward(randn([64, 784])); // [64, 128]
 * ```
 */
export class Linear extends Module {
  /** The weight, [outFeatures, inFeatures]; assigning another layer's parameter here ties the two (weight tying). */
  weight: Parameter;
  /** The bias, [outFeatures], or null without one. */
  bias: Parameter | null;

  /** A layer from `inFeatures` to `outFeatures`; `bias` defaults to true. */
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    checkOptions("Linear", options, { bias: boolean });
    for (const [name, n] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(n) || n < 0) {
        throw new RangeError(`Linear: ${name} must be a non-negative integer, got ${shown(n)}`);
      }
    }
    const device = getDefaultDevice();
    this.weight = new Parameter(
      kaimingUniform_(zeros([outFeatures, inFeatures], { device }), { a: Math.sqrt(5) }),
    );
    if (options.bias ?? true) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      this.bias = new Parameter(uniform_(zeros([outFeatures], { device }), -bound, bound));
    } else {
      this.bias = null;
    }
  }

  /** Applies the layer to `input` of shape [..., inFeatures]. */
  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }
}
