/**
 * The optimizer base classes. {@link BaseOptimizer} holds what every optimizer shares whatever its step: parameter
 * groups over defaults, per-parameter state, PyTorch's `state_dict` layout, step hooks and PyTorch's validation
 * errors. {@link Optimizer} adds the synchronous per-parameter step that every optimizer but LBFGS has: a concrete
 * optimizer supplies its validation, its state initialisation and its per-parameter update.
 *
 * @module
 */
import { enableGrad, noGrad } from "../autograd/node.ts";
import { tensor } from "../tensor/creation.ts";
import { isFloating, type TypedArray } from "../tensor/dtype.ts";
import { keep } from "../tensor/memory.ts";
import { Tensor } from "../tensor/tensor.ts";
import { deviceStep } from "./device_step.ts";
import { updateUnlessFound } from "./skip_on_device.ts";

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

/**
 * One state entry as a state dict holds it: a tensor's values (a typed array, or an array of numbers after JSON), a
 * number, or a list of either (LBFGS's history).
 */
export type StateDictValue = TypedArray | number[] | number | (TypedArray | number[] | number)[];

/** PyTorch's optimizer `state_dict` layout, with state tensors as typed arrays. */
export interface OptimizerStateDict {
  /** Per-parameter state by the parameter's position across all groups. */
  state: Record<number, Record<string, StateDictValue>>;
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

/**
 * Throws PyTorch's "Invalid `what`: value" (naming `name` in what was expected) unless `value >= 0`; NaN fails, as in
 * PyTorch.
 */
export function checkNonNegative(value: number, what: string, name: string): void {
  check(value >= 0, `Invalid ${what}: ${value} (expected ${name} >= 0)`);
}

/** Throws PyTorch's errors unless `betas` are two numbers in [0, 1), as Adam and its relatives require. */
export function checkBetas(betas: readonly number[]): void {
  check(Array.isArray(betas) && betas.length === 2, `Invalid betas: ${betas} (expected two numbers)`);
  betas.forEach((beta, i) =>
    check(beta >= 0 && beta < 1, `Invalid beta parameter at index ${i}: ${beta} (expected 0 <= beta < 1)`)
  );
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

/** A state value as a state dict holds it: tensors read back, lists element by element. */
async function saved(value: unknown): Promise<StateDictValue> {
  if (value instanceof Tensor) return await value.data();
  if (Array.isArray(value)) return await Promise.all(value.map(saved)) as StateDictValue;
  return value as StateDictValue;
}

/** The values of a saved tensor: a typed array, an array of numbers, or what JSON makes of a typed array. */
export function savedValues(value: unknown): ArrayLike<number> {
  if (ArrayBuffer.isView(value)) return value as TypedArray;
  return Array.isArray(value) ? value : Object.values(value as object);
}

/**
 * A tensor of `like`'s shape and dtype on `device`, from a state dict's `value` (see {@link savedValues}); throws,
 * naming the entry `key`, when the number of values is wrong.
 */
export function restoredTensor(
  value: unknown,
  like: { shape: readonly number[]; dtype: Tensor["dtype"]; numel: number },
  device: Tensor["device"],
  key: string,
): Tensor {
  const values = savedValues(value);
  if (values.length !== like.numel) {
    throw new Error(
      `State ${key} of shape [${like.shape}] has ${values.length} values, expected ${like.numel}`,
    );
  }
  return tensor(values as number[], { dtype: like.dtype, device }).reshape(like.shape);
}

/** A number saved as a one-element tensor (e.g. a step count kept on the device), as a number. */
function restoredNumber(value: unknown, key: string): number {
  const values = savedValues(value);
  if (values.length !== 1) throw new Error(`State ${key} has ${values.length} values, expected a number`);
  return Number(values[0]);
}

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
    this.#updateEach((p, grad, group, state) => this.update(p, grad, group, state));
    this.runStepPostHooks();
    return loss;
  }

  /**
   * Runs `update` without grad for every parameter that has a gradient, creating its state on first use, and keeps
   * the state out of the caller's `tidy` scopes.
   */
  #updateEach(update: (p: Tensor, grad: Tensor, group: ParamGroup<O>, state: State) => void): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (p.grad === null) continue;
          let state = this.state.get(p);
          if (state === undefined) this.state.set(p, state = this.initState(p, group));
          update(p, p.grad, group, state);
        }
      }
    });
    this.keepState();
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
    this.#updateEach((p, grad, group, state) => this.updateUnless(p, grad, group, state, foundInf));
    this.runStepPostHooks();
  }

  /**
   * True for an optimizer whose update only counts steps in `state.step` (with `countStep`) and never reads the
   * count (RMSprop, Adadelta, Rprop): {@link Optimizer.stepUnless} can then keep the count on the device.
   */
  protected readonly stepIsCountOnly: boolean = false;

  /**
   * {@link Optimizer.update}, kept only where `foundInf` is 0. By default the update runs and `foundInf` selects
   * the old values of `p` and its state tensors (a count-only step count moves to the device to be one of them);
   * an optimizer whose update changes another number in its state overrides this to keep that number on the
   * device (Adam's step count), or the default throws.
   */
  protected updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<O>,
    state: State,
    foundInf: Tensor,
  ): void {
    if (this.stepIsCountOnly && typeof state.step === "number") state.step = deviceStep(state.step, p.device);
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
