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
import { Tensor } from "../tensor/tensor.ts";
import { atCount, countUnlessFound, withNothingFound } from "./device_step.ts";
import { lerp } from "./lerp.ts";
import { check } from "./validation.ts";
import { Optimizer } from "./optimizer.ts";
import type { ParamGroup, Params, State } from "./state_dict.ts";
import { skipKernel } from "./skip_on_device.ts";

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

/**
 * The moment update of one factor: v ← lerp(v, sum / n, w), with the sum of squares reduced beforehand; w a host
 * scalar, or (with `found`, the dtype of a skip flag) a value gathered at the device count, v kept where skipped.
 */
function factorKernel(t: DType, found?: DType): ir.Kernel {
  const key = `adafactor-factor:${t}`;
  const body = ([v, sumSq]: ir.Expr[], count: ir.Expr, weight: ir.Expr): ir.Expr[] => [
    lerp(v, ir.div(sumSq, count), weight),
  ];
  if (found === undefined) {
    return cachedKernel(
      key,
      () => ir.defineKernel([t, t], [t, t], (x, [count, weight]) => body(x, count, weight)),
    );
  }
  const spec = { inputs: [t, t], values: 1, valueType: t, scalars: [t], found, old: [0] };
  return skipKernel(key, spec, (x, [weight], [count]) => body(x, count, weight));
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

/**
 * A vector's second moment and unclipped update: V ← lerp(V, G², w); U = G / √max(V, ε1²); w as in
 * {@link factorKernel}.
 */
function vectorUpdateKernel(p: Tensor, g: Tensor, maximize: boolean, found?: DType): ir.Kernel {
  const t = p.dtype;
  const key = `adafactor-vector:${t}:${g.dtype}:${maximize}`;
  const body = ([grad, variance]: ir.Expr[], weight: ir.Expr, eps1Sq: ir.Expr): ir.Expr[] => {
    const d = maximize ? ir.neg(ir.cast(grad, t)) : ir.cast(grad, t);
    const v = lerp(variance, ir.mul(d, d), weight);
    return [v, ir.mul(rsqrtFloor(v, eps1Sq), d)];
  };
  if (found === undefined) {
    return cachedKernel(
      key,
      () => ir.defineKernel([g.dtype, t], [t, t], (x, [weight, eps1Sq]) => body(x, weight, eps1Sq)),
    );
  }
  const spec = { inputs: [g.dtype, t], values: 1, valueType: t, scalars: [t], found, old: [1, null] };
  return skipKernel(key, spec, (x, [weight], [eps1Sq]) => body(x, weight, eps1Sq));
}

/**
 * The parameter step, scalars from two on-device sums of squares: α = max(ε2, RMS(θ))·ρ, clip = max(1, RMS(U)/d),
 * θ ← θ·(1 − lr·λ) − (α / clip)·U. ρ = min(lr, 1/√t) is a host scalar, or (with `found`) min of the lr and 1/√t
 * gathered at the device count (the same float32 number: rounding keeps the order), θ kept where skipped.
 */
function applyKernel(t: DType, found?: DType): ir.Kernel {
  const key = `adafactor-apply:${t}`;
  const body = (
    [param, update, paramSq, updateSq]: ir.Expr[],
    [decay, rho, eps2, sqrtNumel, d]: ir.Expr[],
  ): ir.Expr[] => {
    const alpha = ir.mul(ir.max(eps2, ir.div(ir.sqrt(paramSq), sqrtNumel)), rho);
    const clip = ir.max(1, ir.div(ir.sqrt(updateSq), ir.mul(sqrtNumel, d)));
    return [ir.add(ir.mul(param, decay), ir.mul(ir.neg(ir.div(alpha, clip)), update))];
  };
  if (found === undefined) {
    return cachedKernel(key, () => ir.defineKernel([t, t, t, t], [t, t, t, t, t], body));
  }
  const spec = { inputs: [t, t, t, t], values: 1, valueType: t, scalars: [t, t, t, t, t], found, old: [0] };
  return skipKernel(
    key,
    spec,
    (x, [invSqrt], [decay, lr, eps2, sqrtNumel, d]) =>
      body(x, [decay, ir.min(lr, invSqrt), eps2, sqrtNumel, d]),
  );
}

/**
 * The values of one step that depend on the count: host numbers, or 0-d tensors gathered at the device count with
 * the skip flag (`found`).
 */
type CountValues =
  | { weight: number; rho: number; found?: undefined }
  | { weight: Tensor; invSqrt: Tensor; found: Tensor };

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
    }, options);
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
    if (state.step instanceof Tensor) {
      return withNothingFound(p.device, (none) => this.updateUnless(p, grad, group, state, none));
    }
    const step = (state.step as number) + 1;
    state.step = step;
    // 1 − β2_t, and the relative step size.
    this.#update(p, grad, group, state, {
      weight: step ** group.beta2Decay,
      rho: Math.min(group.lr, 1 / Math.sqrt(step)),
    });
  }

  /**
   * The update kept only where `foundInf` is 0, with the step count on the device (it grows only where the step is
   * kept): the averaging weight and 1/√t are gathered at the count, so that they are those of the steps taken.
   */
  protected override updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdafactorOptions>,
    state: State,
    foundInf: Tensor,
  ): void {
    const index = countUnlessFound(state, p.device, foundInf);
    const step = state.step as Tensor;
    const decay = group.beta2Decay;
    tidy(() =>
      this.#update(p, grad, group, state, {
        weight: atCount(index, step, `adafactor-weight:${decay}`, (s) => s ** decay),
        invSqrt: atCount(index, step, "inv-sqrt", (s) => 1 / Math.sqrt(s)),
        found: foundInf,
      })
    );
  }

  /** One step of `p` with the count's values `c`, on the host or (with `c.found`) kept only where it is 0. */
  #update(p: Tensor, grad: Tensor, group: ParamGroup<AdafactorOptions>, state: State, c: CountValues): void {
    const eps1 = group.eps[0] ?? MACHINE_EPSILON[p.dtype]!;
    const found = c.found?.dtype;
    // A count value enters a kernel as a scalar on the host, as an input (then the flag) on the device.
    const at = (value: number | Tensor): { inputs: Tensor[]; scalars: number[] } =>
      typeof value === "number"
        ? { inputs: [], scalars: [value] }
        : { inputs: [value, c.found!], scalars: [] };
    tidy(() => {
      let update: Tensor;
      const weight = at(c.weight);
      if (p.ndim < 2) {
        const variance = state.variance as Tensor;
        update = empty(p.shape, p);
        runKernelInto(
          vectorUpdateKernel(p, grad, group.maximize, found),
          [grad, variance, ...weight.inputs],
          [variance, update],
          [...weight.scalars, eps1 * eps1],
        );
      } else {
        const [rowVar, colVar] = [state.rowVar as Tensor, state.colVar as Tensor];
        const squares = grad.mul(grad);
        const [rows, cols] = [p.shape[p.ndim - 2], p.shape[p.ndim - 1]];
        const factor = factorKernel(p.dtype, found);
        const rowSq = squares.sum(-1, { keepdim: true });
        runKernelInto(factor, [rowVar, rowSq, ...weight.inputs], [rowVar], [cols, ...weight.scalars]);
        const colSq = squares.sum(-2, { keepdim: true });
        runKernelInto(factor, [colVar, colSq, ...weight.inputs], [colVar], [rows, ...weight.scalars]);
        update = empty(p.shape, p);
        runKernelInto(
          factoredUpdateKernel(p, grad, group.maximize),
          [grad, rowVar, colVar, rowVar.mean(-2, { keepdim: true })],
          [update],
          [eps1, eps1 * eps1],
        );
      }
      const rho = c.found === undefined ? at(c.rho) : { ...at(c.invSqrt), scalars: [group.lr] };
      runKernelInto(
        applyKernel(p.dtype, found),
        [p, update, p.mul(p).sum(), update.mul(update).sum(), ...rho.inputs],
        [p],
        [1 - group.lr * group.weightDecay, ...rho.scalars, group.eps[1], Math.sqrt(p.numel), group.d],
      );
    });
  }
}
