/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay, as `torch.optim.SGD`.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { zerosLike } from "../tensor/creation.ts";
import { check, Optimizer, type ParamGroup, type Params, type State } from "./optimizer.ts";

/** SGD's hyperparameters (PyTorch's defaults: lr 1e-3, everything else off). */
export interface SGDOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (0: none). */
  momentum: number;
  /** Dampening of the momentum's new gradient share. */
  dampening: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Use Nesterov momentum (needs momentum > 0 and no dampening). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * The one fused update: d = ±g (+ wd·p); with momentum, buf = first ? d : momentum·buf + (1 − dampening)·d and
 * d = nesterov ? d + momentum·buf : buf; then p −= lr·d. Options that PyTorch skips when zero or off are
 * compile-time; numbers are runtime scalars.
 */
function sgdKernel(p: Tensor, g: Tensor, group: SGDOptions): ir.Kernel {
  const useMomentum = group.momentum !== 0;
  const decay = group.weightDecay !== 0;
  const key = `sgd:${p.dtype}:${g.dtype}:${useMomentum}:${decay}:${group.nesterov}:${group.maximize}`;
  return cachedKernel(key, () =>
    ir.defineKernel(
      useMomentum ? [p.dtype, g.dtype, p.dtype] : [p.dtype, g.dtype],
      [p.dtype, p.dtype, p.dtype, p.dtype, p.dtype],
      ([param, grad, buf], [lr, momentum, oneMinusDampening, weightDecay, first]) => {
        let d = ir.cast(grad, p.dtype);
        if (group.maximize) d = ir.neg(d);
        if (decay) d = ir.add(d, ir.mul(weightDecay, param));
        if (!useMomentum) return [ir.sub(param, ir.mul(lr, d))];
        const nextBuf = ir.where(first, d, ir.add(ir.mul(buf, momentum), ir.mul(oneMinusDampening, d)));
        const step = group.nesterov ? ir.add(d, ir.mul(momentum, nextBuf)) : nextBuf;
        return [ir.sub(param, ir.mul(lr, step)), nextBuf];
      },
    ));
}

/**
 * Stochastic gradient descent (optionally with momentum), as `torch.optim.SGD`, in one fused kernel per parameter.
 *
 * @example
 * ```ts
 * import { SGD } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(10, 2);
 * const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, {
      lr: 1e-3,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      ...options,
    });
  }

  /** PyTorch's checks of SGD's hyperparameters. */
  protected validate(group: SGDOptions): void {
    check(group.lr >= 0, `Invalid learning rate: ${group.lr} (expected lr >= 0)`);
    check(group.momentum >= 0, `Invalid momentum value: ${group.momentum} (expected momentum >= 0)`);
    check(
      group.weightDecay >= 0,
      `Invalid weightDecay value: ${group.weightDecay} (expected weightDecay >= 0)`,
    );
    check(
      !group.nesterov || (group.momentum > 0 && group.dampening === 0),
      `Nesterov momentum requires a momentum and zero dampening (got momentum ${group.momentum}, dampening ${group.dampening})`,
    );
  }

  /** No state until the first update with momentum creates the buffer. */
  protected initState(): State {
    return {};
  }

  /** One fused kernel: the parameter (and the momentum buffer) updated in place. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<SGDOptions>, state: State): void {
    const kernel = sgdKernel(p, grad, group);
    const scalars = [group.lr, group.momentum, 1 - group.dampening, group.weightDecay];
    if (group.momentum === 0) {
      runKernelInto(kernel, [p, grad], [p], [...scalars, 0]);
      return;
    }
    const first = state.momentumBuffer === undefined;
    const buf = first ? (state.momentumBuffer = zerosLike(p)) as Tensor : state.momentumBuffer as Tensor;
    runKernelInto(kernel, [p, grad, buf], [p, buf], [...scalars, first ? 1 : 0]);
  }
}
