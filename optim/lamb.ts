/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes"): Adam's update
 * plus weight decay, rescaled per parameter by the trust ratio ‖θ‖ / ‖update‖. Beyond PyTorch.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { type AdamFamilyTerms, adamMoments } from "./adam_moments.ts";
import { ones, zerosLike } from "../tensor/creation.ts";
import type { DType } from "../tensor/dtype.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { tidy } from "../tensor/memory.ts";
import { empty } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { atCount, countUnlessFound, withNothingFound } from "./device_step.ts";
import { check } from "./validation.ts";
import { Optimizer } from "./optimizer.ts";
import type { ParamGroup, Params, State } from "./state_dict.ts";
import { skipKernel } from "./skip_on_device.ts";

/** LAMB's hyperparameters (defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-6, no weight decay, bias correction). */
export interface LAMBOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  /** Added to the denominator √v̂ for numerical stability. */
  eps: number;
  /** Weight decay λ, added to the update (u = r + λθ) before the trust ratio is taken. */
  weightDecay: number;
  /** Divide the moments by 1 − β^t (Adam's bias correction), as the paper's Algorithm 2. */
  biasCorrection: boolean;
  /** Clip the trust ratio at 1 (LAMBC, as timm's `trust_clip`). */
  trustClip: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** The expressions LAMB's moments read. */
interface LambTerms extends AdamFamilyTerms {
  bc1: ir.Expr;
  bc2Sqrt: ir.Expr;
  weightDecay: ir.Expr;
}

/**
 * The moments and the unscaled update, in Adam's order of operations: g = ±grad; m = β1·m + (1−β1)·g;
 * v = β2·v + (1−β2)·g·g; u = (m / bc1) / (√v / √bc2 + eps) + λ·θ. Returns [m, v, u].
 */
function moments(maximize: boolean, decay: boolean, x: LambTerms): ir.Expr[] {
  const t = x.param.dtype;
  const d = maximize ? ir.neg(ir.cast(x.grad, t)) : ir.cast(x.grad, t);
  const [m2, v2] = adamMoments(x, d);
  let u = ir.div(ir.div(m2, x.bc1), ir.add(ir.div(ir.sqrt(v2), x.bc2Sqrt), x.eps));
  if (decay) u = ir.add(u, ir.mul(x.weightDecay, x.param));
  return [m2, v2, u];
}

/** {@link moments} with the bias corrections runtime scalars computed on the host in float64. */
function momentsKernel(p: Tensor, g: Tensor, maximize: boolean, decay: boolean): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(`lamb-moments:${t}:${g.dtype}:${maximize}:${decay}`, () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t, t, t, t, t],
      (
        [param, grad, m, v],
        [beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc1, bc2Sqrt, eps, weightDecay],
      ) =>
        moments(maximize, decay, {
          param,
          grad,
          m,
          v,
          beta1,
          oneMinusBeta1,
          beta2,
          oneMinusBeta2,
          bc1,
          bc2Sqrt,
          eps,
          weightDecay,
        }),
    ));
}

/**
 * {@link moments} with the bias corrections gathered at the device count; the moments keep their old values where
 * `foundInf` is non-zero (u is scratch).
 */
function momentsSkipKernel(
  p: Tensor,
  g: Tensor,
  foundInf: Tensor,
  maximize: boolean,
  decay: boolean,
): ir.Kernel {
  const t = p.dtype;
  const spec = { inputs: [t, g.dtype, t, t], values: 2, valueType: t, scalars: [t, t, t, t, t, t] };
  return skipKernel(
    `lamb-moments:${t}:${g.dtype}:${maximize}:${decay}`,
    { ...spec, found: foundInf.dtype, old: [2, 3, null] },
    ([param, grad, m, v], [bc1, bc2Sqrt], [beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay]) =>
      moments(maximize, decay, {
        param,
        grad,
        m,
        v,
        beta1,
        oneMinusBeta1,
        beta2,
        oneMinusBeta2,
        bc1,
        bc2Sqrt,
        eps,
        weightDecay,
      }),
  );
}

/**
 * The step, from two on-device sums of squares: ratio = ‖θ‖ / ‖u‖, or 1 when either norm is 0 (and at most 1
 * with `trustClip`); θ ← θ − lr·(u·ratio).
 */
function trustStep(trustClip: boolean, [param, u, paramSq, updateSq]: ir.Expr[], lr: ir.Expr): ir.Expr {
  const [paramNorm, updateNorm] = [ir.sqrt(paramSq), ir.sqrt(updateSq)];
  let ratio = ir.where(
    ir.gt(paramNorm, 0),
    ir.where(ir.gt(updateNorm, 0), ir.div(paramNorm, updateNorm), 1),
    1,
  );
  if (trustClip) ratio = ir.min(ratio, 1);
  return ir.add(param, ir.mul(ir.neg(lr), ir.mul(u, ratio)));
}

/** {@link trustStep} as a kernel of θ, u and the two sums of squares, with lr a scalar. */
function trustStepKernel(t: DType, trustClip: boolean): ir.Kernel {
  return cachedKernel(
    `lamb-step:${t}:${trustClip}`,
    () => ir.defineKernel([t, t, t, t], [t], (inputs, [lr]) => [trustStep(trustClip, inputs, lr)]),
  );
}

