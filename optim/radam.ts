/**
 * RAdam, as `torch.optim.RAdam` (PyTorch 2): Adam with a rectified adaptive learning rate, with L2 or decoupled
 * weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { type AdamFamilyTerms, adamMoments } from "./adam_moments.ts";
import { decayedGradient } from "./gradient.ts";
import { zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { Tensor } from "../tensor/tensor.ts";
import { atCount, countUnlessFound, withNothingFound } from "./device_step.ts";
import { checkBetas, checkNonNegative } from "./validation.ts";
import { Optimizer } from "./optimizer.ts";
import type { ParamGroup, Params, State } from "./state_dict.ts";
import { skipKernel } from "./skip_on_device.ts";

/** RAdam's hyperparameters (PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, no weight decay). */
export interface RAdamOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay: an L2 penalty, or decoupled (see below). */
  weightDecay: number;
  /** Decay weights directly (p ← p·(1 − lr·wd)) instead of adding wd·p to the gradient, as AdamW does. */
  decoupledWeightDecay: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** The expressions RAdam's update reads. */
interface RAdamTerms extends AdamFamilyTerms {
  bc1: ir.Expr;
  lr: ir.Expr;
  bc2Sqrt: ir.Expr;
  rect: ir.Expr;
  decayFactor: ir.Expr;
}

/**
 * The update, in PyTorch's order of operations: [p ← p·(1 − lr·wd) | g = ±grad + wd·p]; m = β1·m + (1−β1)·g;
 * v = β2·v + (1−β2)·g·g; then p −= (m / bc1)·lr·(√bc2 / (√v + eps))·rect while the variance is tractable
 * (`rectified`: decided on the host as PyTorch does, or a device value that is 1 or 0), else p −= (m / bc1)·lr.
 * Returns [p, m, v].
 */
function radamUpdate(group: RAdamOptions, x: RAdamTerms, rectified: boolean | ir.Expr): ir.Expr[] {
  const { d, w } = decayedGradient(
    { ...group, decay: group.weightDecay !== 0 },
    x.param,
    x.grad,
    x.decayFactor,
  );
  const [m2, v2] = adamMoments(x, d);
  const plain = ir.mul(ir.div(m2, x.bc1), x.lr);
  const adaptive = ir.mul(ir.mul(plain, ir.div(x.bc2Sqrt, ir.add(ir.sqrt(v2), x.eps))), x.rect);
  const step = rectified === true
    ? adaptive
    : rectified === false
    ? plain
    : ir.where(rectified, adaptive, plain);
  return [ir.sub(w, step), m2, v2];
}

function radamKey(p: Tensor, g: Tensor, group: RAdamOptions): string {
  const decay = group.weightDecay !== 0;
  return `radam:${p.dtype}:${g.dtype}:${group.maximize}:${decay}:${group.decoupledWeightDecay}`;
}

/** {@link radamUpdate} with the bias corrections and rect runtime scalars computed on the host in float64. */
function radamKernel(p: Tensor, g: Tensor, group: RAdamOptions, rectified: boolean): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(`${radamKey(p, g, group)}:${rectified}`, () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t, t, t, t, t, t, t],
      (
        [param, grad, m, v],
        [beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc1, lr, bc2Sqrt, eps, rect, decayFactor],
      ) =>
        radamUpdate(group, {
          param,
          grad,
          m,
          v,
          beta1,
          oneMinusBeta1,
          beta2,
          oneMinusBeta2,
          bc1,
          lr,
          bc2Sqrt,
          eps,
          rect,
          decayFactor,
        }, rectified),
    ));
}

/**
 * {@link radamUpdate} with the step count on the device: the bias corrections, rect and whether to rectify are
 * gathered at the count; nothing changes where `foundInf` is non-zero.
 */
