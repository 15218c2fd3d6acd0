/**
 * The base of every optimizer with a synchronous per-parameter step (all but LBFGS): a concrete optimizer supplies
 * its validation, its state initialisation and its per-parameter update; `stepUnless` is the step a `GradScaler`
 * skips on the device.
 *
 * @module
 */
import { enableGrad, noGrad } from "../autograd/node.ts";
import { Tensor } from "../tensor/tensor.ts";
import { BaseOptimizer } from "./base_optimizer.ts";
import { updateUnlessFound } from "./skip_on_device.ts";
import { type ParamGroup, restoredNumber, restoredTensor, type State } from "./state_dict.ts";

/**
 * The base of every optimizer with a per-parameter update, and of your own: extend it, validate your
 * hyperparameters in `validate`, create per-parameter state in `initState`, and update one parameter in `update`
 * (called inside `noGrad` for every parameter that has a gradient).
 *
 * @example
 * ```ts
 * import { Optimizer, type ParamGroup, type Params, type State } from "@gradstep/gradstep/optim";
 * import { type Tensor, zerosLike } from "@gradstep/gradstep";
 *
 * interface NagOptions { lr: number; momentum: number }
 * class NAG extends Optimizer<NagOptions> {
 *   constructor(params: Params<NagOptions>, options: Partial<NagOptions> = {}) {
 *     super(params, { lr: 0.01, momentum: 0.9, ...options });
 *   }
 *   protected validate(group: NagOptions): void {}
 *   protected initState(p: Tensor): State {
 *     return { momentumBuffer: zerosLike(p) };
 *   }
 *   protected update(p: Tensor, grad: Tensor, group: ParamGroup<NagOptions>, state: State): void {
 *     const buf = (state.momentumBuffer as Tensor).mul_(group.momentum).add_(grad);
 *     p.sub_(grad.add(buf, { alpha: group.momentum }), { alpha: group.lr });
 *   }
 * }
 * ```
 */
export abstract class Optimizer<O extends { lr: number }> extends BaseOptimizer<O, State> {
  /** The state of parameter `p` before its first update. */
  protected abstract initState(p: Tensor, group: ParamGroup<O>): State;

  /** Updates `p` in place from `grad`, using and updating `state`. Runs inside `noGrad`. */
  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<O>, state: State): void;

  /**
   * Performs one optimization step: runs the pre-hooks, the closure (if given, with grad enabled; its result is
   * returned), the update of every parameter that has a gradient, then the post-hooks. Enqueues device work and
   * returns without reading device memory.
   *
   * @example
   * ```ts
   * import { Adam } from "@gradstep/gradstep/optim";
   * import { Linear, MSELoss } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const model = new Linear(4, 1);
   * const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
   * const [x, y] = [randn([8, 4]), randn([8, 1])];
   * optimizer.zeroGrad();
   * new MSELoss().forward(model.forward(x), y).backward();
   * optimizer.step();
   * // or with a closure that recomputes the loss (LBFGS needs one); the loss is returned:
   * const loss = optimizer.step(() => {
   *   optimizer.zeroGrad();
   *   const l = new MSELoss().forward(model.forward(x), y);
   *   l.backward();
   *   return l;
   * });
   * ```
   */
  step(closure?: () => Tensor): Tensor | undefined {
    this.runStepPreHooks();
    const loss = closure === undefined ? undefined : enableGrad(closure);
    this.#updateEach(undefined);
    this.runStepPostHooks();
    return loss;
  }

  /**
   * Runs {@link Optimizer.updateGroup} without grad for every group (kept only where `foundInf` is 0, when given),
   * and keeps the state out of the caller's `tidy` scopes.
   */
  #updateEach(foundInf: Tensor | undefined): void {
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group, foundInf);
    });
    this.keepState();
  }

  /**
   * Updates every parameter of `group` that has a gradient, kept only where `foundInf` is 0 when it is given. By
   * default one parameter at a time ({@link Optimizer.update} or {@link Optimizer.updateUnless}); an optimizer
   * that updates many tensors in one kernel (`ElementwiseOptimizer`) overrides it.
   */
  protected updateGroup(group: ParamGroup<O>, foundInf: Tensor | undefined): void {
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p, group);
      if (foundInf === undefined) this.update(p, p.grad, group, state);
      else this.updateUnless(p, p.grad, group, state, foundInf);
    }
  }

  /** The state of `p`, created by {@link Optimizer.initState} on first use. */
  protected stateOf(p: Tensor, group: ParamGroup<O>): State {
    let state = this.state.get(p);
    if (state === undefined) this.state.set(p, state = this.initState(p, group));
    return state;
  }

  /**
   * Performs one step whose effect is kept only where `foundInf` (a 0-d tensor on the parameters' device) is 0,
   * decided on the device without reading anything back: the update runs, and `foundInf` selects the values from
   * before it. This is how `GradScaler.step()` skips a step on WebGPU; the hooks run either way.
   *
   * @example
   * ```ts
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { tensor } from "@gradstep/gradstep";
   * const w = tensor([1, 2], { dtype: "float32", requiresGrad: true });
   * w.grad = tensor([Infinity, 1]);
   * new SGD([w], { lr: 0.1 }).stepUnless(tensor(1)); // skipped: w stays [1, 2]
   * ```
   */
  stepUnless(foundInf: Tensor): void {
    if (this.step !== Optimizer.prototype.step) {
      throw new Error(
        `${this.constructor.name} cannot skip its step on the device: its step() does more than update each ` +
          "parameter (it advances host-side schedules), which a decision made on the device cannot undo",
      );
    }
    this.runStepPreHooks();
    this.#updateEach(foundInf);
    this.runStepPostHooks();
  }

  /**
   * {@link Optimizer.update}, kept only where `foundInf` is 0. By default the update runs and `foundInf` selects
   * the old values of `p` and its state tensors; an optimizer whose update changes a number in its state
   * overrides this to keep that number on the device (as `ElementwiseOptimizer` keeps its step count), or the
   * default throws.
   */
  protected updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<O>,
    state: State,
    foundInf: Tensor,
  ): void {
    updateUnlessFound(p, state, foundInf, () => this.update(p, grad, group, state), this.constructor.name);
  }

  /** Numbers as saved; tensors shaped as `initState` shapes them (else as `p`), on `p`'s device. */
  protected restoreState(p: Tensor, group: ParamGroup<O>, entry: Record<string, unknown>): State {
    const template = noGrad(() => this.initState(p, group));
    const out: State = {};
    for (const [key, value] of Object.entries(entry)) {
      const like = template[key];
      if (typeof value === "number" || like instanceof Tensor || like === undefined) {
        out[key] = typeof value === "number"
          ? value
          : restoredTensor(value, like instanceof Tensor ? like : p, p.device, key);
      } else {
        // A number the optimizer kept on the device (Adam's step under a GradScaler) is saved as one value.
        out[key] = restoredNumber(value, key);
      }
    }
    return out;
  }
}
