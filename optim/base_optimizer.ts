/**
 * What every optimizer shares, whatever its step: parameter groups over defaults, per-parameter state, PyTorch's
 * `state_dict` layout, step hooks and PyTorch's validation errors for the groups themselves.
 *
 * @module
 */
import { noGrad } from "../autograd/node.ts";
import { isFloating } from "../tensor/dtype.ts";
import { keep } from "../tensor/memory.ts";
import { Tensor } from "../tensor/tensor.ts";
import { describe, shown } from "../tensor/validation.ts";
import {
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  saved,
  type StateDictValue,
} from "./state_dict.ts";

/** A registered hook; `remove()` unregisters it. */
export interface RemovableHandle {
  /** Unregisters the hook. */
  remove(): void;
}

/** A step hook: called with the optimizer before or after every `step()`. */
export type StepHook<T> = (optimizer: T) => void;

/** The group's hyperparameters with arrays (e.g. betas) copied, so no two groups share one. */
function ownValues<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v])) as T;
}

/** `values` without its undefined entries: an option given as undefined is not given. */
function definedValues<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Throws a TypeError naming the option unless every entry of `values` has the type of the default of that name
 * (TypeScript's types are gone at run time): a number for a number (NaN is left to the range checks), a boolean
 * for a boolean, a string for a string, an array of numbers for an array of numbers (its length is left to the
 * range checks, which word it as PyTorch does; a null element, Adafactor's ε1, may be a number). With `known`, a
 * name the defaults lack is refused too, as Python refuses an unexpected keyword argument. `params`, undefined
 * values and defaults that are null (LBFGS's lineSearchFn) are not checked here.
 */
function checkTypes(defaults: object, values: object, known: boolean): void {
  const expected = defaults as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) {
    if (key === "params" || value === undefined) continue;
    if (!(key in expected)) {
      if (!known) continue;
      throw new TypeError(
        `Unexpected option ${key}: expected one of ${Object.keys(expected).join(", ")}`,
      );
    }
    const base = expected[key];
    if (base === null || base === undefined) continue;
    if (Array.isArray(base)) {
      // The length is the range checks' to refuse, in PyTorch's words; here each element's type is checked.
      const ok = Array.isArray(value) &&
        value.every((v, i) =>
          base[i] === null ? v === null || typeof v === "number" : typeof v === typeof base[i]
        );
      if (!ok) {
        throw new TypeError(
          `Invalid ${key}: expected an array like [${base.map(shown)}], got ${shown(value)}`,
        );
      }
    } else if (typeof value !== typeof base) {
      throw new TypeError(`Invalid ${key}: expected a ${typeof base}, got ${shown(value)}`);
    }
  }
}

/**
 * What every optimizer shares, whatever its step: parameter groups over defaults, per-parameter state of type `S`,
 * `stateDict`/`loadStateDict` in PyTorch's layout, step hooks and `zeroGrad`. {@link Optimizer} (a synchronous
 * step per parameter) and `LBFGS` (an asynchronous step that reads values) extend it; code that accepts any
 * optimizer (a scheduler, a training loop) takes a `BaseOptimizer<{ lr: number }>`.
 *
 * @example
 * ```ts
 * import { type BaseOptimizer, LBFGS, SGD } from "@gradstep/gradstep/optim";
 * import { zeros } from "@gradstep/gradstep";
 * const w = zeros([3], { requiresGrad: true });
 * const optimizers: BaseOptimizer<{ lr: number }>[] = [new SGD([w], { lr: 0.1 }), new LBFGS([w])];
 * for (const optimizer of optimizers) optimizer.paramGroups[0].lr *= 0.5;
 * ```
 */
export abstract class BaseOptimizer<O extends { lr: number }, S extends object = object> {
  /** The hyperparameters a group gets when it does not override them. */
  readonly defaults: O;
  /** The parameter groups; their hyperparameters may be changed between steps (schedulers do). */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state. */
  state: Map<Tensor, S> = new Map();
  #preHooks = new Set<() => void>();
  #postHooks = new Set<() => void>();

  /**
   * Validates `defaults` overridden by `options` (each option must have its default's type: a number, a boolean,
   * a string or an array of as many numbers) and adds `params` as one group, or as the given groups.
   */
  constructor(params: Params<O>, defaults: O, options: Partial<O> = {}) {
    checkTypes(defaults, options, true);
    defaults = { ...defaults, ...definedValues(options) };
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

  /**
   * Takes the state's tensors out of every open `tidy` scope: state made during a step the user wrapped in
   * `tidy()` must outlive that step.
   */
  protected keepState(): void {
    for (const s of this.state.values()) {
      for (const v of Object.values(s)) if (v instanceof Tensor) keep(v);
    }
  }

  /**
   * The state of `p` (in `group`) from a state dict's `entry`, on `p`'s device; throws when the entry does not fit.
   * Arrays of numbers (e.g. after JSON) stand for typed arrays.
   */
  protected abstract restoreState(p: Tensor, group: ParamGroup<O>, entry: Record<string, unknown>): S;

  /**
   * Adds a parameter group; its missing hyperparameters come from the defaults. Throws, changing nothing, when a
   * value is invalid or a parameter is already in a group.
   *
   * @example
   * ```ts
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const body = new Linear(4, 8);
   * const head = new Linear(8, 2);
   * const optimizer = new SGD(body.parameters(), { lr: 0.1, momentum: 0.9 });
   * optimizer.addParamGroup({ params: head.parameters(), lr: 0.01 }); // momentum 0.9 from the defaults
   * ```
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
    checkTypes(this.defaults, group, false);
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
        "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; " +
          "see github.com/pytorch/pytorch/issues/40967 for more information",
      );
    }
    this.paramGroups.push(full);
  }

  /**
   * Clears the gradients of all optimized parameters: to null (the default, as PyTorch 2) or, with
   * `setToNone: false`, to zeros.
   *
   * @example
   * ```ts
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const model = new Linear(4, 2);
   * const optimizer = new SGD(model.parameters(), { lr: 0.1 });
   * model.forward(randn([3, 4])).sum().backward();
   * optimizer.step();
   * optimizer.zeroGrad(); // every parameter's grad is null again
   * ```
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
   * Registers `hook` to run before every step.
   *
   * @example
   * ```ts
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * let steps = 0;
   * const handle = optimizer.registerStepPreHook(() => steps++);
   * optimizer.step(); // steps: 1
   * handle.remove();
   * ```
   */
  registerStepPreHook(hook: StepHook<this>): RemovableHandle {
    const call = (): void => hook(this);
    this.#preHooks.add(call);
    return { remove: () => this.#preHooks.delete(call) };
  }

  /**
   * Registers `hook` to run after every step.
   *
   * @example
   * ```ts
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const lrs: number[] = [];
   * optimizer.registerStepPostHook((opt) => lrs.push(opt.paramGroups[0].lr));
   * optimizer.step(); // lrs: [0.1]
   * ```
   */
  registerStepPostHook(hook: StepHook<this>): RemovableHandle {
    const call = (): void => hook(this);
    this.#postHooks.add(call);
    return { remove: () => this.#postHooks.delete(call) };
  }

  /** Runs the step pre-hooks; a step calls it first. */
  protected runStepPreHooks(): void {
    for (const hook of this.#preHooks) hook();
  }

  /** Runs the step post-hooks; a step calls it last. */
  protected runStepPostHooks(): void {
    for (const hook of this.#postHooks) hook();
  }

  /**
   * Resolves to the optimizer's state in PyTorch's layout: per-parameter state by the parameter's position across
   * groups, and each group's hyperparameters with its parameters' positions.
   *
   * @example
   * ```ts
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const model = new Linear(4, 2);
   * const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
   * model.forward(randn([3, 4])).sum().backward();
   * optimizer.step();
   * const saved = await optimizer.stateDict(); // saved.state[0].momentumBuffer, saved.paramGroups[0].lr
   * ```
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
      const entry: Record<string, StateDictValue> = {};
      for (const [key, value] of Object.entries(s)) entry[key] = await saved(value);
      state[index.get(p)!] = entry;
    }
    return { state, paramGroups };
  }

  /**
   * Restores a {@link stateDict} (from any device) into this optimizer's parameters, on their device. Arrays of
   * numbers (e.g. after JSON) are accepted for typed arrays. Throws, changing nothing, when the groups do not match.
   *
   * @example
   * ```ts
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const model = new Linear(4, 2);
   * const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
   * const saved = await optimizer.stateDict();
   * const restored = new SGD(model.parameters(), { lr: 0.5, momentum: 0.9 });
   * restored.loadStateDict(saved); // lr 0.1 again, and the momentum buffers
   * ```
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
      checkTypes(this.defaults, values, false);
      const group = { ...this.paramGroups[i], ...structuredClone(values) } as ParamGroup<O>;
      this.validate(group);
      return group;
    });
    const next = new Map<Tensor, S>();
    groups.forEach((group, gi) => {
      group.params.forEach((p, pi) => {
        const entry = state[saved[gi].params[pi]];
        if (entry !== undefined) next.set(p, this.restoreState(p, group, entry));
      });
    });
    this.paramGroups = groups;
    this.state = next;
    this.keepState();
  }
}