function radamSkipKernel(p: Tensor, g: Tensor, foundInf: Tensor, group: RAdamOptions): ir.Kernel {
  const t = p.dtype;
  const spec = { inputs: [t, g.dtype, t, t], values: 4, valueType: t, scalars: [t, t, t, t, t, t, t] };
  return skipKernel(
    radamKey(p, g, group),
    { ...spec, found: foundInf.dtype, old: [0, 2, 3] },
    (
      [param, grad, m, v],
      [bc1, bc2Sqrt, rect, rectified],
      [beta1, oneMinusBeta1, beta2, oneMinusBeta2, lr, eps, decayFactor],
    ) =>
      radamUpdate(group, {
        param,
        grad,
        m,
        v,
        beta1,
        oneMinusBeta1,
        beta2,
        oneMinusBeta2,
        bc1,
        lr,
        bc2Sqrt,
        eps,
        rect,
        decayFactor,
      }, rectified),
  );
}

/**
 * The rectification at `step`: whether the variance is tractable (the approximated simple moving average is longer
 * than 5), and the term rect (1 when not).
 */
function rectification(beta2: number, step: number): { rectified: boolean; rect: number } {
  const bc2 = 1 - beta2 ** step;
  // The length of the approximated simple moving average, and its limit.
  const rhoInf = 2 / (1 - beta2) - 1;
  const rhoT = rhoInf - 2 * step * beta2 ** step / bc2;
  const rectified = rhoT > 5;
  const rect = rectified
    ? Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
    : 1;
  return { rectified, rect };
}

/**
 * RAdam (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and Beyond"), as `torch.optim.RAdam` of
 * PyTorch 2: one fused kernel per parameter; the rectification term and the choice between the rectified and the
 * momentum-only update are made on the host from the step count.
 *
 * @example
 * ```ts
 * import { RAdam } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new RAdam(model.parameters(), { lr: 1e-3, weightDecay: 0.01, decoupledWeightDecay: true });
 * ```
 */
export class RAdam extends Optimizer<RAdamOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<RAdamOptions>, options: Partial<RAdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      decoupledWeightDecay: false,
      maximize: false,
    }, options);
  }

  /** PyTorch's checks of RAdam's hyperparameters. */
  protected validate(group: RAdamOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkBetas(group.betas);
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
  }

  /** The step count and the zeroed moments. */
  protected initState(p: Tensor): State {
    return { step: 0, expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
  }

  /** One fused kernel: the parameter and its moments updated in place, the bias corrections and rect as scalars. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<RAdamOptions>, state: State): void {
    if (state.step instanceof Tensor) {
      return withNothingFound(p.device, (none) => this.updateUnless(p, grad, group, state, none));
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const [beta1, beta2] = group.betas;
    const { rectified, rect } = rectification(beta2, step);
    const scalars = [
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      1 - beta1 ** step,
      group.lr,
      Math.sqrt(1 - beta2 ** step),
      group.eps,
      rect,
      group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay,
    ];
    const [m, v] = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    runKernelInto(radamKernel(p, grad, group, rectified), [p, grad, m, v], [p, m, v], scalars);
  }

  /**
   * The update kept only where `foundInf` is 0, with the step count on the device (it grows only where the step is
   * kept), so that the bias corrections and the rectification of later steps are those of the steps taken, as in
   * PyTorch.
   */
  protected override updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<RAdamOptions>,
    state: State,
    foundInf: Tensor,
  ): void {
    const index = countUnlessFound(state, p.device, foundInf);
    const step = state.step as Tensor;
    const [beta1, beta2] = group.betas;
    const values = [
      atCount(index, step, `bc1:${beta1}`, (s) => 1 - beta1 ** s),
      atCount(index, step, `bc2-sqrt:${beta2}`, (s) => Math.sqrt(1 - beta2 ** s)),
      atCount(index, step, `radam-rect:${beta2}`, (s) => rectification(beta2, s).rect),
      atCount(index, step, `radam-rectified:${beta2}`, (s) => rectification(beta2, s).rectified ? 1 : 0),
    ];
    const [m, v] = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    runKernelInto(
      radamSkipKernel(p, grad, foundInf, group),
      [p, grad, m, v, ...values, foundInf],
      [p, m, v],
      [
        beta1,
        1 - beta1,
        beta2,
        1 - beta2,
        group.lr,
        group.eps,
        group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay,
      ],
    );
    for (const value of values) value.dispose();
  }
}
