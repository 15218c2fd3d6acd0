/**
 * ASGD, as `torch.optim.ASGD`: averaged stochastic gradient descent, with weight decay and maximize.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { full, zerosLike } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { keep } from "../tensor/memory.ts";
import { Tensor } from "../tensor/tensor.ts";
import { atCount, countUnlessFound, withNothingFound } from "./device_step.ts";
import { checkNonNegative } from "./validation.ts";
import { Optimizer } from "./optimizer.ts";
import type { ParamGroup, Params, State } from "./state_dict.ts";
import { skipKernel } from "./skip_on_device.ts";

/** ASGD's hyperparameters (PyTorch's defaults: lr 1e-2, lambd 1e-4, alpha 0.75, t0 1e6, no weight decay). */
export interface ASGDOptions {
  /** Learning rate. */
  lr: number;
  /** Decay term: the parameter shrinks by a factor (1 − lambd·η) every step. */
  lambd: number;
  /** Power of the step size's decay: η_t = lr / (1 + lambd·lr·t)^alpha. */
  alpha: number;
  /** The step after which averaging starts. */
  t0: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** The expressions ASGD's update reads. */
interface ASGDTerms {
  param: ir.Expr;
  grad: ir.Expr;
  ax: ir.Expr;
  shrink: ir.Expr;
  negEta: ir.Expr;
  mu: ir.Expr;
  weightDecay: ir.Expr;
}

/**
 * The update, in PyTorch's order of operations: g = ±grad (+ wd·p); p ← p·(1 − lambd·η); p ← p − η·g; then
 * ax ← ax + (p − ax)·μ while averaging (`averaging`: decided on the host as PyTorch does, or a device condition,
 * μ ≠ 1), else ax ← p. Returns [p, ax].
 */
function asgdUpdate(group: ASGDOptions, x: ASGDTerms, averaging: boolean | ir.Expr): ir.Expr[] {
  let d = ir.cast(x.grad, x.param.dtype);
  if (group.maximize) d = ir.neg(d);
  if (group.weightDecay !== 0) d = ir.add(d, ir.mul(x.weightDecay, x.param));
  const p2 = ir.add(ir.mul(x.param, x.shrink), ir.mul(x.negEta, d));
  const averaged = ir.add(x.ax, ir.mul(ir.sub(p2, x.ax), x.mu));
  if (typeof averaging !== "boolean") return [p2, ir.where(averaging, averaged, p2)];
  return [p2, averaging ? averaged : p2];
}

function asgdKey(p: Tensor, g: Tensor, group: ASGDOptions): string {
  return `asgd:${p.dtype}:${g.dtype}:${group.maximize}:${group.weightDecay !== 0}`;
}

/** {@link asgdUpdate} with η and μ runtime scalars (the state's numbers). */
function asgdKernel(p: Tensor, g: Tensor, group: ASGDOptions, averaging: boolean): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(`${asgdKey(p, g, group)}:${averaging}`, () =>
    ir.defineKernel(
      [t, g.dtype, t],
      [t, t, t, t],
      ([param, grad, ax], [shrink, negEta, mu, weightDecay]) =>
        asgdUpdate(group, { param, grad, ax, shrink, negEta, mu, weightDecay }, averaging),
    ));
}

/**
 * {@link asgdUpdate} with η and μ read from the device (where the state keeps them), 1 − lambd·η computed there;
 * at the first step taken η is this step's lr (PyTorch creates the state then, where the state here may have been
 * created by a skipped step with another lr). Nothing changes where `foundInf` is non-zero.
 */
function asgdSkipKernel(p: Tensor, g: Tensor, foundInf: Tensor, group: ASGDOptions): ir.Kernel {
  const t = p.dtype;
  const spec = { inputs: [t, g.dtype, t], values: 3, valueType: t, scalars: [t, t, t] };
  return skipKernel(
    asgdKey(p, g, group),
    { ...spec, found: foundInf.dtype, old: [0, 2] },
    ([param, grad, ax], [stateEta, mu, first], [lr, lambd, weightDecay]) => {
      const eta = ir.where(first, lr, stateEta);
      return asgdUpdate(group, {
        param,
        grad,
        ax,
        shrink: ir.sub(1, ir.mul(lambd, eta)),
        negEta: ir.neg(eta),
        mu,
        weightDecay,
      }, ir.ne(mu, 1));
    },
  );
}

/** `number ← value` (both 0-d float32) unless `foundInf` is non-zero: a state number kept on the device. */
function setUnlessFoundKernel(foundInf: Tensor): ir.Kernel {
  const spec = { inputs: ["float32" as const], values: 1, valueType: "float32" as const, scalars: [] };
  return skipKernel(
    "set-unless-found",
    { ...spec, found: foundInf.dtype, old: [0] },
    (_, [value]) => [value],
  );
}

