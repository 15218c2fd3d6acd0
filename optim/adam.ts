/**
 * Adam, as `torch.optim.Adam`, with AMSGrad, maximize, L2 or decoupled (AdamW) weight decay.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { adamMoments, decayedGradient, type UpdateTerms } from "./adam_moments.ts";
import { zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { Tensor } from "../tensor/tensor.ts";
import { atCount, countUnlessFound, withNothingFound } from "./device_step.ts";
import { check, checkBetas, Optimizer, type ParamGroup, type Params, type State } from "./optimizer.ts";

/** Adam's hyperparameters (PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, no weight decay). */
export interface AdamOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay: an L2 penalty, or decoupled (see below). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
  /** Decay weights directly (p ← p·(1 − lr·wd)) instead of adding wd·p to the gradient: AdamW. */
  decoupledWeightDecay: boolean;
}

/** The expressions Adam's update reads: its operands, and the step size and √bc2 however they are supplied. */
interface AdamTerms extends UpdateTerms {
  vmax: ir.Expr | undefined;
  stepSize: ir.Expr;
  bc2Sqrt: ir.Expr;
  decayFactor: ir.Expr;
}

/**
 * The update, in PyTorch's order of operations:
 * g = ±grad (+ wd·p); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g; [vmax = max(vmax, v)];
 * p = p − (stepSize·m) / (√v / √bc2 + eps), with stepSize = lr / bc1. Returns [p, m, v, (vmax)].
 */
function adamUpdate(group: AdamOptions, x: AdamTerms): ir.Expr[] {
  const { d, w } = decayedGradient(group, x.param, x.grad, x.decayFactor);
  const [m2, v2] = adamMoments(x, d);
  const vmax2 = x.vmax === undefined ? v2 : ir.max(x.vmax, v2);
  const denom = ir.add(ir.div(ir.sqrt(vmax2), x.bc2Sqrt), x.eps);
  const p2 = ir.add(w, ir.div(ir.mul(ir.neg(x.stepSize), m2), denom));
  return x.vmax === undefined ? [p2, m2, v2] : [p2, m2, v2, vmax2];
}

function adamKey(name: string, p: Tensor, g: Tensor, group: AdamOptions): string {
  const decay = group.weightDecay !== 0;
  return `${name}:${p.dtype}:${g.dtype}:${group.amsgrad}:${group.maximize}:${decay}:${group.decoupledWeightDecay}`;
}

/** {@link adamUpdate} with the step size and √bc2 as runtime scalars computed on the host in float64. */
function adamKernel(p: Tensor, g: Tensor, group: AdamOptions): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(adamKey("adam", p, g, group), () =>
    ir.defineKernel(
      group.amsgrad ? [t, g.dtype, t, t, t] : [t, g.dtype, t, t],
      [t, t, t, t, t, t, t, t],
      (
        [param, grad, m, v, vmax],
        [stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc2Sqrt, eps, decayFactor],
      ) =>
        adamUpdate(group, {
          param,
          grad,
          m,
          v,
          vmax,
          stepSize,
          bc2Sqrt,
          beta1,
          oneMinusBeta1,
          beta2,
          oneMinusBeta2,
          eps,
          decayFactor,
        }),
    ));
}

/**
 * {@link adamUpdate} with the step count on the device: the bias corrections are inputs (gathered at the count),
 * the step size lr / (1 − β₁ˢ) is divided on the device, and every output keeps its old value where the last input,
 * `foundInf`, is non-zero.
 */
