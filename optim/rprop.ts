/**
 * Rprop, as `torch.optim.Rprop`: resilient backpropagation, with step size bounds and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { full, zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { check, checkNonNegative, Optimizer, type ParamGroup, type Params, type State } from "./optimizer.ts";
import { countStep } from "./device_step.ts";

/** Rprop's hyperparameters (PyTorch's defaults: lr 1e-2, etas [0.5, 1.2], stepSizes [1e-6, 50]). */
export interface RpropOptions {
  /** The initial step size of every coordinate. */
  lr: number;
  /** [η−, η+]: a step size is multiplied by η− when the gradient's sign flips and by η+ when it stays. */
  etas: [number, number];
  /** [minimum, maximum] of the step sizes. */
  stepSizes: [number, number];
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** PyTorch's sign as an expression: (0 < x) − (x < 0), so 0 for 0 and NaN. */
function sign(x: ir.Expr): ir.Expr {
  return ir.sub(ir.cast(ir.lt(0, x), x.dtype), ir.cast(ir.lt(x, 0), x.dtype));
}

/**
 * The fused update, in PyTorch's order of operations: g = ±grad; s = g·prev; stepSize ← clamp(stepSize·(s > 0 ? η+
 * : s < 0 ? η− : 1), min, max); g ← s < 0 ? 0 : g; p += (−sign(g))·stepSize; prev ← g.
 */
function rpropKernel(p: Tensor, g: Tensor, maximize: boolean): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(`rprop:${t}:${g.dtype}:${maximize}`, () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t],
      ([param, grad, prev, stepSize], [etaMinus, etaPlus, stepMin, stepMax]) => {
        const d = maximize ? ir.neg(ir.cast(grad, t)) : ir.cast(grad, t);
        const s = ir.mul(d, prev);
        const flipped = ir.lt(s, 0);
        const factor = ir.where(ir.gt(s, 0), etaPlus, ir.where(flipped, etaMinus, ir.constant(1, t)));
        const size = ir.min(ir.max(ir.mul(stepSize, factor), stepMin), stepMax);
        const kept = ir.where(flipped, ir.constant(0, t), d);
        return [ir.add(param, ir.mul(ir.neg(sign(kept)), size)), kept, size];
      },
    ));
}

/**
 * Rprop (Riedmiller & Braun 1993), as `torch.optim.Rprop`: every coordinate moves by its own step size in the
 * direction of the gradient's sign, the step size growing while the sign holds and shrinking when it flips, in one
 * fused kernel per parameter.
 *
 * @example
 * ```ts
 * import { Rprop } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new Rprop(model.parameters(), { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 1] });
 * ```
 */
export class Rprop extends Optimizer<RpropOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<RpropOptions>, options: Partial<RpropOptions> = {}) {
    super(params, { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false, ...options });
  }

  /** PyTorch's checks of Rprop's hyperparameters. */
  protected validate(group: RpropOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    const [etaMinus, etaPlus] = group.etas;
    check(
      0 < etaMinus && etaMinus < 1 && 1 < etaPlus,
      `Invalid eta values: ${etaMinus}, ${etaPlus} (expected 0 < etas[0] < 1 < etas[1])`,
    );
  }

  /** The update only counts steps, so a GradScaler can skip it on the device. */
  protected override readonly stepIsCountOnly = true;

  /** The step count, the zeroed previous gradient, and every step size at the group's lr. */
  protected initState(p: Tensor, group: ParamGroup<RpropOptions>): State {
    return {
      step: 0,
      prev: zerosLike(p),
      stepSize: full(p.shape, group.lr, { dtype: p.dtype, device: p.device }),
    };
  }

  /** One fused kernel: the parameter, the previous gradient and the step sizes updated in place. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<RpropOptions>, state: State): void {
    countStep(state);
    const [prev, stepSize] = [state.prev as Tensor, state.stepSize as Tensor];
    runKernelInto(
      rpropKernel(p, grad, group.maximize),
      [p, grad, prev, stepSize],
      [p, prev, stepSize],
      [...group.etas, ...group.stepSizes],
    );
  }
}
