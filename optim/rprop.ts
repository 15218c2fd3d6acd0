/**
 * Rprop, as `torch.optim.Rprop`: resilient backpropagation, with step size bounds and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { ElementwiseOptimizer, type UpdateResult, type UpdateTerms } from "./elementwise_optimizer.ts";
import { check, checkNonNegative } from "./validation.ts";
import type { Params } from "./state_dict.ts";

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

/** What Rprop's rule reads of a group. */
export interface RpropStructure {
  /** Every choice is a flag (a structure names a kernel, so it holds no numbers). */
  [choice: string]: boolean;
  /** Whether the rule maximizes the objective. */
  maximize: boolean;
}

/** The names of Rprop's state tensors. */
export type RpropStateName = "prev" | "stepSize";
/** The names of Rprop's scalars. */
export type RpropScalar = "etaMinus" | "etaPlus" | "stepMin" | "stepMax";

/** PyTorch's sign: 0 for 0 (and NaN). */
function sign(x: ir.Expr): ir.Expr {
  return ir.sub(ir.cast(ir.lt(0, x), x.dtype), ir.cast(ir.lt(x, 0), x.dtype));
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
export class Rprop extends ElementwiseOptimizer<RpropOptions, RpropStructure, RpropStateName, RpropScalar> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<RpropOptions>, options: Partial<RpropOptions> = {}) {
    super(params, { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false }, options);
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

  /** Whether it maximizes. */
  protected structure(group: RpropOptions): RpropStructure {
    return { maximize: group.maximize };
  }

  /** The previous gradient (zeros at first) and the step sizes (the group's lr at first). */
  protected stateNames(): RpropStateName[] {
    return ["prev", "stepSize"];
  }

  /** Every step size starts at the group's lr; the previous gradient at 0. */
  protected override initialValue(name: RpropStateName, group: RpropOptions): number {
    return name === "stepSize" ? group.lr : 0;
  }

  /** The etas and the step size bounds. */
  protected scalars(group: RpropOptions): Record<RpropScalar, number> {
    const [etaMinus, etaPlus] = group.etas;
    const [stepMin, stepMax] = group.stepSizes;
    return { etaMinus, etaPlus, stepMin, stepMax };
  }

  /**
   * s = d·prev; a step size grows by η+ where s > 0 and shrinks by η− where s < 0 (within the bounds); where the
   * sign flipped the gradient is forgotten (prev = 0, no move); p −= sign(d)·size.
   */
  protected rule(
    structure: RpropStructure,
    x: UpdateTerms<RpropStateName, RpropScalar>,
  ): UpdateResult<RpropStateName> {
    const { etaMinus, etaPlus, stepMin, stepMax } = x.scalars;
    const t = x.param.dtype;
    const d = structure.maximize ? ir.neg(ir.cast(x.grad, t)) : ir.cast(x.grad, t);
    const s = ir.mul(d, x.state.prev!);
    const flipped = ir.lt(s, 0);
    const factor = ir.where(ir.gt(s, 0), etaPlus, ir.where(flipped, etaMinus, ir.constant(1, t)));
    const size = ir.min(ir.max(ir.mul(x.state.stepSize!, factor), stepMin), stepMax);
    const kept = ir.where(flipped, ir.constant(0, t), d);
    return {
      param: ir.add(x.param, ir.mul(ir.neg(sign(kept)), size)),
      state: { prev: kept, stepSize: size },
    };
  }
}
