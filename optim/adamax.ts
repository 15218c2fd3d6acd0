/**
 * Adamax, as `torch.optim.Adamax`: Adam with the infinity norm, with weight decay and maximize.
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

/**
 * The fused update, in PyTorch's order of operations: g = ±grad (+ wd·p); m = β1·m + (1−β1)·g;
 * u = max(β2·u, |g| + eps); p += (−clr·m) / u, with clr = lr / (1 − β1^step) a runtime scalar.
 */
function adamaxKernel(p: Tensor, g: Tensor, group: AdamaxOptions): ir.Kernel {
  const decay = group.weightDecay !== 0;
  const t = p.dtype;
  return cachedKernel(`adamax:${t}:${g.dtype}:${group.maximize}:${decay}`, () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t, t, t],
      ([param, grad, m, u], [beta1, oneMinusBeta1, beta2, eps, negClr, weightDecay]) => {
        let d = ir.cast(grad, t);
        if (group.maximize) d = ir.neg(d);
        if (decay) d = ir.add(d, ir.mul(weightDecay, param));
        const m2 = ir.add(ir.mul(m, beta1), ir.mul(oneMinusBeta1, d));
        const u2 = ir.max(ir.mul(u, beta2), ir.add(ir.abs(d), eps));
        return [ir.add(param, ir.div(ir.mul(negClr, m2), u2)), m2, u2];
      },
    ));
}

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
export class Adamax extends Optimizer<AdamaxOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super(params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false, ...options });
  }

  /** PyTorch's checks of Adamax's hyperparameters. */
  protected validate(group: AdamaxOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkBetas(group.betas);
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
  }

  /** The step count, the zeroed first moment and the zeroed infinity norm. */
  protected initState(p: Tensor): State {
    return { step: 0, expAvg: zerosLike(p), expInf: zerosLike(p) };
  }

  /** One fused kernel: the parameter, its moment and its norm updated in place, the bias correction a scalar. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<AdamaxOptions>, state: State): void {
    const step = (state.step as number) + 1;
    state.step = step;
    const [beta1, beta2] = group.betas;
    const clr = group.lr / (1 - beta1 ** step);
    const [m, u] = [state.expAvg as Tensor, state.expInf as Tensor];
    runKernelInto(
      adamaxKernel(p, grad, group),
      [p, grad, m, u],
      [p, m, u],
      [beta1, 1 - beta1, beta2, group.eps, -clr, group.weightDecay],
    );
  }
}
