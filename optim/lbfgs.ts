/**
 * L-BFGS, as `torch.optim.LBFGS`, with PyTorch's strong-Wolfe line search. Its step must look at values (losses,
 * directional derivatives, the optimality test), so `step(closure)` returns a Promise.
 *
 * @module
 */
import { enableGrad, noGrad } from "../autograd/node.ts";
import * as ir from "../backends/kernel_ir.ts";
import { zerosLike } from "../tensor/creation.ts";
import { cachedKernel, copyInto, runKernelInto } from "../tensor/elementwise.ts";
import { tidy } from "../tensor/memory.ts";
import { cat, empty, stack } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { BaseOptimizer } from "./base_optimizer.ts";
import { check, checkNonNegative } from "./validation.ts";
import {
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  restoredTensor,
  savedValues,
} from "./state_dict.ts";
import { type LineEvaluation, strongWolfe } from "./strong_wolfe.ts";

/** LBFGS's hyperparameters (PyTorch's defaults: lr 1, maxIter 20, maxEval maxIter·5/4, history 100, no search). */
export interface LBFGSOptions {
  /** Learning rate: the step length tried first (scaled down on the very first iteration). */
  lr: number;
  /** The most iterations per `step()`. */
  maxIter: number;
  /** The most evaluations of the closure per `step()` (default: ⌊maxIter·5/4⌋). */
  maxEval: number;
  /** Stop when every gradient entry is at most this in absolute value. */
  toleranceGrad: number;
  /** Stop when the loss, the step or the directional derivative change by less than this. */
  toleranceChange: number;
  /** How many past updates the inverse-Hessian approximation keeps. */
  historySize: number;
  /** `"strong_wolfe"` for PyTorch's strong-Wolfe line search; null for a fixed step of lr. */
  lineSearchFn: "strong_wolfe" | null;
}

/** What L-BFGS remembers between iterations and steps (PyTorch's names in camelCase). */
export interface LBFGSMemory {
  /** The last search direction (flat). */
  d: Tensor;
  /** The last step length. */
  t: number;
  /** Past gradient differences y (flat), oldest first. */
  oldDirs: Tensor[];
  /** Past steps s = t·d (flat), oldest first. */
  oldStps: Tensor[];
  /** 1 / (y·s) of each remembered pair. */
  ro: number[];
  /** The scale of the initial inverse Hessian: (y·s) / (y·y) of the newest pair. */
  hDiag: number;
  /** The flat gradient at the start of the last iteration. */
  prevFlatGrad: Tensor;
  /** The loss at the start of the last iteration. */
  prevLoss: number;
}

/**
 * LBFGS's state, kept (as PyTorch keeps it) on the first parameter: evaluation and iteration counts, and the memory
 * once an iteration has run.
 */
export type LBFGSState = { funcEvals: number; nIter: number } & Partial<LBFGSMemory>;

/** `out = x + a·y` with `a` a one-element tensor (broadcast): the two-loop recursion's updates, on the device. */
function axpyKernel(x: Tensor): ir.Kernel {
  const t = x.dtype;
  return cachedKernel(
    `lbfgs-axpy:${t}`,
    () => ir.defineKernel([t, t, t], [], ([q, a, y]) => [ir.add(q, ir.mul(a, y))]),
  );
}

/**
 * Resolves to the values of the one-element tensors `values` makes, read back together (one round trip); every
 * tensor made on the way is disposed.
 */
async function read(values: () => Tensor[]): Promise<number[]> {
  const one = tidy(() => noGrad(() => stack(values().map((v) => v.detach().reshape([]).float()))));
  try {
    return Array.from(await one.data());
  } finally {
    one.dispose();
  }
}

const dot = (a: Tensor, b: Tensor): Tensor => a.mul(b).sum();

/** One evaluation of the closure as LBFGS reads it back: the loss and the flat gradient with its statistics. */
interface Evaluation {
  /** The loss. */
  loss: number;
  /** The flat gradient. */
  grad: Tensor;
  /** Its largest absolute entry (the optimality test). */
  gradMax: number;
  /** The sum of its absolute entries (the first step length). */
  gradSum: number;
}

