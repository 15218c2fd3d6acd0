/**
 * ASGD, as `torch.optim.ASGD`: averaged stochastic gradient descent, with weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkNonNegative, Optimizer, type ParamGroup, type Params, type State } from "./optimizer.ts";

/** ASGD's hyperparameters (PyTorch's defaults: lr 1e-2, lambd 1e-4, alpha 0.75, t0 1e6, no weight decay). */
export interface ASGDOptions {
  /** Learning rate. */
  lr: number;
  /** Decay term: the parameter shrinks by a factor (1 − lambd·η) every step. */
  lambd: number;
  /** Power of the step size's decay: η_t = lr / (1 + lambd·lr·t)^alpha. */
  alpha: number;
  /** The step after which averaging starts. */
  t0: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * The fused update, in PyTorch's order of operations: g = ±grad (+ wd·p); p ← p·(1 − lambd·η); p ← p − η·g; then
 * ax ← ax + (p − ax)·μ while averaging (`averaging`, decided on the host as PyTorch does), else ax ← p.
 */
function asgdKernel(p: Tensor, g: Tensor, group: ASGDOptions, averaging: boolean): ir.Kernel {
  const decay = group.weightDecay !== 0;
  const t = p.dtype;
  return cachedKernel(`asgd:${t}:${g.dtype}:${group.maximize}:${decay}:${averaging}`, () =>
    ir.defineKernel(
      [t, g.dtype, t],
      [t, t, t, t],
      ([param, grad, ax], [shrink, negEta, mu, weightDecay]) => {
        let d = ir.cast(grad, t);
        if (group.maximize) d = ir.neg(d);
        if (decay) d = ir.add(d, ir.mul(weightDecay, param));
        const p2 = ir.add(ir.mul(param, shrink), ir.mul(negEta, d));
        return [p2, averaging ? ir.add(ax, ir.mul(ir.sub(p2, ax), mu)) : p2];
      },
    ));
}

/**
 * ASGD (Polyak & Juditsky 1992; Bottou 2012), as `torch.optim.ASGD`: SGD with a decaying step size, keeping the
 * running average of the parameters (state `ax`) from step t0 on, in one fused kernel per parameter. The step size
 * `eta` and averaging weight `mu` are per-parameter numbers, rounded to float32 as PyTorch's tensors hold them.
 *
 * @example
 * ```ts
 * import { ASGD } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new ASGD(model.parameters(), { lr: 1e-2, t0: 1000 });
 * // after training, the averaged parameters are optimizer.state.get(p)!.ax
 * ```
 */
export class ASGD extends Optimizer<ASGDOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<ASGDOptions>, options: Partial<ASGDOptions> = {}) {
    super(params, {
      lr: 1e-2,
      lambd: 1e-4,
      alpha: 0.75,
      t0: 1e6,
      weightDecay: 0,
      maximize: false,
      ...options,
    });
  }

  /** PyTorch's checks of ASGD's hyperparameters. */
  protected validate(group: ASGDOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
  }

  /** The step count, the step size (the group's lr), the averaging weight (1) and the zeroed average. */
  protected initState(p: Tensor, group: ParamGroup<ASGDOptions>): State {
    return { step: 0, eta: Math.fround(group.lr), mu: 1, ax: zerosLike(p) };
  }

  /** One fused kernel: the parameter and its average updated in place; then the next eta and mu on the host. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<ASGDOptions>, state: State): void {
    const step = (state.step as number) + 1;
    state.step = step;
    const [eta, mu, ax] = [state.eta as number, state.mu as number, state.ax as Tensor];
    const { lr, lambd, alpha, t0 } = group;
    runKernelInto(
      asgdKernel(p, grad, group, mu !== 1),
      [p, grad, ax],
      [p, ax],
      [1 - lambd * eta, -eta, mu, group.weightDecay],
    );
    state.eta = Math.fround(lr / (1 + lambd * lr * step) ** alpha);
    state.mu = Math.fround(1 / Math.max(1, step - t0));
  }
}
