/**
 * Adam, as `torch.optim.Adam`, with AMSGrad, maximize, L2 or decoupled (AdamW) weight decay.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { adamMoments } from "./adam_moments.ts";
import { decayedGradient, type GradientOptions } from "./gradient.ts";
import { ElementwiseOptimizer, type UpdateResult, type UpdateTerms } from "./elementwise_optimizer.ts";
import { check, checkBetas } from "./validation.ts";
import type { Params } from "./state_dict.ts";

/** Adam's hyperparameters (PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, no weight decay). */
export interface AdamOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay: an L2 penalty, or decoupled (see below). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
  /** Decay weights directly (p ← p·(1 − lr·wd)) instead of adding wd·p to the gradient: AdamW. */
  decoupledWeightDecay: boolean;
}

/** What Adam's rule reads of a group: the gradient's choices, and whether it keeps AMSGrad's maximum. */
export type AdamStructure = GradientOptions & {
  /** Whether the rule keeps the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
};

/** The names of Adam's state tensors. */
export type AdamStateName = "expAvg" | "expAvgSq" | "maxExpAvgSq";
/** The names of Adam's scalars. */
export type AdamScalar = "lr" | "beta1" | "oneMinusBeta1" | "beta2" | "oneMinusBeta2" | "eps" | "decayFactor";
/** The names of Adam's step factors. */
export type AdamFactor = "stepSize" | "bc2Sqrt";

/**
 * Adam, as `torch.optim.Adam`: one fused kernel per parameter updates the parameter and both moments.
 *
 * @example
 * ```ts
 * import { Adam } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3, amsgrad: true });
 * ```
 */
export class Adam
  extends ElementwiseOptimizer<AdamOptions, AdamStructure, AdamStateName, AdamScalar, AdamFactor> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      decoupledWeightDecay: false,
    }, options);
  }

  /** PyTorch's checks of Adam's hyperparameters. */
  protected validate(group: AdamOptions): void {
    check(group.lr >= 0, `Invalid learning rate: ${group.lr} (expected lr >= 0)`);
    check(group.eps >= 0, `Invalid epsilon value: ${group.eps} (expected eps >= 0)`);
    checkBetas(group.betas);
    check(
      group.weightDecay >= 0,
      `Invalid weightDecay value: ${group.weightDecay} (expected weightDecay >= 0)`,
    );
  }

  /** Whether the rule uses AMSGrad's maximum, maximizes, and how it decays weights. */
  protected structure(group: AdamOptions): AdamStructure {
    const { amsgrad, maximize, decoupledWeightDecay } = group;
    return { amsgrad, maximize, decay: group.weightDecay !== 0, decoupledWeightDecay };
  }

  /** The moments, and their running maximum with AMSGrad. */
  protected stateNames(structure: AdamStructure): AdamStateName[] {
    return structure.amsgrad ? ["expAvg", "expAvgSq", "maxExpAvgSq"] : ["expAvg", "expAvgSq"];
  }

  /** The rates and their complements, eps, and the weight decay factor (1 − lr·wd when decoupled). */
  protected scalars(group: AdamOptions): Record<AdamScalar, number> {
    const [beta1, beta2] = group.betas;
    const decayFactor = group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay;
    const { lr, eps } = group;
    return { lr, beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, eps, decayFactor };
  }

  /** The bias corrections: the step size lr / (1 − β₁ᵗ) and √(1 − β₂ᵗ). */
  protected override stepFactors(
    _: AdamStructure,
    s: Record<AdamScalar, ir.Expr>,
    step: ir.Expr,
  ): Record<AdamFactor, ir.Expr> {
    return {
      stepSize: ir.div(s.lr, ir.sub(1, ir.pow(s.beta1, step))),
      bc2Sqrt: ir.sqrt(ir.sub(1, ir.pow(s.beta2, step))),
    };
  }

  /**
   * PyTorch's order of operations: g = ±grad (+ wd·p); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g;
   * [vmax = max(vmax, v)]; p = p − (stepSize·m) / (√v / √bc2 + eps).
   */
  protected rule(
    structure: AdamStructure,
    x: UpdateTerms<AdamStateName, AdamScalar | AdamFactor>,
  ): UpdateResult<AdamStateName> {
    const s = x.scalars;
    const { d, w } = decayedGradient(structure, x.param, x.grad, s.decayFactor);
    const [m, v] = adamMoments({ ...s, m: x.state.expAvg!, v: x.state.expAvgSq! }, d);
    const vmax = structure.amsgrad ? ir.max(x.state.maxExpAvgSq!, v) : v;
    const denom = ir.add(ir.div(ir.sqrt(vmax), s.bc2Sqrt), s.eps);
    const param = ir.add(w, ir.div(ir.mul(ir.neg(s.stepSize), m), denom));
    return {
      param,
      state: structure.amsgrad ? { expAvg: m, expAvgSq: v, maxExpAvgSq: vmax } : { expAvg: m, expAvgSq: v },
    };
  }
}
