/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an interpolated momentum,
 * with decoupled weight decay. Beyond PyTorch.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { ElementwiseOptimizer, type UpdateResult, type UpdateTerms } from "./elementwise_optimizer.ts";
import { check } from "./validation.ts";
import type { Params } from "./state_dict.ts";

/** Lion's hyperparameters (the paper's defaults: lr 1e-4, betas [0.9, 0.99], no weight decay). */
export interface LionOptions {
  /** Learning rate: every coordinate moves by exactly lr (plus the decay). Typically 3–10× below AdamW's. */
  lr: number;
  /** [β1, β2]: β1 interpolates the update's momentum, β2 is the momentum's decay. */
  betas: [number, number];
  /** Decoupled weight decay: θ ← θ·(1 − lr·weightDecay). Typically 3–10× above AdamW's. */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** What Lion's rule reads of a group. */
export interface LionStructure {
  /** Every choice is a flag (a structure names a kernel, so it holds no numbers). */
  [choice: string]: boolean;
  /** Whether the rule maximizes the objective. */
  maximize: boolean;
}

/** The names of Lion's scalars. */
export type LionScalar = "lr" | "decay" | "beta1" | "oneMinusBeta1" | "beta2" | "oneMinusBeta2";

/**
 * Lion (EvoLved Sign Momentum), as the paper's Program 1 and lucidrains/lion-pytorch: one momentum buffer, updates
 * of size lr in every coordinate, in one fused kernel per parameter.
 *
 * @example
 * ```ts
 * import { Lion } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new Lion(model.parameters(), { lr: 1e-4, weightDecay: 1 });
 * ```
 */
export class Lion extends ElementwiseOptimizer<LionOptions, LionStructure, "expAvg", LionScalar> {
  /** An optimizer of `params` with the given hyperparameters (the paper's defaults otherwise). */
  constructor(params: Params<LionOptions>, options: Partial<LionOptions> = {}) {
    super(params, { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false }, options);
  }

  /** Checks of Lion's hyperparameters, worded as PyTorch's Adam words its own. */
  protected validate(group: LionOptions): void {
    check(group.lr >= 0, `Invalid learning rate: ${group.lr} (expected lr >= 0)`);
    check(
      Array.isArray(group.betas) && group.betas.length === 2,
      `Invalid betas: ${group.betas} (expected two numbers)`,
    );
    group.betas.forEach((beta, i) =>
      check(beta >= 0 && beta <= 1, `Invalid beta parameter at index ${i}: ${beta} (expected 0 <= beta <= 1)`)
    );
    check(
      group.weightDecay >= 0,
      `Invalid weightDecay value: ${group.weightDecay} (expected weightDecay >= 0)`,
    );
  }

  /** Lion's state has no step count. */
  protected override readonly countsSteps = false;

  /** Whether it maximizes. */
  protected structure(group: LionOptions): LionStructure {
    return { maximize: group.maximize };
  }

  /** The momentum. */
  protected stateNames(): "expAvg"[] {
    return ["expAvg"];
  }

  /** lr, the decay factor 1 − lr·wd, and the betas with their complements. */
  protected scalars(group: LionOptions): Record<LionScalar, number> {
    const [beta1, beta2] = group.betas;
    const { lr } = group;
    return {
      lr,
      decay: 1 - lr * group.weightDecay,
      beta1,
      oneMinusBeta1: 1 - beta1,
      beta2,
      oneMinusBeta2: 1 - beta2,
    };
  }

  /** c = β1·m + (1−β1)·d; p = p·(1 − lr·wd) − lr·sign(c); m = β2·m + (1−β2)·d. */
  protected rule(structure: LionStructure, x: UpdateTerms<"expAvg", LionScalar>): UpdateResult<"expAvg"> {
    const s = x.scalars;
    const t = x.param.dtype;
    const d = structure.maximize ? ir.neg(ir.cast(x.grad, t)) : ir.cast(x.grad, t);
    const m = x.state.expAvg!;
    const c = ir.add(ir.mul(m, s.beta1), ir.mul(s.oneMinusBeta1, d));
    // PyTorch's sign: 0 for 0 (and NaN).
    const sign = ir.sub(ir.cast(ir.lt(0, c), t), ir.cast(ir.lt(c, 0), t));
    return {
      param: ir.add(ir.mul(x.param, s.decay), ir.mul(ir.neg(s.lr), sign)),
      state: { expAvg: ir.add(ir.mul(m, s.beta2), ir.mul(s.oneMinusBeta2, d)) },
    };
  }
}
