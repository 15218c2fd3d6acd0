/**
 * RAdam, as `torch.optim.RAdam` (PyTorch 2): Adam with a rectified adaptive learning rate, with L2 or decoupled
 * weight decay and maximize.
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

/** RAdam's hyperparameters (PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, no weight decay). */
export interface RAdamOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay: an L2 penalty, or decoupled (see below). */
  weightDecay: number;
  /** Decay weights directly (p ← p·(1 − lr·wd)) instead of adding wd·p to the gradient, as AdamW does. */
  decoupledWeightDecay: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * The fused update, in PyTorch's order of operations: [p ← p·(1 − lr·wd) | g = ±grad + wd·p];
 * m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g; then p −= (m / bc1)·lr·(√bc2 / (√v + eps))·rect while the variance
 * is tractable (`rectified`, decided on the host as PyTorch does), else p −= (m / bc1)·lr.
 */
function radamKernel(p: Tensor, g: Tensor, group: RAdamOptions, rectified: boolean): ir.Kernel {
  const decay = group.weightDecay !== 0;
  const t = p.dtype;
  const key = `radam:${t}:${g.dtype}:${group.maximize}:${decay}:${group.decoupledWeightDecay}:${rectified}`;
  return cachedKernel(key, () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t, t, t, t, t, t, t],
      (
        [param, grad, m, v],
        [beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc1, lr, bc2Sqrt, eps, rect, decayFactor],
      ) => {
        let d = ir.cast(grad, t);
        if (group.maximize) d = ir.neg(d);
        let w = param;
        if (decay && group.decoupledWeightDecay) w = ir.mul(param, decayFactor);
        else if (decay) d = ir.add(d, ir.mul(decayFactor, param));
        const m2 = ir.add(ir.mul(m, beta1), ir.mul(oneMinusBeta1, d));
        const v2 = ir.add(ir.mul(v, beta2), ir.mul(ir.mul(oneMinusBeta2, d), d));
        let step = ir.mul(ir.div(m2, bc1), lr);
        if (rectified) step = ir.mul(ir.mul(step, ir.div(bc2Sqrt, ir.add(ir.sqrt(v2), eps))), rect);
        return [ir.sub(w, step), m2, v2];
      },
    ));
}

/**
 * RAdam (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and Beyond"), as `torch.optim.RAdam` of
 * PyTorch 2: one fused kernel per parameter; the rectification term and the choice between the rectified and the
 * momentum-only update are made on the host from the step count.
 *
 * @example
 * ```ts
 * import { RAdam } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new RAdam(model.parameters(), { lr: 1e-3, weightDecay: 0.01, decoupledWeightDecay: true });
 * ```
 */
export class RAdam extends Optimizer<RAdamOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<RAdamOptions>, options: Partial<RAdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      decoupledWeightDecay: false,
      maximize: false,
      ...options,
    });
  }

  /** PyTorch's checks of RAdam's hyperparameters. */
  protected validate(group: RAdamOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkBetas(group.betas);
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
  }

  /** The step count and the zeroed moments. */
  protected initState(p: Tensor): State {
    return { step: 0, expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
  }

  /** One fused kernel: the parameter and its moments updated in place, the bias corrections and rect as scalars. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<RAdamOptions>, state: State): void {
    const step = (state.step as number) + 1;
    state.step = step;
    const [beta1, beta2] = group.betas;
    const bc2 = 1 - beta2 ** step;
    // The length of the approximated simple moving average, and its limit.
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - 2 * step * beta2 ** step / bc2;
    const rectified = rhoT > 5;
    const rect = rectified
      ? Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
      : 1;
    const scalars = [
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      1 - beta1 ** step,
      group.lr,
      Math.sqrt(bc2),
      group.eps,
      rect,
      group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay,
    ];
    const [m, v] = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    runKernelInto(radamKernel(p, grad, group, rectified), [p, grad, m, v], [p, m, v], scalars);
  }
}
