/**
 * Adamax, as `torch.optim.Adamax`: Adam with the infinity norm, with weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { l2Gradient, type L2Structure } from "./gradient.ts";
import { ElementwiseOptimizer, type UpdateResult, type UpdateTerms } from "./elementwise_optimizer.ts";
import { checkBetas, checkNonNegative } from "./validation.ts";
import type { Params } from "./state_dict.ts";

/** Adamax's hyperparameters (PyTorch's defaults: lr 2e-3, betas [0.9, 0.999], eps 1e-8, no weight decay). */
export interface AdamaxOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the first moment and of the infinity norm. */
  betas: [number, number];
  /** Added to |g| for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** The names of Adamax's state tensors. */
export type AdamaxStateName = "expAvg" | "expInf";
/** The names of Adamax's scalars. */
export type AdamaxScalar = "lr" | "beta1" | "oneMinusBeta1" | "beta2" | "eps" | "weightDecay";

/**
 * Adamax (Kingma & Ba 2015, section 7.1), as `torch.optim.Adamax`: Adam's first moment over an exponentially
 * weighted infinity norm of the gradients, in one fused kernel per parameter.
 *
 * @example
 * ```ts
 * import { Adamax } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new Adamax(model.parameters(), { lr: 2e-3 });
 * ```
 */
export class Adamax
  extends ElementwiseOptimizer<AdamaxOptions, L2Structure, AdamaxStateName, AdamaxScalar, "negClr"> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super(params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false }, options);
  }

  /** PyTorch's checks of Adamax's hyperparameters. */
  protected validate(group: AdamaxOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkBetas(group.betas);
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
  }

  /** Whether it maximizes and decays weights. */
  protected structure(group: AdamaxOptions): L2Structure {
    return { maximize: group.maximize, decay: group.weightDecay !== 0 };
  }

  /** The first moment and the infinity norm. */
  protected stateNames(): AdamaxStateName[] {
    return ["expAvg", "expInf"];
  }

  /** The hyperparameters, with 1 − β1. */
  protected scalars(group: AdamaxOptions): Record<AdamaxScalar, number> {
    const [beta1, beta2] = group.betas;
    const { lr, eps, weightDecay } = group;
    return { lr, beta1, oneMinusBeta1: 1 - beta1, beta2, eps, weightDecay };
  }

  /** The bias-corrected step, −lr / (1 − β₁ᵗ). */
  protected override stepFactors(
    _: L2Structure,
    s: Record<AdamaxScalar, ir.Expr>,
    step: ir.Expr,
  ): Record<"negClr", ir.Expr> {
    return { negClr: ir.neg(ir.div(s.lr, ir.sub(1, ir.pow(s.beta1, step)))) };
  }

  /** d = ±g (+ wd·p); m = β1·m + (1−β1)·d; u = max(β2·u, |d| + eps); p += −clr·m / u. */
  protected rule(
    structure: L2Structure,
    x: UpdateTerms<AdamaxStateName, AdamaxScalar | "negClr">,
  ): UpdateResult<AdamaxStateName> {
    const s = x.scalars;
    const d = l2Gradient(structure, x.param, x.grad, s.weightDecay);
    const m = ir.add(ir.mul(x.state.expAvg!, s.beta1), ir.mul(s.oneMinusBeta1, d));
    const u = ir.max(ir.mul(x.state.expInf!, s.beta2), ir.add(ir.abs(d), s.eps));
    return { param: ir.add(x.param, ir.div(ir.mul(s.negClr, m), u)), state: { expAvg: m, expInf: u } };
  }
}
