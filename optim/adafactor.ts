/**
 * Adafactor, as PyTorch 2.5+'s `torch.optim.Adafactor`: factored second moments (a row and a column factor) for
 * parameters of two or more dimensions, a full second moment for vectors, relative step sizes and update
 * clipping.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { tidy } from "../tensor/memory.ts";
import { zeros, zerosLike } from "../tensor/creation.ts";
import type { DType } from "../tensor/dtype.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { empty } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { lerp } from "./lerp.ts";
import { check, Optimizer, type ParamGroup, type Params, type State } from "./optimizer.ts";

/** Adafactor's hyperparameters (PyTorch's defaults: lr 1e-2, beta2Decay −0.8, eps [null, 1e-3], d 1). */
export interface AdafactorOptions {
  /** The maximum relative step size ρ_t = min(lr, 1/√t), and the weight decay's multiplier. */
  lr: number;
  /** The second moment's averaging weight at step t is t^beta2Decay (β2_t = 1 − t^beta2Decay). */
  beta2Decay: number;
  /** [ε1, ε2]: ε1 floors the variance estimate (null: the dtype's machine epsilon); ε2 floors RMS(θ). */
  eps: [number | null, number];
  /** Clipping threshold: updates whose RMS exceeds d are scaled down to RMS d. */
  d: number;
  /** Decoupled weight decay: θ ← θ·(1 − lr·weightDecay). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** `torch.finfo(dtype).eps`: ε1's value when it is null. */
const MACHINE_EPSILON: Partial<Record<DType, number>> = { float32: 2 ** -23, float16: 2 ** -10 };

/** The moment update of one factor: v ← lerp(v, sum / n, w), with the sum of squares reduced beforehand. */
function factorKernel(t: DType): ir.Kernel {
  return cachedKernel(`adafactor-factor:${t}`, () =>
    ir.defineKernel(
      [t, t],
      [t, t],
      ([v, sumSq], [count, weight]) => [lerp(v, ir.div(sumSq, count), weight)],
    ));
}

/** 1 / √max(v, ε1²) as PyTorch's `clamp_(min=eps1 * eps1).rsqrt_()`. */
function rsqrtFloor(v: ir.Expr, eps1Sq: ir.Expr): ir.Expr {
  return ir.recip(ir.sqrt(ir.max(v, eps1Sq)));
}

/** The unclipped update of a factored parameter: U = G / √max((R·C) / max(mean(R), ε1), ε1²). */
function factoredUpdateKernel(p: Tensor, g: Tensor, maximize: boolean): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(`adafactor-factored:${t}:${g.dtype}:${maximize}`, () =>
    ir.defineKernel(
      [g.dtype, t, t, t],
      [t, t],
      ([grad, row, col, rowMean], [eps1, eps1Sq]) => {
        const d = maximize ? ir.neg(ir.cast(grad, t)) : ir.cast(grad, t);
        const estimate = ir.div(ir.mul(row, col), ir.max(rowMean, eps1));
        return [ir.mul(rsqrtFloor(estimate, eps1Sq), d)];
      },
    ));
}

/** A vector's second moment and unclipped update: V ← lerp(V, G², w); U = G / √max(V, ε1²). */
function vectorUpdateKernel(p: Tensor, g: Tensor, maximize: boolean): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(`adafactor-vector:${t}:${g.dtype}:${maximize}`, () =>
    ir.defineKernel(
      [g.dtype, t],
      [t, t],
      ([grad, variance], [weight, eps1Sq]) => {
        const d = maximize ? ir.neg(ir.cast(grad, t)) : ir.cast(grad, t);
        const v = lerp(variance, ir.mul(d, d), weight);
        return [v, ir.mul(rsqrtFloor(v, eps1Sq), d)];
      },
    ));
}

/**
 * The parameter step, scalars from two on-device sums of squares: α = max(ε2, RMS(θ))·ρ, clip = max(1, RMS(U)/d),
 * θ ← θ·(1 − lr·λ) − (α / clip)·U.
 */
function applyKernel(t: DType): ir.Kernel {
  return cachedKernel(`adafactor-apply:${t}`, () =>
    ir.defineKernel(
      [t, t, t, t],
      [t, t, t, t, t],
      ([param, update, paramSq, updateSq], [decay, rho, eps2, sqrtNumel, d]) => {
        const alpha = ir.mul(ir.max(eps2, ir.div(ir.sqrt(paramSq), sqrtNumel)), rho);
        const clip = ir.max(1, ir.div(ir.sqrt(updateSq), ir.mul(sqrtNumel, d)));
        return [ir.add(ir.mul(param, decay), ir.mul(ir.neg(ir.div(alpha, clip)), update))];
      },
    ));
}