/** An evaluation along the search direction, for the line search. */
type Directional = Omit<Evaluation, "gradSum"> & LineEvaluation;
const f32 = Math.fround;

/**
 * L-BFGS (Nocedal 1980; Liu & Nocedal 1989), as `torch.optim.LBFGS` (after minFunc): a limited-memory quasi-Newton
 * method, with a fixed step or PyTorch's strong-Wolfe line search. One parameter group only. Vectors stay on the
 * device (the two-loop recursion included); each evaluation reads back its loss, directional derivative and
 * largest gradient entry together. Host scalars are doubles, except where PyTorch keeps a float32 tensor.
 *
 * @example
 * ```ts
 * import { LBFGS } from "@gradstep/gradstep/optim";
 * import { tensor } from "@gradstep/gradstep";
 * const x = tensor([-1.5, 2], { requiresGrad: true });
 * const optimizer = new LBFGS([x], { lineSearchFn: "strong_wolfe" });
 * const rosenbrock = () => {
 *   optimizer.zeroGrad();
 *   const [a, b] = [x.narrow(0, 0, 1), x.narrow(0, 1, 1)];
 *   const loss = a.neg().add(1).pow(2).add(b.sub(a.pow(2)).pow(2).mul(100)).sum();
 *   loss.backward();
 *   return loss;
 * };
 * for (let i = 0; i < 5; i++) await optimizer.step(rosenbrock);
 * console.log(await x.data()); // close to [1, 1]
 * ```
 */
export class LBFGS extends BaseOptimizer<LBFGSOptions, LBFGSState> {
  /** An optimizer of `params` (one group) with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<LBFGSOptions>, options: Partial<LBFGSOptions> = {}) {
    // maxEval's default follows the maxIter given; a maxIter of the wrong type is refused by the base.
    const maxIter = typeof options.maxIter === "number" ? options.maxIter : 20;
    super(params, {
      lr: 1,
      maxIter: 20,
      maxEval: Math.floor(maxIter * 5 / 4),
      toleranceGrad: 1e-7,
      toleranceChange: 1e-9,
      historySize: 100,
      lineSearchFn: null,
    }, options);
  }

  /**
   * Adds the one parameter group; throws PyTorch's error for a second.
   *
   * @example
   * ```ts
   * import { LBFGS } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new LBFGS(new Linear(4, 2).parameters(), { lr: 1 }); // the constructor adds the one group
   * // optimizer.addParamGroup({ params: … }) would throw: LBFGS has a single group
   * ```
   */
  override addParamGroup(group: ParamGroupInput<LBFGSOptions>): void {
    if (this.paramGroups.length > 0) {
      throw new Error(
        "LBFGS doesn't support per-parameter options (parameter groups): got a second group (expected one)",
      );
    }
    super.addParamGroup(group);
  }

  /** Checks of LBFGS's hyperparameters (PyTorch's for lr and the line search; counts must be positive). */
  protected validate(group: LBFGSOptions): void {
    checkNonNegative(group.lr, "learning rate", "lr");
    for (const key of ["maxIter", "maxEval", "historySize"] as const) {
      check(
        Number.isInteger(group[key]) && group[key] > 0,
        `Invalid ${key} value: ${group[key]} (expected a positive integer)`,
      );
    }
    check(
      group.lineSearchFn === null || group.lineSearchFn === "strong_wolfe",
      `Invalid lineSearchFn: ${group.lineSearchFn} (only 'strong_wolfe' is supported, or null)`,
    );
  }

