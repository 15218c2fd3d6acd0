/**
 * The Optimizer base class: parameter groups over defaults, lazily created per-parameter state, PyTorch's
 * `state_dict` layout, step hooks and PyTorch's validation errors. A concrete optimizer supplies its validation,
 * its state initialisation and its per-parameter update.
 *
 * @module
 */
import { enableGrad, noGrad } from "../autograd/node.ts";
import { tensor } from "../tensor/creation.ts";
import { isFloating, type TypedArray } from "../tensor/dtype.ts";
import { Tensor } from "../tensor/tensor.ts";

/** Per-parameter state: tensors (moments, buffers) and numbers (step counts), keyed as PyTorch in camelCase. */
export type State = Record<string, Tensor | number>;

/** A parameter group: its parameters and its values of every hyperparameter. */
export type ParamGroup<O> = O & { params: Tensor[] };

/** A group as given by the user: parameters plus any hyperparameters that override the defaults. */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> | Tensor };

/** What optimizers accept as `params`: tensors (one group) or groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Hyperparameter values as a state dict stores them. */
export type GroupValues = Record<string, unknown>;

/** PyTorch's optimizer `state_dict` layout, with state tensors as typed arrays. */
export interface OptimizerStateDict {
  /** Per-parameter state by the parameter's position across all groups. */
  state: Record<number, Record<string, TypedArray | number[] | number>>;
  /** Each group's hyperparameters and the positions of its parameters. */
  paramGroups: (GroupValues & { params: number[] })[];
}

/** A registered hook; `remove()` unregisters it. */
export interface RemovableHandle {
  /** Unregisters the hook. */
  remove(): void;
}

/** A step hook: called with the optimizer before or after every `step()`. */
export type StepHook<T> = (optimizer: T) => void;

/** Throws `message` (a RangeError) unless `ok`; the optimizers' validation helper. */
export function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

/** The group's hyperparameters with arrays (e.g. betas) copied, so no two groups share one. */
function ownValues<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v])) as T;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? (value as object).constructor?.name ?? "object" : typeof value;
}

