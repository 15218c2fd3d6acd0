/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay, as `torch.optim.SGD`.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { l2Gradient, type L2Structure } from "./gradient.ts";
import {
  ElementwiseOptimizer,
  type StepContext,
  type UpdateResult,
  type UpdateTerms,
} from "./elementwise_optimizer.ts";
import { check } from "./validation.ts";
import type { Params } from "./state_dict.ts";

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

/** What SGD's rule reads of a group: options PyTorch skips when zero or off are compile-time. */
export type SGDStructure = L2Structure & {
  /** Whether momentum is on (a momentum other than 0). */
  momentum: boolean;
  /** Whether the momentum is Nesterov's. */
  nesterov: boolean;
};

/** The names of SGD's scalars. */
export type SGDScalar = "lr" | "momentum" | "oneMinusDampening" | "weightDecay" | "first";

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
export class SGD extends ElementwiseOptimizer<SGDOptions, SGDStructure, "momentumBuffer", SGDScalar> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, {
      lr: 1e-3,
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
    }, options);
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

  /** PyTorch's SGD state has no step count. */
  protected override readonly countsSteps = false;

  /** Whether momentum, weight decay, Nesterov and maximize are on. */
  protected structure(group: SGDOptions): SGDStructure {
    const { nesterov, maximize } = group;
    return { momentum: group.momentum !== 0, decay: group.weightDecay !== 0, nesterov, maximize };
  }

  /** The momentum buffer, with momentum (created by the first step, which it takes as the gradient). */
  protected stateNames(structure: SGDStructure): "momentumBuffer"[] {
    return structure.momentum ? ["momentumBuffer"] : [];
  }

  /** The hyperparameters, and whether this step created the momentum buffer. */
  protected scalars(group: SGDOptions, context: StepContext): Record<SGDScalar, number> {
    const { lr, momentum, weightDecay } = group;
    return {
      lr,
      momentum,
      oneMinusDampening: 1 - group.dampening,
      weightDecay,
      first: context.fresh ? 1 : 0,
    };
  }

  /**
   * d = ±g (+ wd·p); with momentum, buf = first ? d : momentum·buf + (1 − dampening)·d and
   * d = nesterov ? d + momentum·buf : buf; then p −= lr·d.
   */
  protected rule(
    structure: SGDStructure,
    x: UpdateTerms<"momentumBuffer", SGDScalar>,
  ): UpdateResult<"momentumBuffer"> {
    const s = x.scalars;
    const d = l2Gradient(structure, x.param, x.grad, s.weightDecay);
    if (!structure.momentum) return { param: ir.sub(x.param, ir.mul(s.lr, d)), state: {} };
    const buf = ir.where(
      s.first,
      d,
      ir.add(ir.mul(x.state.momentumBuffer!, s.momentum), ir.mul(s.oneMinusDampening, d)),
    );
    const step = structure.nesterov ? ir.add(d, ir.mul(s.momentum, buf)) : buf;
    return { param: ir.sub(x.param, ir.mul(s.lr, step)), state: { momentumBuffer: buf } };
  }
}