  /**
   * Performs one optimization step of up to `maxIter` iterations, evaluating `closure` (which zeroes the gradients,
   * computes the loss, calls `backward()` and returns the loss) as often as needed. Resolves to the closure's first
   * loss.
   */
  async step(closure: () => Tensor): Promise<Tensor> {
    this.runStepPreHooks();
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize } = group;
    const state = this.#state(group);
    const origLoss = enableGrad(closure);
    const initial = await this.#evaluated(origLoss);
    let current: Omit<Evaluation, "gradSum"> = initial;
    let currentEvals = 1;
    state.funcEvals += 1;
    // PyTorch compares its float32 tensors with the tolerances rounded to float32.
    let optCond = current.gradMax <= f32(toleranceGrad);
    if (optCond) {
      this.runStepPostHooks();
      return origLoss;
    }
    let memory: LBFGSMemory | undefined = state.nIter > 0 ? state as LBFGSMemory : undefined;
    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      state.nIter++;
      const flatGrad = current.grad;
      if (state.nIter === 1 || memory === undefined) {
        const d = flatGrad.neg();
        memory = { d, t: 0, oldDirs: [], oldStps: [], ro: [], hDiag: 1, prevFlatGrad: flatGrad, prevLoss: 0 };
      } else {
        await this.#remember(memory, flatGrad, historySize);
        memory.d = this.#direction(memory, flatGrad);
      }
      const d = memory.d;
      memory.prevFlatGrad = flatGrad;
      memory.prevLoss = current.loss;
      // The first step length is scaled by the gradient's size: min(1, 1 / |g|₁)·lr, float32 like PyTorch's.
      const t = state.nIter === 1 ? this.#firstStepLength(initial.gradSum, lr) : lr;
      memory.t = t;
      const [gtd, dMax] = await read(() => [dot(flatGrad, d), d.abs().max()]);
      if (gtd > f32(-toleranceChange)) break;
      let lsEvals = 0;
      if (group.lineSearchFn === "strong_wolfe") {
        const x = noGrad(() => group.params.map((p) => copyInto(empty(p.shape, p), p)));
        const evaluate = (step: number): Promise<Directional> => this.#directional(closure, x, step, d);
        const { point, evals } = await strongWolfe(evaluate, t, dMax, { ...current, gtd }, {
          toleranceChange,
        });
        memory.t = point.t;
        current = point;
        lsEvals = evals;
        this.#addGrad(point.t, d);
        optCond = current.gradMax <= f32(toleranceGrad);
      } else {
        this.#addGrad(t, d);
        if (nIter !== maxIter) {
          // Re-evaluate only when another iteration may follow.
          current = await this.#evaluated(enableGrad(closure));
          optCond = current.gradMax <= f32(toleranceGrad);
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      state.funcEvals += lsEvals;
      if (nIter === maxIter || currentEvals >= maxEval || optCond) break;
      // Lack of progress: max |t·d| (a float32 product in PyTorch) or the loss barely moved.
      if (f32(dMax * f32(memory.t)) <= f32(toleranceChange)) break;
      if (Math.abs(current.loss - memory.prevLoss) < toleranceChange) break;
    }
    if (memory !== undefined) Object.assign(state, memory);
    this.runStepPostHooks();
    return origLoss;
  }

