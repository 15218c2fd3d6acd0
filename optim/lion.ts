/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an interpolated momentum,
 * with decoupled weight decay. Beyond PyTorch.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { check, Optimizer, type ParamGroup, type Params, type State } from "./optimizer.ts";

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

/**
 * The fused update, in the order of lucidrains/lion-pytorch's `update_fn`: θ ← θ·(1 − lr·λ);
 * θ ← θ − lr·sign(β1·m + (1 − β1)·g); m ← β2·m + (1 − β2)·g.
 */
function lionKernel(p: Tensor, g: Tensor, maximize: boolean): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(`lion:${t}:${g.dtype}:${maximize}`, () =>
    ir.defineKernel(
      [t, g.dtype, t],
      [t, t, t, t, t, t],
      ([param, grad, m], [lr, decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2]) => {
        const d = maximize ? ir.neg(ir.cast(grad, t)) : ir.cast(grad, t);
        const c = ir.add(ir.mul(m, beta1), ir.mul(oneMinusBeta1, d));
        // PyTorch's sign: 0 for 0 (and NaN).
        const sign = ir.sub(ir.cast(ir.lt(0, c), t), ir.cast(ir.lt(c, 0), t));
        return [
          ir.add(ir.mul(param, decay), ir.mul(ir.neg(lr), sign)),
          ir.add(ir.mul(m, beta2), ir.mul(oneMinusBeta2, d)),
        ];
      },
    ));
}

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
export class Lion extends Optimizer<LionOptions> {
  /** An optimizer of `params` with the given hyperparameters (the paper's defaults otherwise). */
  constructor(params: Params<LionOptions>, options: Partial<LionOptions> = {}) {
    super(params, { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false, ...options });
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

  /** The momentum, zeros. */
  protected initState(p: Tensor): State {
    return { expAvg: zerosLike(p) };
  }

  /** One fused kernel: the parameter and its momentum updated in place. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<LionOptions>, state: State): void {
    const [beta1, beta2] = group.betas;
    const m = state.expAvg as Tensor;
    runKernelInto(
      lionKernel(p, grad, group.maximize),
      [p, grad, m],
      [p, m],
      [group.lr, 1 - group.lr * group.weightDecay, beta1, 1 - beta1, beta2, 1 - beta2],
    );
  }
}
