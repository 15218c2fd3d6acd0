/**
 * Adadelta, as `torch.optim.Adadelta`, with weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { l2Gradient, type L2Structure } from "./gradient.ts";
import { ElementwiseOptimizer, type UpdateResult, type UpdateTerms } from "./elementwise_optimizer.ts";
import { check, checkNonNegative } from "./validation.ts";
import type { Params } from "./state_dict.ts";

/** Adadelta's hyperparameters (PyTorch's defaults: lr 1, rho 0.9, eps 1e-6, no weight decay). */
export interface AdadeltaOptions {
  /** Scales the delta before it is applied. */
  lr: number;
  /** Decay rate of the running averages of squared gradients and squared deltas. */
  rho: number;
  /** Added inside both square roots for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** The names of Adadelta's state tensors. */
export type AdadeltaStateName = "squareAvg" | "accDelta";
/** The names of Adadelta's scalars. */
export type AdadeltaScalar = "rho" | "oneMinusRho" | "eps" | "negLr" | "weightDecay";

/**
 * Adadelta (Zeiler 2012), as `torch.optim.Adadelta`: steps sized by the ratio of running root-mean-squares of past
 * deltas and of gradients, in one fused kernel per parameter.
 *
 * @example
 * ```ts
 * import { Adadelta } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new Adadelta(model.parameters(), { rho: 0.95 });
 * ```
 */
export class Adadelta
  extends ElementwiseOptimizer<AdadeltaOptions, L2Structure, AdadeltaStateName, AdadeltaScalar> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super(params, { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }, options);
  }

  /** PyTorch's checks of Adadelta's hyperparameters. */
  protected validate(group: AdadeltaOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    check(group.rho >= 0 && group.rho <= 1, `Invalid rho value: ${group.rho} (expected 0 <= rho <= 1)`);
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
  }

  /** Whether it maximizes and decays weights. */
  protected structure(group: AdadeltaOptions): L2Structure {
    return { maximize: group.maximize, decay: group.weightDecay !== 0 };
  }

  /** The running averages of squared gradients and of squared deltas. */
  protected stateNames(): AdadeltaStateName[] {
    return ["squareAvg", "accDelta"];
  }

  /** The hyperparameters, with 1 − rho and −lr. */
  protected scalars(group: AdadeltaOptions): Record<AdadeltaScalar, number> {
    const { rho, eps, weightDecay } = group;
    return { rho, oneMinusRho: 1 - rho, eps, negLr: -group.lr, weightDecay };
  }

  /** d = ±g (+ wd·p); v = ρ·v + (1−ρ)·d²; δ = √(u + eps) / √(v + eps)·d; u = ρ·u + (1−ρ)·δ²; p += −lr·δ. */
  protected rule(
    structure: L2Structure,
    x: UpdateTerms<AdadeltaStateName, AdadeltaScalar>,
  ): UpdateResult<AdadeltaStateName> {
    const s = x.scalars;
    const d = l2Gradient(structure, x.param, x.grad, s.weightDecay);
    const v = ir.add(ir.mul(x.state.squareAvg!, s.rho), ir.mul(ir.mul(s.oneMinusRho, d), d));
    const u = x.state.accDelta!;
    const delta = ir.mul(ir.div(ir.sqrt(ir.add(u, s.eps)), ir.sqrt(ir.add(v, s.eps))), d);
    const accDelta = ir.add(ir.mul(u, s.rho), ir.mul(ir.mul(s.oneMinusRho, delta), delta));
    return { param: ir.add(x.param, ir.mul(s.negLr, delta)), state: { squareAvg: v, accDelta } };
  }
}