  /** The state on the first parameter, created with zero counts. */
  #state(group: ParamGroup<LBFGSOptions>): LBFGSState {
    const first = group.params[0];
    let state = this.state.get(first);
    if (state === undefined) this.state.set(first, state = { funcEvals: 0, nIter: 0 });
    return state;
  }

  /** The gradients of all parameters as one flat vector (zeros for a parameter without one). */
  #flatGrad(): Tensor {
    return noGrad(() =>
      cat(this.paramGroups[0].params.map((p) => (p.grad ?? zerosLike(p)).reshape([-1]).to(p.dtype)))
    );
  }

  /** Reads `loss` back with the flat gradient's largest absolute entry and absolute sum (one round trip). */
  async #evaluated(loss: Tensor): Promise<Evaluation> {
    const grad = this.#flatGrad();
    const [value, gradMax, gradSum] = await read(() => {
      const abs = grad.abs();
      return [loss, abs.max(), abs.sum()];
    });
    return { loss: value, grad, gradMax, gradSum };
  }

  /**
   * The objective at x + t·d, the derivative along d included, for the line search; the parameters are put back to
   * x afterwards.
   */
  async #directional(closure: () => Tensor, x: Tensor[], t: number, d: Tensor): Promise<Directional> {
    this.#addGrad(t, d);
    const loss = enableGrad(closure);
    const grad = this.#flatGrad();
    const values = read(() => [loss, grad.abs().max(), dot(grad, d)]);
    noGrad(() => this.paramGroups[0].params.forEach((p, i) => p.copy_(x[i])));
    const [value, gradMax, gtd] = await values;
    return { loss: value, grad, gradMax, gtd };
  }

  /** p += t·d for every parameter, d's matching slice. */
  #addGrad(t: number, d: Tensor): void {
    let offset = 0;
    noGrad(() => {
      for (const p of this.paramGroups[0].params) {
        p.add_(d.narrow(0, offset, p.numel).reshape(p.shape), { alpha: t });
        offset += p.numel;
      }
    });
  }

  /** min(1, 1 / |g|₁)·lr, evaluated as PyTorch does with a float32 tensor |g|₁. */
  #firstStepLength(gradSum: number, lr: number): number {
    const inverse = f32(1 / gradSum);
    return inverse < 1 ? f32(inverse * f32(lr)) : lr;
  }

  /**
   * Adds the newest pair (y = g − g_prev, s = t·d) to the history when its curvature y·s is positive enough, dropping
   * the oldest pair beyond `historySize`, and rescales the initial inverse Hessian.
   */
  async #remember(memory: LBFGSMemory, flatGrad: Tensor, historySize: number): Promise<void> {
    const y = flatGrad.sub(memory.prevFlatGrad);
    const s = memory.d.mul(memory.t);
    const [ys, yy] = await read(() => [dot(y, s), dot(y, y)]);
    if (!(ys > f32(1e-10))) {
      y.dispose();
      s.dispose();
      return;
    }
    if (memory.oldDirs.length === historySize) {
      memory.oldDirs.shift()!.dispose();
      memory.oldStps.shift()!.dispose();
      memory.ro.shift();
    }
    memory.oldDirs.push(y);
    memory.oldStps.push(s);
    memory.ro.push(f32(1 / ys));
    memory.hDiag = f32(ys / yy);
  }

  /** The L-BFGS direction −H·g by the two-loop recursion, entirely on the device. */
  #direction(memory: LBFGSMemory, flatGrad: Tensor): Tensor {
    const { oldDirs, oldStps, ro, hDiag } = memory;
    const axpy = (x: Tensor, a: Tensor, y: Tensor): Tensor => {
      const out = empty(x.shape, x);
      runKernelInto(axpyKernel(x), [x, a, y], [out]);
      return out;
    };
    return tidy(() => {
      const al: Tensor[] = [];
      let q = flatGrad.neg();
      for (let i = oldDirs.length - 1; i >= 0; i--) {
        al[i] = dot(oldStps[i], q).mul(ro[i]);
        q = axpy(q, al[i].neg(), oldDirs[i]);
      }
      let r = q.mul(hDiag);
      for (let i = 0; i < oldDirs.length; i++) {
        const be = dot(oldDirs[i], r).mul(ro[i]);
        r = axpy(r, al[i].sub(be), oldStps[i]);
      }
      return r;
    });
  }

  /** LBFGS's state from a state dict: counts and scalars as saved, vectors as flat tensors on the parameters' device. */
  protected restoreState(
    p: Tensor,
    group: ParamGroup<LBFGSOptions>,
    entry: Record<string, unknown>,
  ): LBFGSState {
    const n = group.params.reduce((total, q) => total + q.numel, 0);
    const flat = { shape: [n], dtype: p.dtype, numel: n };
    const vector = (value: unknown, key: string): Tensor => restoredTensor(value, flat, p.device, key);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (key === "d" || key === "prevFlatGrad") out[key] = vector(value, key);
      else if (key === "oldDirs" || key === "oldStps") {
        out[key] = (value as unknown[]).map((v, i) => vector(v, `${key}[${i}]`));
      } else if (key === "ro") out[key] = Array.from(savedValues(value));
      else out[key] = value;
    }
    return out as LBFGSState;
  }
}
