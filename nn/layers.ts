/**
 * Parameter-free layers: activations and Flatten.
 *
 * @module
 */
import { integer } from "../tensor/validation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";

/**
 * `max(x, 0)` elementwise, as `nn.ReLU`.
 *
 * @example
 * ```ts
 * import { ReLU } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * new ReLU().forward(tensor([-1, 2])); // [0, 2]
 * ```
 */
export class ReLU extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.relu();
  }
}

/**
 * The logistic sigmoid elementwise, as `nn.Sigmoid`.
 *
 * @example
 * ```ts
 * import { Sigmoid } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * new Sigmoid().forward(tensor([0])); // [0.5]
 * ```
 */
export class Sigmoid extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.sigmoid();
  }
}

/**
 * The hyperbolic tangent elementwise, as `nn.Tanh`.
 *
 * @example
 * ```ts
 * import { Tanh } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * new Tanh().forward(tensor([0])); // [0]
 * ```
 */
export class Tanh extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.tanh();
  }
}

/**
 * Flattens dimensions `startDim`..`endDim` (by default all but the batch dimension), as `nn.Flatten`.
 *
 * @example
 * ```ts
 * import { Flatten } from "@gradstep/gradstep/nn";
 * import { zeros } from "@gradstep/gradstep";
 * new Flatten().forward(zeros([64, 1, 28, 28])).shape; // [64, 784]
 * ```
 */
export class Flatten extends Module {
  /** Flattens from `startDim` (default 1) to `endDim` (default -1). */
  constructor(readonly startDim: number = 1, readonly endDim: number = -1) {
    super();
    integer(-Infinity)("startDim", startDim);
    integer(-Infinity)("endDim", endDim);
  }
  /** Applies the flattening. */
  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
}
