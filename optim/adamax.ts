/**
 * Adamax, as `torch.optim.Adamax`: Adam with the infinity norm, with weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { Tensor } from "../tensor/tensor.ts";
import { atCount, countUnlessFound, withNothingFound } from "./device_step.ts";
import {
  checkBetas,
  checkNonNegative,
  Optimizer,
  type ParamGroup,
  type Params,
  type State,
} from "./optimizer.ts";
import { skipKernel } from "./skip_on_device.ts";

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

/** The expressions Adamax's update reads. */
interface AdamaxTerms {
  param: ir.Expr;
  grad: ir.Expr;
  m: ir.Expr;
  u: ir.Expr;
  beta1: ir.Expr;
  oneMinusBeta1: ir.Expr;
  beta2: ir.Expr;
  eps: ir.Expr;
  negClr: ir.Expr;
  weightDecay: ir.Expr;
}

/**
 * The update, in PyTorch's order of operations: g = ±grad (+ wd·p); m = β1·m + (1−β1)·g; u = max(β2·u, |g| + eps);
 * p += (−clr·m) / u, with clr = lr / (1 − β1^step). Returns [p, m, u].
 */
function adamaxUpdate(group: AdamaxOptions, x: AdamaxTerms): ir.Expr[] {
  let d = ir.cast(x.grad, x.param.dtype);
  if (group.maximize) d = ir.neg(d);
  if (group.weightDecay !== 0) d = ir.add(d, ir.mul(x.weightDecay, x.param));
  const m2 = ir.add(ir.mul(x.m, x.beta1), ir.mul(x.oneMinusBeta1, d));
  const u2 = ir.max(ir.mul(x.u, x.beta2), ir.add(ir.abs(d), x.eps));
  return [ir.add(x.param, ir.div(ir.mul(x.negClr, m2), u2)), m2, u2];
}

function adamaxKey(p: Tensor, g: Tensor, group: AdamaxOptions): string {
  return `adamax:${p.dtype}:${g.dtype}:${group.maximize}:${group.weightDecay !== 0}`;
}

/** {@link adamaxUpdate} with the bias-corrected lr a runtime scalar computed on the host in float64. */
function adamaxKernel(p: Tensor, g: Tensor, group: AdamaxOptions): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(adamaxKey(p, g, group), () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t, t, t],
      ([param, grad, m, u], [beta1, oneMinusBeta1, beta2, eps, negClr, weightDecay]) =>
        adamaxUpdate(group, { param, grad, m, u, beta1, oneMinusBeta1, beta2, eps, negClr, weightDecay }),
    ));
}

/**
 * {@link adamaxUpdate} with the step count on the device: the bias correction 1 − β1^step is gathered at the count
 * and −lr divided by it on the device; nothing changes where `foundInf` is non-zero.
 */
function adamaxSkipKernel(p: Tensor, g: Tensor, foundInf: Tensor, group: AdamaxOptions): ir.Kernel {
  const t = p.dtype;
  const spec = { inputs: [t, g.dtype, t, t], values: 1, valueType: t, scalars: [t, t, t, t, t, t] };
  return skipKernel(
    adamaxKey(p, g, group),
    { ...spec, found: foundInf.dtype, old: [0, 2, 3] },
    ([param, grad, m, u], [bc1], [beta1, oneMinusBeta1, beta2, eps, negLr, weightDecay]) =>
      adamaxUpdate(group, {
        param,
        grad,
        m,
        u,
        beta1,
        oneMinusBeta1,
        beta2,
        eps,
        negClr: ir.div(negLr, bc1),
        weightDecay,
      }),
  );
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
    if (state.step instanceof Tensor) {
      return withNothingFound(p.device, (none) => this.updateUnless(p, grad, group, state, none));
    }
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

  /**
   * The update kept only where `foundInf` is 0, with the step count on the device (it grows only where the step is
   * kept), so that the bias correction of later steps is that of the steps taken, as in PyTorch.
   */
  protected override updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdamaxOptions>,
    state: State,
    foundInf: Tensor,
  ): void {
    const index = countUnlessFound(state, p.device, foundInf);
    const [beta1, beta2] = group.betas;
    const bc1 = atCount(index, state.step as Tensor, `bc1:${beta1}`, (s) => 1 - beta1 ** s);
    const [m, u] = [state.expAvg as Tensor, state.expInf as Tensor];
    runKernelInto(
      adamaxSkipKernel(p, grad, foundInf, group),
      [p, grad, m, u, bc1, foundInf],
      [p, m, u],
      [beta1, 1 - beta1, beta2, group.eps, -group.lr, group.weightDecay],
    );
    bc1.dispose();
  }
}