/**
 * The base of every optimizer, and of your own: extend it, validate your hyperparameters in `validate`, create
 * per-parameter state in `initState`, and update one parameter in `update` (called inside `noGrad` for every
 * parameter that has a gradient).
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
export abstract class Optimizer<O extends { lr: number }> {
  /** The hyperparameters a group gets when it does not override them. */
  readonly defaults: O;
  /** The parameter groups; their hyperparameters may be changed between steps (schedulers do). */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created at a parameter's first update. */
  state: Map<Tensor, State> = new Map();
  #preHooks = new Set<() => void>();
  #postHooks = new Set<() => void>();

  /** Validates `defaults` and adds `params` as one group, or as the given groups. */
  constructor(params: Params<O>, defaults: O) {
    this.validate(defaults);
    this.defaults = ownValues(defaults);
    if (
      params instanceof Tensor || params === null || typeof params !== "object" ||
      !(Symbol.iterator in params)
    ) {
      throw new TypeError(
        `The params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${
          describe(params)
        }`,
      );
    }
    const list = [...params as Iterable<unknown>];
    if (list.length === 0) {
      throw new Error("Optimizer got an empty parameter list: expected at least one tensor");
    }
    const groups = list[0] instanceof Tensor || typeof list[0] !== "object" || list[0] === null
      ? [{ params: list } as unknown as ParamGroupInput<O>]
      : list as ParamGroupInput<O>[];
    for (const group of groups) this.addParamGroup(group);
  }

  /** Throws PyTorch's error for any invalid hyperparameter of `group`. */
  protected abstract validate(group: O): void;

  /** The state of parameter `p` before its first update. */
  protected abstract initState(p: Tensor, group: ParamGroup<O>): State;

  /** Updates `p` in place from `grad`, using and updating `state`. Runs inside `noGrad`. */
  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<O>, state: State): void;

  /**
   * Adds a parameter group; its missing hyperparameters come from the defaults. Throws, changing nothing, when a
   * value is invalid or a parameter is already in a group.
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== "object" || !("params" in group)) {
      throw new TypeError(`A param group must be an object with a params field, got ${describe(group)}`);
    }
    const given = group.params;
    if (given instanceof Set) {
      throw new TypeError(
        "Optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will " +
          "change between runs. Please use an array instead",
      );
    }
    const params: unknown[] = given instanceof Tensor ? [given] : [...given];
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) {
        throw new TypeError(
          `Optimizer can only optimize Tensors, but one of the params is ${describe(p)} (params[${i}])`,
        );
      }
      if (!p.isLeaf) {
        throw new Error(
          `Can't optimize a non-leaf Tensor: params[${i}] was computed by an operation (t.detach().requiresGrad_() is a leaf)`,
        );
      }
      if (!isFloating(p.dtype)) {
        throw new TypeError(
          `Optimizer can only optimize floating-point Tensors, but params[${i}] has dtype ${p.dtype}`,
        );
      }
    });
    const full = {
      ...ownValues(this.defaults),
      ...ownValues(group),
      params: params as Tensor[],
    } as ParamGroup<O>;
    this.validate(full);
    this.paramGroups.forEach((g, gi) => {
      const i = full.params.findIndex((p) => g.params.includes(p));
      if (i >= 0) {
        throw new Error(
          `Some parameters appear in more than one parameter group: params[${i}] of the new group is already in group ${gi}`,
        );
      }
    });
    if (new Set(params).size !== params.length) {
      console.warn(
        "Optimizer contains a parameter group with duplicate parameters; in future, this will cause an error",
      );
    }
    this.paramGroups.push(full);
  }

  /**
   * Clears the gradients of all optimized parameters: to null (the default, as PyTorch 2) or, with
   * `setToNone: false`, to zeros.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (setToNone) p.grad = null;
        else if (p.grad !== null) noGrad(() => p.grad!.zero_());
      }
    }
  }

  /**
   * Performs one optimization step: runs the pre-hooks, the closure (if given, with grad enabled; its result is
   * returned), the update of every parameter that has a gradient, then the post-hooks. Enqueues device work and
   * returns without reading device memory.
   */
  step(closure?: () => Tensor): Tensor | undefined {
    for (const hook of this.#preHooks) hook();
    const loss = closure === undefined ? undefined : enableGrad(closure);
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (p.grad === null) continue;
          let state = this.state.get(p);
          if (state === undefined) this.state.set(p, state = this.initState(p, group));
          this.update(p, p.grad, group, state);
        }
      }
    });
    for (const hook of this.#postHooks) hook();
    return loss;
  }

  /** Registers `hook` to run before every step. */
  registerStepPreHook(hook: StepHook<this>): RemovableHandle {
    const call = (): void => hook(this);
    this.#preHooks.add(call);
    return { remove: () => this.#preHooks.delete(call) };
  }

  /** Registers `hook` to run after every step. */
  registerStepPostHook(hook: StepHook<this>): RemovableHandle {
    const call = (): void => hook(this);
    this.#postHooks.add(call);
    return { remove: () => this.#postHooks.delete(call) };
  }

  /**
   * Resolves to the optimizer's state in PyTorch's layout: per-parameter state by the parameter's position across
   * groups, and each group's hyperparameters with its parameters' positions.
   */
  async stateDict(): Promise<OptimizerStateDict> {
    const index = new Map<Tensor, number>();
    let position = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...values } = group;
      const positions = params.map((p) => {
        index.set(p, position);
        return position++;
      });
      return { ...structuredClone(values), params: positions };
    });
    const state: OptimizerStateDict["state"] = {};
    for (const [p, s] of this.state) {
      const entry: Record<string, TypedArray | number> = {};
      for (const [key, value] of Object.entries(s)) {
        entry[key] = value instanceof Tensor ? await value.data() : value;
      }
      state[index.get(p)!] = entry;
    }
    return { state, paramGroups };
  }

  /**
   * Restores a {@link stateDict} (from any device) into this optimizer's parameters, on their device. Arrays of
   * numbers (e.g. after JSON) are accepted for typed arrays. Throws, changing nothing, when the groups do not match.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const { paramGroups: saved, state } = stateDict;
    if (!Array.isArray(saved) || saved.length !== this.paramGroups.length) {
      throw new Error(
        `Loaded state dict has a different number of parameter groups: ${saved?.length}, expected the optimizer's ${this.paramGroups.length}`,
      );
    }
    saved.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i].params.length) {
        throw new Error(
          `Loaded state dict contains a parameter group that doesn't match the size of optimizer's group: group ${i} has ${g.params.length} parameters, expected ${
            this.paramGroups[i].params.length
          }`,
        );
      }
    });
    const groups = saved.map(({ params: _, ...values }, i) => {
      const group = { ...this.paramGroups[i], ...structuredClone(values) } as ParamGroup<O>;
      this.validate(group);
      return group;
    });
    const next = new Map<Tensor, State>();
    groups.forEach((group, gi) => {
      group.params.forEach((p, pi) => {
        const entry = state[saved[gi].params[pi]];
        if (entry !== undefined) next.set(p, this.#restoreState(p, group, entry));
      });
    });
    this.paramGroups = groups;
    this.state = next;
  }

  #restoreState(p: Tensor, group: ParamGroup<O>, entry: Record<string, unknown>): State {
    const template = noGrad(() => this.initState(p, group));
    const out: State = {};
    for (const [key, value] of Object.entries(entry)) {
      if (typeof value === "number") {
        out[key] = value;
        continue;
      }
      const values = ArrayBuffer.isView(value)
        ? value as TypedArray
        : Array.isArray(value)
        ? value
        : Object.values(value as object);
      const like = template[key] instanceof Tensor ? template[key] as Tensor : p;
      if (values.length !== like.numel) {
        throw new Error(
          `State ${key} of a parameter of shape [${p.shape}] has ${values.length} values, expected ${like.numel}`,
        );
      }
      out[key] = tensor(values as number[], { dtype: like.dtype, device: p.device }).reshape(like.shape);
    }
    return out;
  }
}
