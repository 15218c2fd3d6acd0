/**
 * Adadelta, as `torch.optim.Adadelta`, with weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { check, checkNonNegative, Optimizer, type ParamGroup, type Params, type State } from "./optimizer.ts";
import { countStep } from "./device_step.ts";

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

/**
 * The fused update, in PyTorch's order of operations: g = ±grad (+ wd·p); v = ρ·v + (1−ρ)·g·g;
 * δ = √(u + eps) / √(v + eps) · g; u = ρ·u + (1−ρ)·δ·δ; p −= lr·δ.
 */
function adadeltaKernel(p: Tensor, g: Tensor, group: AdadeltaOptions): ir.Kernel {
  const decay = group.weightDecay !== 0;
  const t = p.dtype;
  return cachedKernel(`adadelta:${t}:${g.dtype}:${group.maximize}:${decay}`, () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t, t],
      ([param, grad, squareAvg, accDelta], [rho, oneMinusRho, eps, negLr, weightDecay]) => {
        let d = ir.cast(grad, t);
        if (group.maximize) d = ir.neg(d);
        if (decay) d = ir.add(d, ir.mul(weightDecay, param));
        const v = ir.add(ir.mul(squareAvg, rho), ir.mul(ir.mul(oneMinusRho, d), d));
        const std = ir.sqrt(ir.add(v, eps));
        const delta = ir.mul(ir.div(ir.sqrt(ir.add(accDelta, eps)), std), d);
        const u = ir.add(ir.mul(accDelta, rho), ir.mul(ir.mul(oneMinusRho, delta), delta));
        return [ir.add(param, ir.mul(negLr, delta)), v, u];
      },
    ));
}

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
export class Adadelta extends Optimizer<AdadeltaOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super(params, { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, ...options });
  }

  /** PyTorch's checks of Adadelta's hyperparameters. */
  protected validate(group: AdadeltaOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    check(group.rho >= 0 && group.rho <= 1, `Invalid rho value: ${group.rho} (expected 0 <= rho <= 1)`);
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
  }

  /** The update only counts steps, so a GradScaler can skip it on the device. */
  protected override readonly stepIsCountOnly = true;

  /** The step count and the zeroed running averages of squared gradients and squared deltas. */
  protected initState(p: Tensor): State {
    return { step: 0, squareAvg: zerosLike(p), accDelta: zerosLike(p) };
  }

  /** One fused kernel: the parameter and both running averages updated in place. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<AdadeltaOptions>, state: State): void {
    countStep(state);
    const [v, u] = [state.squareAvg as Tensor, state.accDelta as Tensor];
    runKernelInto(
      adadeltaKernel(p, grad, group),
      [p, grad, v, u],
      [p, v, u],
      [group.rho, 1 - group.rho, group.eps, -group.lr, group.weightDecay],
    );
  }
}
