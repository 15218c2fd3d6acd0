/**
 * RMSprop, as `torch.optim.RMSprop`, with momentum, the centered variant, weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { l2Gradient, type L2Structure } from "./gradient.ts";
import { ElementwiseOptimizer, type UpdateResult, type UpdateTerms } from "./elementwise_optimizer.ts";
import { checkNonNegative } from "./validation.ts";
import type { Params } from "./state_dict.ts";

/** RMSprop's hyperparameters (PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, everything else 0 or off). */
export interface RMSpropOptions {
  /** Learning rate. */
  lr: number;
  /** Smoothing constant of the running average of squared gradients. */
  alpha: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Momentum factor (0: none). */
  momentum: number;
  /** Normalize by an estimate of the gradient's variance (the squared average minus the squared mean). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** What RMSprop's rule reads of a group. */
export type RMSpropStructure = L2Structure & {
  /** Whether the squared average is centered by the mean gradient. */
  centered: boolean;
  /** Whether momentum is on (a momentum other than 0). */
  momentum: boolean;
};

/** The names of RMSprop's state tensors. */
export type RMSpropStateName = "squareAvg" | "gradAvg" | "momentumBuffer";
/** The names of RMSprop's scalars. */
export type RMSpropScalar = "alpha" | "oneMinusAlpha" | "eps" | "negLr" | "momentum" | "weightDecay";

/**
 * RMSprop (Hinton's lecture 6e; centered as in Graves 2013), as `torch.optim.RMSprop`: steps scaled by a running
 * root-mean-square of the gradients, optionally with momentum, in one fused kernel per parameter.
 *
 * @example
 * ```ts
 * import { RMSprop } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 * ```
 */
export class RMSprop
  extends ElementwiseOptimizer<RMSpropOptions, RMSpropStructure, RMSpropStateName, RMSpropScalar> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
    }, options);
  }

  /** PyTorch's checks of RMSprop's hyperparameters. */
  protected validate(group: RMSpropOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkNonNegative(group.momentum, "momentum value", "momentum");
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
    checkNonNegative(group.alpha, "alpha value", "alpha");
  }

  /** Whether it maximizes, decays weights, is centered and uses momentum. */
  protected structure(group: RMSpropOptions): RMSpropStructure {
    const { maximize, centered } = group;
    return { maximize, decay: group.weightDecay !== 0, centered, momentum: group.momentum > 0 };
  }

  /** The squared average, and the mean gradient and momentum buffer where used. */
  protected stateNames(structure: RMSpropStructure): RMSpropStateName[] {
    const names: RMSpropStateName[] = ["squareAvg"];
    if (structure.centered) names.push("gradAvg");
    if (structure.momentum) names.push("momentumBuffer");
    return names;
  }

  /** The hyperparameters, with 1 − alpha and −lr. */
  protected scalars(group: RMSpropOptions): Record<RMSpropScalar, number> {
    const { alpha, eps, momentum, weightDecay } = group;
    return { alpha, oneMinusAlpha: 1 - alpha, eps, negLr: -group.lr, momentum, weightDecay };
  }

  /**
   * d = ±g (+ wd·p); v = α·v + (1−α)·d²; avg = √v (centered: √(v − mean²), mean = α·mean + (1−α)·d) + eps;
   * p += −lr·d / avg, or with momentum buf = μ·buf + d / avg and p += −lr·buf.
   */
  protected rule(
    structure: RMSpropStructure,
    x: UpdateTerms<RMSpropStateName, RMSpropScalar>,
  ): UpdateResult<RMSpropStateName> {
    const s = x.scalars;
    const d = l2Gradient(structure, x.param, x.grad, s.weightDecay);
    const squareAvg = ir.add(ir.mul(x.state.squareAvg!, s.alpha), ir.mul(ir.mul(s.oneMinusAlpha, d), d));
    const state: Partial<Record<RMSpropStateName, ir.Expr>> = { squareAvg };
    let avg = ir.sqrt(squareAvg);
    if (structure.centered) {
      const mean = ir.add(ir.mul(x.state.gradAvg!, s.alpha), ir.mul(s.oneMinusAlpha, d));
      avg = ir.sqrt(ir.add(squareAvg, ir.mul(ir.neg(mean), mean)));
      state.gradAvg = mean;
    }
    avg = ir.add(avg, s.eps);
    if (!structure.momentum) return { param: ir.add(x.param, ir.div(ir.mul(s.negLr, d), avg)), state };
    const buf = ir.add(ir.mul(x.state.momentumBuffer!, s.momentum), ir.div(d, avg));
    state.momentumBuffer = buf;
    return { param: ir.add(x.param, ir.mul(s.negLr, buf)), state };
  }
}
