/**
 * NAdam, as `torch.optim.NAdam` (PyTorch 2): Adam with Nesterov momentum and a momentum decay schedule, with L2 or
 * decoupled weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import {
  checkBetas,
  checkNonNegative,
  Optimizer,
  type ParamGroup,
  type Params,
  type State,
} from "./optimizer.ts";

/**
 * NAdam's hyperparameters (PyTorch's defaults: lr 2e-3, betas [0.9, 0.999], eps 1e-8, no weight decay,
 * momentumDecay 4e-3).
 */
export interface NAdamOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay: an L2 penalty, or decoupled (see below). */
  weightDecay: number;
  /** ψ of the momentum schedule μ_t = β1·(1 − ½·0.96^(t·ψ)). */
  momentumDecay: number;
  /** Decay weights directly (p ← p·(1 − lr·wd)) instead of adding wd·p to the gradient, as AdamW does. */
  decoupledWeightDecay: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * The fused update, in PyTorch's order of operations: [p ← p·(1 − lr·wd) | g = ±grad + wd·p];
 * m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g; denom = √(v / bc2) + eps;
 * p += (gradCoef·g) / denom; p += (avgCoef·m) / denom — two roundings of p, as PyTorch's two addcdiv_ calls.
 */
function nadamKernel(p: Tensor, g: Tensor, group: NAdamOptions): ir.Kernel {
  const decay = group.weightDecay !== 0;
  const t = p.dtype;
  const key = `nadam:${t}:${g.dtype}:${group.maximize}:${decay}:${group.decoupledWeightDecay}`;
  return cachedKernel(key, () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t, t, t, t, t, t],
      (
        [param, grad, m, v],
        [beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc2, eps, gradCoef, avgCoef, decayFactor],
      ) => {
        let d = ir.cast(grad, t);
        if (group.maximize) d = ir.neg(d);
        let w = param;
        if (decay && group.decoupledWeightDecay) w = ir.mul(param, decayFactor);
        else if (decay) d = ir.add(d, ir.mul(decayFactor, param));
        const m2 = ir.add(ir.mul(m, beta1), ir.mul(oneMinusBeta1, d));
        const v2 = ir.add(ir.mul(v, beta2), ir.mul(ir.mul(oneMinusBeta2, d), d));
        const denom = ir.add(ir.sqrt(ir.div(v2, bc2)), eps);
        const p1 = ir.add(w, ir.div(ir.mul(gradCoef, d), denom));
        return [ir.add(p1, ir.div(ir.mul(avgCoef, m2), denom)), m2, v2];
      },
    ));
}

/**
 * NAdam (Dozat 2016, "Incorporating Nesterov Momentum into Adam"), as `torch.optim.NAdam` of PyTorch 2: one fused
 * kernel per parameter, the momentum schedule and its running product computed on the host. PyTorch 1.13 computed
 * the next product with μ_t once too often (fixed in PyTorch 2.0, pytorch/pytorch#92699); gradstep follows the fix.
 *
 * @example
 * ```ts
 * import { NAdam } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new NAdam(model.parameters(), { lr: 2e-3, weightDecay: 0.01, decoupledWeightDecay: true });
 * ```
 */
export class NAdam extends Optimizer<NAdamOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    super(params, {
      lr: 2e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      momentumDecay: 4e-3,
      decoupledWeightDecay: false,
      maximize: false,
      ...options,
    });
  }

  /** PyTorch's checks of NAdam's hyperparameters. */
  protected validate(group: NAdamOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkBetas(group.betas);
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
    checkNonNegative(group.momentumDecay, "momentumDecay value", "momentumDecay");
  }

  /** The step count, the running product of the momentum schedule (1) and the zeroed moments. */
  protected initState(p: Tensor): State {
    return { step: 0, muProduct: 1, expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
  }

  /**
   * One fused kernel: the parameter and its moments updated in place. The schedule's coefficients are host
   * scalars; the running product is rounded to float32 at every step, as PyTorch keeps it in a float32 tensor.
   */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<NAdamOptions>, state: State): void {
    const step = (state.step as number) + 1;
    state.step = step;
    const [beta1, beta2] = group.betas;
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * group.momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * group.momentumDecay));
    const muProduct = Math.fround((state.muProduct as number) * Math.fround(mu));
    state.muProduct = muProduct;
    const decayFactor = group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay;
    const scalars = [
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      1 - beta2 ** step,
      group.eps,
      -group.lr * (1 - mu) / (1 - muProduct),
      -group.lr * muNext / (1 - muProduct * muNext),
      decayFactor,
    ];
    const [m, v] = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    runKernelInto(nadamKernel(p, grad, group), [p, grad, m, v], [p, m, v], scalars);
  }
}
