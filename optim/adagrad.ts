/**
 * Adagrad, as `torch.optim.Adagrad`, with lr decay, weight decay, an initial accumulator value and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { full } from "../tensor/creation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { l2Gradient, type L2Structure } from "./gradient.ts";
import { ElementwiseOptimizer, type UpdateResult, type UpdateTerms } from "./elementwise_optimizer.ts";
import { checkNonNegative } from "./validation.ts";
import type { ParamGroupInput, Params, State } from "./state_dict.ts";

/** Adagrad's hyperparameters (PyTorch's defaults: lr 1e-2, eps 1e-10, everything else 0 or off). */
export interface AdagradOptions {
  /** Learning rate. */
  lr: number;
  /** The lr of step t is lr / (1 + (t − 1)·lrDecay). */
  lrDecay: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /**
   * The value every sum of squared gradients starts from. As in PyTorch, the optimizer's value (the constructor's
   * option) fills every parameter's sum; a group's own value is kept in the group but not used.
   */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** The names of Adagrad's scalars. */
export type AdagradScalar = "lr" | "lrDecay" | "eps" | "weightDecay";

/**
 * Adagrad (Duchi et al. 2011), as `torch.optim.Adagrad`: per-coordinate steps scaled by the root of the summed
 * squared gradients, in one fused kernel per parameter. As in PyTorch, every parameter's state exists from the
 * moment it is added to the optimizer.
 *
 * @example
 * ```ts
 * import { Adagrad } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new Adagrad(model.parameters(), { lr: 0.01, lrDecay: 1e-4, initialAccumulatorValue: 0.1 });
 * ```
 */
export class Adagrad
  extends ElementwiseOptimizer<AdagradOptions, L2Structure, "sum", AdagradScalar, "negClr"> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
    }, options);
  }

  /**
   * Adds a parameter group and, as PyTorch's constructor does, creates its parameters' state at once.
   *
   * @example
   * ```ts
   * import { Adagrad } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new Adagrad(new Linear(4, 8).parameters(), { lr: 0.01 });
   * optimizer.addParamGroup({ params: new Linear(8, 2).parameters(), lr: 0.1 }); // its sums start at initialAccumulatorValue
   * ```
   */
  override addParamGroup(group: ParamGroupInput<AdagradOptions>): void {
    super.addParamGroup(group);
    const added = this.paramGroups[this.paramGroups.length - 1];
    for (const p of added.params) this.state.set(p, this.initState(p));
    this.keepState();
  }

  /** PyTorch's checks of Adagrad's hyperparameters. */
  protected validate(group: AdagradOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.lrDecay, "lrDecay value", "lrDecay");
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
    checkNonNegative(
      group.initialAccumulatorValue,
      "initialAccumulatorValue value",
      "initialAccumulatorValue",
    );
    checkNonNegative(group.eps, "epsilon value", "eps");
  }

  /** The step count and the sum of squared gradients, filled with the optimizer's initial accumulator value. */
  protected override initState(p: Tensor): State {
    const value = this.defaults.initialAccumulatorValue;
    return { step: 0, sum: full(p.shape, value, { dtype: p.dtype, device: p.device }) };
  }

  /** Whether it maximizes and decays weights. */
  protected structure(group: AdagradOptions): L2Structure {
    return { maximize: group.maximize, decay: group.weightDecay !== 0 };
  }

  /** The sum of squared gradients. */
  protected stateNames(): "sum"[] {
    return ["sum"];
  }

  /** A sum missing from a loaded state starts at the optimizer's initial accumulator value. */
  protected override initialValue(): number {
    return this.defaults.initialAccumulatorValue;
  }

  /** The hyperparameters. */
  protected scalars(group: AdagradOptions): Record<AdagradScalar, number> {
    const { lr, lrDecay, eps, weightDecay } = group;
    return { lr, lrDecay, eps, weightDecay };
  }

  /** The decayed lr of step t, negated: −lr / (1 + (t − 1)·lrDecay). */
  protected override stepFactors(
    _: L2Structure,
    s: Record<AdagradScalar, ir.Expr>,
    step: ir.Expr,
  ): Record<"negClr", ir.Expr> {
    return { negClr: ir.neg(ir.div(s.lr, ir.add(1, ir.mul(ir.sub(step, 1), s.lrDecay)))) };
  }

  /** d = ±g (+ wd·p); sum += d²; p += −clr·d / (√sum + eps). */
  protected rule(
    structure: L2Structure,
    x: UpdateTerms<"sum", AdagradScalar | "negClr">,
  ): UpdateResult<"sum"> {
    const s = x.scalars;
    const d = l2Gradient(structure, x.param, x.grad, s.weightDecay);
    const sum = ir.add(x.state.sum!, ir.mul(d, d));
    const std = ir.add(ir.sqrt(sum), s.eps);
    return { param: ir.add(x.param, ir.div(ir.mul(s.negClr, d), std)), state: { sum } };
  }
}
