/**
 * NAdam, as `torch.optim.NAdam` (PyTorch 2): Adam with Nesterov momentum and a momentum decay schedule, with L2 or
 * decoupled weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { type AdamFamilyTerms, adamMoments } from "./adam_moments.ts";
import { decayedGradient } from "./gradient.ts";
import { full, zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { keep } from "../tensor/memory.ts";
import { Tensor } from "../tensor/tensor.ts";
import { atCount, countUnlessFound, withNothingFound } from "./device_step.ts";
import { checkBetas, checkNonNegative } from "./validation.ts";
import { Optimizer } from "./optimizer.ts";
import type { ParamGroup, Params, State } from "./state_dict.ts";
import { skipKernel } from "./skip_on_device.ts";

/**
 * NAdam's hyperparameters (PyTorch's defaults: lr 2e-3, betas [0.9, 0.999], eps 1e-8, no weight decay,
 * momentumDecay 4e-3).
 */
export interface NAdamOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay: an L2 penalty, or decoupled (see below). */
  weightDecay: number;
  /** ψ of the momentum schedule μ_t = β1·(1 − ½·0.96^(t·ψ)). */
  momentumDecay: number;
  /** Decay weights directly (p ← p·(1 − lr·wd)) instead of adding wd·p to the gradient, as AdamW does. */
  decoupledWeightDecay: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** The expressions NAdam's update reads. */
interface NAdamTerms extends AdamFamilyTerms {
  bc2: ir.Expr;
  gradCoef: ir.Expr;
  avgCoef: ir.Expr;
  decayFactor: ir.Expr;
}

/**
 * The update, in PyTorch's order of operations: [p ← p·(1 − lr·wd) | g = ±grad + wd·p]; m = β1·m + (1−β1)·g;
 * v = β2·v + (1−β2)·g·g; denom = √(v / bc2) + eps; p += (gradCoef·g) / denom; p += (avgCoef·m) / denom — two
 * roundings of p, as PyTorch's two addcdiv_ calls. Returns [p, m, v].
 */
function nadamUpdate(group: NAdamOptions, x: NAdamTerms): ir.Expr[] {
  const { d, w } = decayedGradient(
    { ...group, decay: group.weightDecay !== 0 },
    x.param,
    x.grad,
    x.decayFactor,
  );
  const [m2, v2] = adamMoments(x, d);
  const denom = ir.add(ir.sqrt(ir.div(v2, x.bc2)), x.eps);
  const p1 = ir.add(w, ir.div(ir.mul(x.gradCoef, d), denom));
  return [ir.add(p1, ir.div(ir.mul(x.avgCoef, m2), denom)), m2, v2];
}

function nadamKey(p: Tensor, g: Tensor, group: NAdamOptions): string {
  const decay = group.weightDecay !== 0;
  return `nadam:${p.dtype}:${g.dtype}:${group.maximize}:${decay}:${group.decoupledWeightDecay}`;
}

/** {@link nadamUpdate} with the schedule's coefficients runtime scalars computed on the host in float64. */
function nadamKernel(p: Tensor, g: Tensor, group: NAdamOptions): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(nadamKey(p, g, group), () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t, t, t, t, t, t],
      (
        [param, grad, m, v],
        [beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc2, eps, gradCoef, avgCoef, decayFactor],
      ) =>
        nadamUpdate(group, {
          param,
          grad,
          m,
          v,
          beta1,
          oneMinusBeta1,
          beta2,
          oneMinusBeta2,
          bc2,
          eps,
          gradCoef,
          avgCoef,
          decayFactor,
        }),
    ));
}

/**
 * {@link nadamUpdate} with the step count on the device: μ_t, μ_{t+1} and bc2 gathered at the count, the running
 * product read from the device, and the coefficients −lr·(1 − μ_t) / (1 − Π) and −lr·μ_{t+1} / (1 − Π·μ_{t+1})
 * computed there; nothing changes where `foundInf` is non-zero.
 */
function nadamSkipKernel(p: Tensor, g: Tensor, foundInf: Tensor, group: NAdamOptions): ir.Kernel {
  const t = p.dtype;
  const spec = { inputs: [t, g.dtype, t, t], values: 4, valueType: t, scalars: [t, t, t, t, t, t, t] };
  return skipKernel(
    nadamKey(p, g, group),
    { ...spec, found: foundInf.dtype, old: [0, 2, 3] },
    (
      [param, grad, m, v],
      [mu, muNext, muProduct, bc2],
      [beta1, oneMinusBeta1, beta2, oneMinusBeta2, negLr, eps, decayFactor],
    ) =>
      nadamUpdate(group, {
        param,
        grad,
        m,
        v,
        beta1,
        oneMinusBeta1,
        beta2,
        oneMinusBeta2,
        bc2,
        eps,
        gradCoef: ir.div(ir.mul(negLr, ir.sub(1, mu)), ir.sub(1, muProduct)),
        avgCoef: ir.div(ir.mul(negLr, muNext), ir.sub(1, ir.mul(muProduct, muNext))),
        decayFactor,
      }),
  );
}