/**
 * Adafactor, as PyTorch's `torch.optim.Adafactor` (Shazeer & Stern 2018, with PyTorch's use of lr and ε1):
 * parameters of two or more dimensions keep only a row and a column factor of their second moment, over the last
 * two dimensions. Every value stays on the device: the RMS of the parameter and of the update are reduced there
 * and enter the final kernel as 0-d tensors.
 *
 * @example
 * ```ts
 * import { Adafactor } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new Adafactor(model.parameters(), { lr: 1e-2, weightDecay: 1e-4 });
 * ```
 */
export class Adafactor extends Optimizer<AdafactorOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<AdafactorOptions>, options: Partial<AdafactorOptions> = {}) {
    super(params, {
      lr: 1e-2,
      beta2Decay: -0.8,
      eps: [null, 1e-3],
      d: 1,
      weightDecay: 0,
      maximize: false,
      ...options,
    });
  }

  /** PyTorch's checks of Adafactor's hyperparameters, in its words. */
  protected validate(group: AdafactorOptions): void {
    check(group.lr >= 0, `Learning rate should be >= 0 but is: ${group.lr}`);
    check(group.beta2Decay <= 0, `beta2Decay should be <= 0 but is: ${group.beta2Decay}`);
    check(
      Array.isArray(group.eps) && group.eps.length === 2,
      `Invalid eps: ${group.eps} (expected [epsilon1 or null, epsilon2])`,
    );
    const [eps1, eps2] = group.eps;
    check(eps1 === null || eps1 >= 0, `epsilon1 should be >= 0 but is: ${eps1}`);
    check(eps2 >= 0, `epsilon2 should be >= 0 but is: ${eps2}`);
    check(group.d >= 1, `Clipping threshold d should be >= 1 but is: ${group.d}`);
    check(group.weightDecay >= 0, `weightDecay should be >= 0 but is: ${group.weightDecay}`);
  }

  /** The step count, and a row and a column factor (≥ 2-D) or a full second moment (0-D and 1-D). */
  protected initState(p: Tensor): State {
    if (p.ndim < 2) return { step: 0, variance: zerosLike(p) };
    const options = { dtype: p.dtype, device: p.device };
    return {
      step: 0,
      rowVar: zeros([...p.shape.slice(0, -1), 1], options),
      colVar: zeros([...p.shape.slice(0, -2), 1, p.shape[p.ndim - 1]], options),
    };
  }

  /** The moments' kernels, the on-device sums of squares, then one kernel that steps the parameter. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<AdafactorOptions>, state: State): void {
    const step = (state.step as number) + 1;
    state.step = step;
    const weight = step ** group.beta2Decay; // 1 − β2_t
    const eps1 = group.eps[0] ?? MACHINE_EPSILON[p.dtype]!;
    tidy(() => {
      let update: Tensor;
      if (p.ndim < 2) {
        const variance = state.variance as Tensor;
        update = empty(p.shape, p);
        runKernelInto(
          vectorUpdateKernel(p, grad, group.maximize),
          [grad, variance],
          [variance, update],
          [weight, eps1 * eps1],
        );
      } else {
        const [rowVar, colVar] = [state.rowVar as Tensor, state.colVar as Tensor];
        const squares = grad.mul(grad);
        const [rows, cols] = [p.shape[p.ndim - 2], p.shape[p.ndim - 1]];
        const factor = factorKernel(p.dtype);
        runKernelInto(factor, [rowVar, squares.sum(-1, { keepdim: true })], [rowVar], [cols, weight]);
        runKernelInto(factor, [colVar, squares.sum(-2, { keepdim: true })], [colVar], [rows, weight]);
        update = empty(p.shape, p);
        runKernelInto(
          factoredUpdateKernel(p, grad, group.maximize),
          [grad, rowVar, colVar, rowVar.mean(-2, { keepdim: true })],
          [update],
          [eps1, eps1 * eps1],
        );
      }
      runKernelInto(
        applyKernel(p.dtype),
        [p, update, p.mul(p).sum(), update.mul(update).sum()],
        [p],
        [
          1 - group.lr * group.weightDecay,
          Math.min(group.lr, 1 / Math.sqrt(step)),
          group.eps[1],
          Math.sqrt(p.numel),
          group.d,
        ],
      );
    });
  }
}