/** {@link trustStep} keeping θ where `foundInf` is non-zero. */
function trustStepSkipKernel(t: DType, foundInf: Tensor, trustClip: boolean): ir.Kernel {
  const spec = { inputs: [t, t, t, t], values: 0, valueType: t, scalars: [t] };
  return skipKernel(
    `lamb-step:${t}:${trustClip}`,
    { ...spec, found: foundInf.dtype, old: [0] },
    (inputs, _, [lr]) => [trustStep(trustClip, inputs, lr)],
  );
}

/**
 * LAMB: Adam's bias-corrected moments, the update u = m̂ / (√v̂ + eps) + λθ, and the layer-wise trust ratio
 * ‖θ‖ / ‖u‖ of each parameter tensor (1 when either norm is 0; clipped at 1 with `trustClip`). The paper's
 * Algorithm 2 with φ the identity; the trust ratio's conventions and `trustClip` are timm's `Lamb`
 * (NVIDIA's FusedLAMB) with `always_adapt`, without its global gradient clipping (use `clipGradNorm` before
 * `step()` for that). The step count is per parameter, as Adam's. Norms are reduced on the device.
 *
 * @example
 * ```ts
 * import { LAMB } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new LAMB(model.parameters(), { lr: 1e-2, weightDecay: 0.01 });
 * ```
 */
export class LAMB extends Optimizer<LAMBOptions> {
  /** An optimizer of `params` with the given hyperparameters (the defaults above otherwise). */
  constructor(params: Params<LAMBOptions>, options: Partial<LAMBOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-6,
      weightDecay: 0,
      biasCorrection: true,
      trustClip: false,
      maximize: false,
    }, options);
  }

  /** Checks of LAMB's hyperparameters, worded as PyTorch's Adam words its own. */
  protected validate(group: LAMBOptions): void {
    check(group.lr >= 0, `Invalid learning rate: ${group.lr} (expected lr >= 0)`);
    check(group.eps >= 0, `Invalid epsilon value: ${group.eps} (expected eps >= 0)`);
    check(
      Array.isArray(group.betas) && group.betas.length === 2,
      `Invalid betas: ${group.betas} (expected two numbers)`,
    );
    group.betas.forEach((beta, i) =>
      check(beta >= 0 && beta < 1, `Invalid beta parameter at index ${i}: ${beta} (expected 0 <= beta < 1)`)
    );
    check(
      group.weightDecay >= 0,
      `Invalid weightDecay value: ${group.weightDecay} (expected weightDecay >= 0)`,
    );
  }

  /** The step count and zeroed moments. */
  protected initState(p: Tensor): State {
    return { step: 0, expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
  }

  /** The moments' kernel, the two norms on the device, then the trust-ratio step's kernel. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<LAMBOptions>, state: State): void {
    if (state.step instanceof Tensor) {
      return withNothingFound(p.device, (none) => this.updateUnless(p, grad, group, state, none));
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const [beta1, beta2] = group.betas;
    const [bc1, bc2] = group.biasCorrection ? [1 - beta1 ** step, 1 - beta2 ** step] : [1, 1];
    const [m, v] = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    tidy(() => {
      const u = empty(p.shape, p);
      runKernelInto(
        momentsKernel(p, grad, group.maximize, group.weightDecay !== 0),
        [p, grad, m, v],
        [m, v, u],
        [beta1, 1 - beta1, beta2, 1 - beta2, bc1, Math.sqrt(bc2), group.eps, group.weightDecay],
      );
      runKernelInto(
        trustStepKernel(p.dtype, group.trustClip),
        [p, u, p.mul(p).sum(), u.mul(u).sum()],
        [p],
        [group.lr],
      );
    });
  }

  /**
   * The update kept only where `foundInf` is 0, with the step count on the device (it grows only where the step is
   * kept), so that the bias corrections of later steps are those of the steps taken.
   */
  protected override updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<LAMBOptions>,
    state: State,
    foundInf: Tensor,
  ): void {
    const index = countUnlessFound(state, p.device, foundInf);
    const step = state.step as Tensor;
    const [beta1, beta2] = group.betas;
    const [m, v] = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    tidy(() => {
      const corrections = group.biasCorrection
        ? [
          atCount(index, step, `bc1:${beta1}`, (s) => 1 - beta1 ** s),
          atCount(index, step, `bc2-sqrt:${beta2}`, (s) => Math.sqrt(1 - beta2 ** s)),
        ]
        : [ones([], { device: p.device }), ones([], { device: p.device })];
      const u = empty(p.shape, p);
      runKernelInto(
        momentsSkipKernel(p, grad, foundInf, group.maximize, group.weightDecay !== 0),
        [p, grad, m, v, ...corrections, foundInf],
        [m, v, u],
        [beta1, 1 - beta1, beta2, 1 - beta2, group.eps, group.weightDecay],
      );
      runKernelInto(
        trustStepSkipKernel(p.dtype, foundInf, group.trustClip),
        [p, u, p.mul(p).sum(), u.mul(u).sum(), foundInf],
        [p],
        [group.lr],
      );
    });
  }
}