/** The step size after `step` steps at `lr`: lr / (1 + lambd·lr·step)^alpha. */
function stepSize(lr: number, lambd: number, alpha: number, step: number): number {
  return lr / (1 + lambd * lr * step) ** alpha;
}

/**
 * ASGD (Polyak & Juditsky 1992; Bottou 2012), as `torch.optim.ASGD`: SGD with a decaying step size, keeping the
 * running average of the parameters (state `ax`) from step t0 on, in one fused kernel per parameter. The step size
 * `eta` and averaging weight `mu` are per-parameter numbers, rounded to float32 as PyTorch's tensors hold them
 * (0-d float32 tensors on the device once a `GradScaler` decided a step there).
 *
 * @example
 * ```ts
 * import { ASGD } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new ASGD(model.parameters(), { lr: 1e-2, t0: 1000 });
 * // after training, the averaged parameters are optimizer.state.get(p)!.ax
 * ```
 */
export class ASGD extends Optimizer<ASGDOptions> {
  /** An optimizer of `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<ASGDOptions>, options: Partial<ASGDOptions> = {}) {
    super(params, {
      lr: 1e-2,
      lambd: 1e-4,
      alpha: 0.75,
      t0: 1e6,
      weightDecay: 0,
      maximize: false,
    }, options);
  }

  /** PyTorch's checks of ASGD's hyperparameters. */
  protected validate(group: ASGDOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    checkNonNegative(group.weightDecay, "weightDecay value", "weightDecay");
  }

  /** The step count, the step size (the group's lr), the averaging weight (1) and the zeroed average. */
  protected initState(p: Tensor, group: ParamGroup<ASGDOptions>): State {
    return { step: 0, eta: Math.fround(group.lr), mu: 1, ax: zerosLike(p) };
  }

  /** One fused kernel: the parameter and its average updated in place; then the next eta and mu on the host. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<ASGDOptions>, state: State): void {
    if (state.step instanceof Tensor) {
      return withNothingFound(p.device, (none) => this.updateUnless(p, grad, group, state, none));
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const [eta, mu, ax] = [state.eta as number, state.mu as number, state.ax as Tensor];
    const { lr, lambd, alpha, t0 } = group;
    runKernelInto(
      asgdKernel(p, grad, group, mu !== 1),
      [p, grad, ax],
      [p, ax],
      [1 - lambd * eta, -eta, mu, group.weightDecay],
    );
    state.eta = Math.fround(stepSize(lr, lambd, alpha, step));
    state.mu = Math.fround(1 / Math.max(1, step - t0));
  }

  /**
   * The update kept only where `foundInf` is 0, with the step count, η and μ on the device (they advance only where
   * the step is kept); the next η and μ are functions of the count (and of this step's lr), gathered from float64
   * tables at it, so that they are those of the steps taken, as in PyTorch. The eta table depends on the lr: an lr
   * changed every step (a scheduler) makes one table per step, as long as the steps so far, on the host.
   */
  protected override updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<ASGDOptions>,
    state: State,
    foundInf: Tensor,
  ): void {
    const index = countUnlessFound(state, p.device, foundInf);
    const step = state.step as Tensor;
    for (const key of ["eta", "mu"]) {
      const value = state[key];
      if (typeof value === "number") {
        state[key] = keep(full([], value, { dtype: "float32", device: p.device }));
      }
    }
    const [eta, mu, ax] = [state.eta as Tensor, state.mu as Tensor, state.ax as Tensor];
    const first = atCount(index, step, "first", (s) => s === 1 ? 1 : 0);
    runKernelInto(
      asgdSkipKernel(p, grad, foundInf, group),
      [p, grad, ax, eta, mu, first, foundInf],
      [p, ax],
      [
        group.lr,
        group.lambd,
        group.weightDecay,
      ],
    );
    first.dispose();
    const { lr, lambd, alpha, t0 } = group;
    const nextEta = atCount(
      index,
      step,
      `asgd-eta:${lr}:${lambd}:${alpha}`,
      (s) => stepSize(lr, lambd, alpha, s),
    );
    const nextMu = atCount(index, step, `asgd-mu:${t0}`, (s) => 1 / Math.max(1, s - t0));
    runKernelInto(setUnlessFoundKernel(foundInf), [eta, nextEta, foundInf], [eta]);
    runKernelInto(setUnlessFoundKernel(foundInf), [mu, nextMu, foundInf], [mu]);
    nextEta.dispose();
    nextMu.dispose();
  }
}