function adamDeviceStepKernel(p: Tensor, g: Tensor, foundInf: Tensor, group: AdamOptions): ir.Kernel {
  const t = p.dtype;
  const moments = group.amsgrad ? [t, t, t] : [t, t];
  return cachedKernel(`${adamKey("adam-device-step", p, g, group)}:${foundInf.dtype}`, () =>
    ir.defineKernel(
      [t, g.dtype, ...moments, "float32", "float32", foundInf.dtype],
      [t, t, t, t, t, t, t],
      (inputs, [lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, decayFactor]) => {
        const [param, grad, m, v] = inputs;
        const vmax = group.amsgrad ? inputs[4] : undefined;
        const [bc1, bc2Sqrt, found] = inputs.slice(-3);
        const next = adamUpdate(group, {
          param,
          grad,
          m,
          v,
          vmax,
          stepSize: ir.div(lr, ir.cast(bc1, t)),
          bc2Sqrt: ir.cast(bc2Sqrt, t),
          beta1,
          oneMinusBeta1,
          beta2,
          oneMinusBeta2,
          eps,
          decayFactor,
        });
        const old = [param, m, v, ...(vmax === undefined ? [] : [vmax])];
        return next.map((e, i) => ir.where(found, old[i], e));
      },
    ));
}

/**
 * Adam, as `torch.optim.Adam`: one fused kernel per parameter updates the parameter and both moments.
 *
 * @example
 * ```ts
 * import { Adam } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3, amsgrad: true });
 * ```
 */
export class Adam extends Optimizer<AdamOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      decoupledWeightDecay: false,
      ...options,
    });
  }

  /** PyTorch's checks of Adam's hyperparameters. */
  protected validate(group: AdamOptions): void {
    check(group.lr >= 0, `Invalid learning rate: ${group.lr} (expected lr >= 0)`);
    check(group.eps >= 0, `Invalid epsilon value: ${group.eps} (expected eps >= 0)`);
    checkBetas(group.betas);
    check(
      group.weightDecay >= 0,
      `Invalid weightDecay value: ${group.weightDecay} (expected weightDecay >= 0)`,
    );
  }

  /** The step count and zeroed moments (and their running maximum with AMSGrad). */
  protected initState(p: Tensor, group: ParamGroup<AdamOptions>): State {
    const state: State = { step: 0, expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
    if (group.amsgrad) state.maxExpAvgSq = zerosLike(p);
    return state;
  }

  /** One fused kernel: the parameter and its moments updated in place, bias corrections as scalars. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>, state: State): void {
    if (state.step instanceof Tensor) {
      return withNothingFound(p.device, (none) => this.updateUnless(p, grad, group, state, none));
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const [beta1, beta2] = group.betas;
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const decayFactor = group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay;
    const scalars = [
      group.lr / bc1,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      Math.sqrt(bc2),
      group.eps,
      decayFactor,
    ];
    const moments = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    if (group.amsgrad) {
      state.maxExpAvgSq ??= zerosLike(p);
      moments.push(state.maxExpAvgSq as Tensor);
    }
    runKernelInto(adamKernel(p, grad, group), [p, grad, ...moments], [p, ...moments], scalars);
  }
  /**
   * The update kept only where `foundInf` is 0, with the step count on the device (it grows only where the step is
   * kept), so that the bias corrections of later steps are those of the steps taken, as in PyTorch.
   */
  protected override updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdamOptions>,
    state: State,
    foundInf: Tensor,
  ): void {
    const index = countUnlessFound(state, p.device, foundInf);
    const step = state.step as Tensor;
    const [beta1, beta2] = group.betas;
    const bc1 = atCount(index, step, `bc1:${beta1}`, (s) => 1 - beta1 ** s);
    const bc2Sqrt = atCount(index, step, `bc2-sqrt:${beta2}`, (s) => Math.sqrt(1 - beta2 ** s));
    const decayFactor = group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay;
    const scalars = [group.lr, beta1, 1 - beta1, beta2, 1 - beta2, group.eps, decayFactor];
    const moments = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    if (group.amsgrad) {
      state.maxExpAvgSq ??= zerosLike(p);
      moments.push(state.maxExpAvgSq as Tensor);
    }
    runKernelInto(
      adamDeviceStepKernel(p, grad, foundInf, group),
      [p, grad, ...moments, bc1, bc2Sqrt, foundInf],
      [p, ...moments],
      scalars,
    );
    bc1.dispose();
    bc2Sqrt.dispose();
  }
}