/** Π ← Π·μ_t (in float32, as PyTorch's tensor) unless `foundInf` is non-zero. */
function muProductKernel(foundInf: Tensor): ir.Kernel {
  const spec = { inputs: ["float32" as const], values: 1, valueType: "float32" as const, scalars: [] };
  return skipKernel("nadam-mu-product", { ...spec, found: foundInf.dtype, old: [0] }, ([product], [mu]) => [
    ir.mul(product, mu),
  ]);
}

/** μ_t = β1·(1 − ½·0.96^(t·ψ)), the momentum coefficient of step t. */
function momentum(beta1: number, momentumDecay: number, step: number): number {
  return beta1 * (1 - 0.5 * 0.96 ** (step * momentumDecay));
}

/**
 * NAdam (Dozat 2016, "Incorporating Nesterov Momentum into Adam"), as `torch.optim.NAdam` of PyTorch 2: one fused
 * kernel per parameter, the momentum schedule and its running product computed on the host. PyTorch 1.13 computed
 * the next product with μ_t once too often (fixed in PyTorch 2.0, pytorch/pytorch#92699); gradstep follows the fix.
 *
 * @example
 * ```ts
 * import { NAdam } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new NAdam(model.parameters(), { lr: 2e-3, weightDecay: 0.01, decoupledWeightDecay: true });
 * ```
 */
export class NAdam extends Optimizer<NAdamOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    super(params, {
      lr: 2e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      momentumDecay: 4e-3,
      decoupledWeightDecay: false,
      maximize: false,
    }, options);
  }

  /** PyTorch's checks of NAdam's hyperparameters. */
  protected validate(group: NAdamOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.eps, "epsilon value", "eps");
    checkBetas(group.betas);
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
    checkNonNegative(group.momentumDecay, "momentumDecay value", "momentumDecay");
  }

  /** The step count, the running product of the momentum schedule (1) and the zeroed moments. */
  protected initState(p: Tensor): State {
    return { step: 0, muProduct: 1, expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
  }

  /**
   * One fused kernel: the parameter and its moments updated in place. The schedule's coefficients are host
   * scalars; the running product is rounded to float32 at every step, as PyTorch keeps it in a float32 tensor.
   */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<NAdamOptions>, state: State): void {
    if (state.step instanceof Tensor) {
      return withNothingFound(p.device, (none) => this.updateUnless(p, grad, group, state, none));
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const [beta1, beta2] = group.betas;
    const mu = momentum(beta1, group.momentumDecay, step);
    const muNext = momentum(beta1, group.momentumDecay, step + 1);
    const muProduct = Math.fround((state.muProduct as number) * Math.fround(mu));
    state.muProduct = muProduct;
    const decayFactor = group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay;
    const scalars = [
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      1 - beta2 ** step,
      group.eps,
      -group.lr * (1 - mu) / (1 - muProduct),
      -group.lr * muNext / (1 - muProduct * muNext),
      decayFactor,
    ];
    const [m, v] = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    runKernelInto(nadamKernel(p, grad, group), [p, grad, m, v], [p, m, v], scalars);
  }

  /**
   * The update kept only where `foundInf` is 0, with the step count and the running product on the device (they
   * advance only where the step is kept), so that the schedule of later steps is that of the steps taken, as in
   * PyTorch.
   */
  protected override updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<NAdamOptions>,
    state: State,
    foundInf: Tensor,
  ): void {
    const index = countUnlessFound(state, p.device, foundInf);
    const step = state.step as Tensor;
    const [beta1, beta2] = group.betas;
    const psi = group.momentumDecay;
    const mu = atCount(index, step, `nadam-mu:${beta1}:${psi}`, (s) => momentum(beta1, psi, s));
    const muNext = atCount(index, step, `nadam-mu-next:${beta1}:${psi}`, (s) => momentum(beta1, psi, s + 1));
    const bc2 = atCount(index, step, `bc2:${beta2}`, (s) => 1 - beta2 ** s);
    if (typeof state.muProduct === "number") {
      state.muProduct = keep(full([], state.muProduct, { dtype: "float32", device: p.device }));
    }
    const muProduct = state.muProduct as Tensor;
    runKernelInto(muProductKernel(foundInf), [muProduct, mu, foundInf], [muProduct]);
    const [m, v] = [state.expAvg as Tensor, state.expAvgSq as Tensor];
    runKernelInto(
      nadamSkipKernel(p, grad, foundInf, group),
      [p, grad, m, v, mu, muNext, muProduct, bc2, foundInf],
      [p, m, v],
      [
        beta1,
        1 - beta1,
        beta2,
        1 - beta2,
        -group.lr,
        group.eps,
        group.decoupledWeightDecay ? 1 - group.lr * group.weightDecay : group.weightDecay,
      ],
    );
    for (const value of [mu, muNext, bc2]) value.dispose();
  }
}
