/**
 * RMSprop, as `torch.optim.RMSprop`, with momentum, the centered variant, weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkNonNegative, Optimizer, type ParamGroup, type Params, type State } from "./optimizer.ts";
import { countStep } from "./device_step.ts";

/** RMSprop's hyperparameters (PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, everything else 0 or off). */
export interface RMSpropOptions {
  /** Learning rate. */
  lr: number;
  /** Smoothing constant of the running average of squared gradients. */
  alpha: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Momentum factor (0: none). */
  momentum: number;
  /** Normalize by an estimate of the gradient's variance (the squared average minus the squared mean). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * The fused update, in PyTorch's order of operations: g = ±grad (+ wd·p); v = α·v + (1−α)·g·g;
 * [centered: ḡ = α·ḡ + (1−α)·g; avg = √(v − ḡ·ḡ) | avg = √v] + eps; then with momentum b = μ·b + g / avg and
 * p −= lr·b, else p += (−lr·g) / avg.
 */
function rmspropKernel(p: Tensor, g: Tensor, group: RMSpropOptions): ir.Kernel {
  const decay = group.weightDecay !== 0;
  const useMomentum = group.momentum > 0;
  const t = p.dtype;
  const key = `rmsprop:${t}:${g.dtype}:${group.maximize}:${decay}:${group.centered}:${useMomentum}`;
  const inputs = [t, g.dtype, t];
  if (group.centered) inputs.push(t);
  if (useMomentum) inputs.push(t);
  return cachedKernel(key, () =>
    ir.defineKernel(
      inputs,
      [t, t, t, t, t, t],
      ([param, grad, squareAvg, ...rest], [alpha, oneMinusAlpha, eps, negLr, momentum, weightDecay]) => {
        let d = ir.cast(grad, t);
        if (group.maximize) d = ir.neg(d);
        if (decay) d = ir.add(d, ir.mul(weightDecay, param));
        const v = ir.add(ir.mul(squareAvg, alpha), ir.mul(ir.mul(oneMinusAlpha, d), d));
        const outputs = [v];
        let avg = ir.sqrt(v);
        if (group.centered) {
          const mean = ir.add(ir.mul(rest[0], alpha), ir.mul(oneMinusAlpha, d));
          avg = ir.sqrt(ir.add(v, ir.mul(ir.neg(mean), mean)));
          outputs.push(mean);
        }
        avg = ir.add(avg, eps);
        if (!useMomentum) return [ir.add(param, ir.div(ir.mul(negLr, d), avg)), ...outputs];
        const buf = ir.add(ir.mul(rest[rest.length - 1], momentum), ir.div(d, avg));
        return [ir.add(param, ir.mul(negLr, buf)), ...outputs, buf];
      },
    ));
}

/**
 * RMSprop (Hinton's lecture 6e; centered as in Graves 2013), as `torch.optim.RMSprop`: steps scaled by a running
 * root-mean-square of the gradients, optionally with momentum, in one fused kernel per parameter.
 *
 * @example
 * ```ts
 * import { RMSprop } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 * ```
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
      ...options,
    });
  }

  /** PyTorch's checks of RMSprop's hyperparameters. */
  protected validate(group: RMSpropOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkNonNegative(group.momentum, "momentum value", "momentum");
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
    checkNonNegative(group.alpha, "alpha value", "alpha");
  }

  /** The update only counts steps, so a GradScaler can skip it on the device. */
  protected override readonly stepIsCountOnly = true;

  /** The step count, the zeroed squared average, and the momentum buffer and mean gradient where used. */
  protected initState(p: Tensor, group: ParamGroup<RMSpropOptions>): State {
    const state: State = { step: 0, squareAvg: zerosLike(p) };
    if (group.momentum > 0) state.momentumBuffer = zerosLike(p);
    if (group.centered) state.gradAvg = zerosLike(p);
    return state;
  }

  /** One fused kernel: the parameter and its running averages (and momentum buffer) updated in place. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<RMSpropOptions>, state: State): void {
    countStep(state);
    const buffers = [state.squareAvg as Tensor];
    if (group.centered) buffers.push((state.gradAvg ??= zerosLike(p)) as Tensor);
    if (group.momentum > 0) buffers.push((state.momentumBuffer ??= zerosLike(p)) as Tensor);
    runKernelInto(
      rmspropKernel(p, grad, group),
      [p, grad, ...buffers],
      [p, ...buffers],
      [group.alpha, 1 - group.alpha, group.eps, -group.lr, group.momentum, group.weightDecay],
    );
  }
}
