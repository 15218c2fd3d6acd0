/**
 * Adam, as `torch.optim.Adam`, with AMSGrad, maximize, L2 or decoupled (AdamW) weight decay.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zeros, zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { Tensor } from "../tensor/tensor.ts";
import { advanceUnlessFound, biasCorrections, deviceStep } from "./device_step.ts";
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

/**
 * The fused update, in PyTorch's order of operations:
 * g = ±grad (+ wd·p); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g; [vmax = max(vmax, v)];
 * p = p − (stepSize·m) / (√v / √bc2 + eps), with stepSize = lr / bc1 and the bias corrections as runtime scalars.
 */
function adamKernel(p: Tensor, g: Tensor, group: AdamOptions): ir.Kernel {
  const decay = group.weightDecay !== 0;
  const key =
    `adam:${p.dtype}:${g.dtype}:${group.amsgrad}:${group.maximize}:${decay}:${group.decoupledWeightDecay}`;
  const t = p.dtype;
  return cachedKernel(key, () =>
    ir.defineKernel(
      group.amsgrad ? [t, g.dtype, t, t, t] : [t, g.dtype, t, t],
      [t, t, t, t, t, t, t, t],
      (
        [param, grad, m, v, vmax],
        [stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc2Sqrt, eps, decayFactor],
      ) => {
        let d = ir.cast(grad, t);
        if (group.maximize) d = ir.neg(d);
        let w = param;
        if (decay && group.decoupledWeightDecay) w = ir.mul(param, decayFactor);
        else if (decay) d = ir.add(d, ir.mul(decayFactor, param));
        const m2 = ir.add(ir.mul(m, beta1), ir.mul(oneMinusBeta1, d));
        const v2 = ir.add(ir.mul(v, beta2), ir.mul(ir.mul(oneMinusBeta2, d), d));
        const vmax2 = group.amsgrad ? ir.max(vmax, v2) : v2;
        const denom = ir.add(ir.div(ir.sqrt(vmax2), bc2Sqrt), eps);
        const p2 = ir.add(w, ir.div(ir.mul(ir.neg(stepSize), m2), denom));
        return group.amsgrad ? [p2, m2, v2, vmax2] : [p2, m2, v2];
      },
    ));
}

/**
 * The update of {@link adamKernel} with the step count on the device: the bias corrections are inputs (gathered at
 * the count), the step size lr / (1 − β₁ˢ) is divided on the device, and every output keeps its old value where
 * `foundInf` is non-zero.
 */
function adamDeviceStepKernel(p: Tensor, g: Tensor, foundInf: Tensor, group: AdamOptions): ir.Kernel {
  const decay = group.weightDecay !== 0;
  const key =
    `adam-device-step:${p.dtype}:${g.dtype}:${foundInf.dtype}:${group.amsgrad}:${group.maximize}:${decay}:${group.decoupledWeightDecay}`;
  const t = p.dtype;
  const moments = group.amsgrad ? [t, t, t] : [t, t];
  return cachedKernel(key, () =>
    ir.defineKernel(
      [t, g.dtype, ...moments, foundInf.dtype, "float32", "float32"],
      [t, t, t, t, t, t, t],
      (inputs, [lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, decayFactor]) => {
        const [param, grad, m, v] = inputs;
        const vmax = group.amsgrad ? inputs[4] : undefined;
        const [found, bc1, bc2Sqrt] = inputs.slice(-3);
        let d = ir.cast(grad, t);
        if (group.maximize) d = ir.neg(d);
        let w = param;
        if (decay && group.decoupledWeightDecay) w = ir.mul(param, decayFactor);
        else if (decay) d = ir.add(d, ir.mul(decayFactor, param));
        const m2 = ir.add(ir.mul(m, beta1), ir.mul(oneMinusBeta1, d));
        const v2 = ir.add(ir.mul(v, beta2), ir.mul(ir.mul(oneMinusBeta2, d), d));
        const vmax2 = vmax === undefined ? v2 : ir.max(vmax, v2);
        const stepSize = ir.div(lr, ir.cast(bc1, t));
        const denom = ir.add(ir.div(ir.sqrt(vmax2), ir.cast(bc2Sqrt, t)), eps);
        const p2 = ir.add(w, ir.div(ir.mul(ir.neg(stepSize), m2), denom));
        const keep = (old: ir.Expr, next: ir.Expr): ir.Expr => ir.where(found, old, next);
        const out = [keep(param, p2), keep(m, m2), keep(v, v2)];
        return vmax === undefined ? out : [...out, keep(vmax, vmax2)];
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
      const none = zeros([], { device: p.device });
      this.updateUnless(p, grad, group, state, none);
      none.dispose();
      return;
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
    if (typeof state.step === "number") state.step = deviceStep(state.step, p.device);
    const step = state.step as Tensor;
    const [beta1, beta2] = group.betas;
    const { bc1, bc2Sqrt } = biasCorrections(advanceUnlessFound(step, foundInf), step, beta1, beta2);
    const decayFactor = group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay;
    const scalars = [group.lr, beta1, 1 - beta1, beta2, 1 - beta2, group.eps, decayFactor];
    const moments = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    if (group.amsgrad) {
      state.maxExpAvgSq ??= zerosLike(p);
      moments.push(state.maxExpAvgSq as Tensor);
    }
    runKernelInto(
      adamDeviceStepKernel(p, grad, foundInf, group),
      [p, grad, ...moments, foundInf, bc1, bc2Sqrt],
      [p, ...moments],
      scalars,
    );
    bc1.dispose();
    bc2Sqrt.dispose();
  }
}
