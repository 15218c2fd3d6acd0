/**
 * Adagrad, as `torch.optim.Adagrad`, with lr decay, weight decay, an initial accumulator value and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { full } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { Tensor } from "../tensor/tensor.ts";
import { atCount, countUnlessFound, withNothingFound } from "./device_step.ts";
import {
  checkNonNegative,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  type State,
} from "./optimizer.ts";
import { skipKernel } from "./skip_on_device.ts";

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

/** The expressions Adagrad's update reads. */
interface AdagradTerms {
  param: ir.Expr;
  grad: ir.Expr;
  sum: ir.Expr;
  negClr: ir.Expr;
  eps: ir.Expr;
  weightDecay: ir.Expr;
}

/**
 * The update, in PyTorch's order of operations: g = ±grad (+ wd·p); sum += g·g; p += (−clr·g) / (√sum + eps), with
 * clr = lr / (1 + (step − 1)·lrDecay). Returns [p, sum].
 */
function adagradUpdate(group: AdagradOptions, x: AdagradTerms): ir.Expr[] {
  let d = ir.cast(x.grad, x.param.dtype);
  if (group.maximize) d = ir.neg(d);
  if (group.weightDecay !== 0) d = ir.add(d, ir.mul(x.weightDecay, x.param));
  const sum2 = ir.add(x.sum, ir.mul(d, d));
  const std = ir.add(ir.sqrt(sum2), x.eps);
  return [ir.add(x.param, ir.div(ir.mul(x.negClr, d), std)), sum2];
}

function adagradKey(p: Tensor, g: Tensor, group: AdagradOptions): string {
  return `adagrad:${p.dtype}:${g.dtype}:${group.maximize}:${group.weightDecay !== 0}`;
}

/** {@link adagradUpdate} with the decayed lr a runtime scalar computed on the host in float64. */
function adagradKernel(p: Tensor, g: Tensor, group: AdagradOptions): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(adagradKey(p, g, group), () =>
    ir.defineKernel(
      [t, g.dtype, t],
      [t, t, t],
      ([param, grad, sum], [negClr, eps, weightDecay]) =>
        adagradUpdate(group, { param, grad, sum, negClr, eps, weightDecay }),
    ));
}

/**
 * {@link adagradUpdate} with the step count on the device: the decay's divisor 1 + (step − 1)·lrDecay is gathered
 * at the count and −lr divided by it on the device; nothing changes where `foundInf` is non-zero.
 */
function adagradSkipKernel(p: Tensor, g: Tensor, foundInf: Tensor, group: AdagradOptions): ir.Kernel {
  const t = p.dtype;
  const spec = {
    inputs: [t, g.dtype, t],
    values: 1,
    valueType: t,
    scalars: [t, t, t],
    found: foundInf.dtype,
  };
  return skipKernel(
    adagradKey(p, g, group),
    { ...spec, old: [0, 2] },
    ([param, grad, sum], [divisor], [negLr, eps, weightDecay]) =>
      adagradUpdate(group, { param, grad, sum, negClr: ir.div(negLr, divisor), eps, weightDecay }),
  );
}

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
export class Adagrad extends Optimizer<AdagradOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
      ...options,
    });
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
  protected initState(p: Tensor): State {
    const value = this.defaults.initialAccumulatorValue;
    return { step: 0, sum: full(p.shape, value, { dtype: p.dtype, device: p.device }) };
  }

  /** One fused kernel: the parameter and its sum updated in place, the decayed lr as a scalar. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<AdagradOptions>, state: State): void {
    if (state.step instanceof Tensor) {
      return withNothingFound(p.device, (none) => this.updateUnless(p, grad, group, state, none));
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const clr = group.lr / (1 + (step - 1) * group.lrDecay);
    const sum = state.sum as Tensor;
    runKernelInto(adagradKernel(p, grad, group), [p, grad, sum], [p, sum], [
      -clr,
      group.eps,
      group.weightDecay,
    ]);
  }

  /**
   * The update kept only where `foundInf` is 0, with the step count on the device (it grows only where the step is
   * kept), so that the lr decay of later steps counts only the steps taken, as in PyTorch.
   */
  protected override updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdagradOptions>,
    state: State,
    foundInf: Tensor,
  ): void {
    const index = countUnlessFound(state, p.device, foundInf);
    const { lrDecay } = group;
    const divisor = atCount(
      index,
      state.step as Tensor,
      `adagrad-decay:${lrDecay}`,
      (s) => 1 + (s - 1) * lrDecay,
    );
    const sum = state.sum as Tensor;
    runKernelInto(
      adagradSkipKernel(p, grad, foundInf, group),
      [p, grad, sum, divisor, foundInf],
      [p, sum],
      [-group.lr, group.eps, group.weightDecay],
    );
    divisor.dispose();
  }
}
