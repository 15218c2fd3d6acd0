/**
 * The base of every optimizer whose update is one elementwise rule over a parameter, its gradient and state
 * tensors shaped like it (SGD, Adam, RMSprop, Adagrad, …). A concrete optimizer declares its defaults and
 * validation, its structure (the compile-time choices its rule reads), its state tensors, its scalars and the
 * factors that depend on the step count, and writes its rule once as kernel expressions. This class owns the rest:
 * the state and step count, one fused kernel per group, dtype and step over all the group's tensors packed end to
 * end (`param_pack.ts`), cached by the structure (never by a hyperparameter's value), and the step a `GradScaler`
 * skips on the device.
 *
 * @module
 */
import { evaluateOnHost } from "../backends/kernel_eval.ts";
import type * as ir from "../backends/kernel_ir.ts";
import { zeros } from "../tensor/creation.ts";
import { keep } from "../tensor/memory.ts";
import { copyInto } from "../tensor/elementwise.ts";
import { runNamedKernel } from "../tensor/named_kernel.ts";
import { Tensor } from "../tensor/tensor.ts";
import { deviceStep, withNothingFound } from "./device_step.ts";
import { type PackedRange, packParams, type ParamPack } from "./param_pack.ts";
import { Optimizer } from "./optimizer.ts";
import type { ParamGroup, State } from "./state_dict.ts";
import {
  type DevicePlan,
  devicePlan,
  type HostPlan,
  hostPlan,
  type RuleSpec,
  type Structure,
  structureKey,
  type UpdateResult,
  type UpdateTerms,
} from "./update_kernels.ts";

export type { Structure, UpdateResult, UpdateTerms } from "./update_kernels.ts";

/** What a rule's scalars may depend on besides the group: whether this step created the state tensors. */
export interface StepContext {
  /** True when this step created the parameter's state tensors (its first step, or a state dict without them). */
  fresh: boolean;
}

const classIds = new WeakMap<object, string>();

/** A name for `constructor` unique among classes, for kernel keys. */
function classId(constructor: object & { name: string }): string {
  let id = classIds.get(constructor);
  if (id === undefined) classIds.set(constructor, id = `${constructor.name}#${nextId++}`);
  return id;
}
let nextId = 0;

/**
 * An optimizer whose update is one elementwise rule. Extend it with the type of the options `O`, of its structure
 * `K`, the names of its state tensors `T`, of its scalars `S` and of its step factors `C`, and implement `structure`, `stateNames`,
 * `scalars` and `rule` (and `stepFactors` when the rule depends on the step count).
 *
 * The rule runs in one fused kernel over every parameter of a group on one device in one dtype (PyTorch's fused
 * multi-tensor step): the parameters, their gradients and state tensors are packed end to end, each parameter
 * staying its own tensor of its own shape (see `ParamPack`). With the step count on the host, the step factors are
 * computed there in float64 (as PyTorch computes them) and passed as scalars; once a `GradScaler` has decided a
 * step on the device, the count lives on the device, one per group, the factors are computed from it in float32 by
 * one 0-d kernel (as PyTorch's `capturable` optimizers do), and every output keeps its old value where a gradient
 * was inf or NaN.
 *
 * @example
 * ```ts
 * import { ElementwiseOptimizer, type Params, type Structure, type UpdateResult, type UpdateTerms } from "@gradstep/gradstep/optim";
 * import { add, cast, mul, sub } from "@gradstep/gradstep/backends";
 *
 * interface NagOptions { lr: number; momentum: number }
 * // Nesterov momentum: buf = μ·buf + g; p = p − lr·(g + μ·buf)
 * class NAG extends ElementwiseOptimizer<NagOptions, Structure, "momentumBuffer", "lr" | "momentum"> {
 *   constructor(params: Params<NagOptions>, options: Partial<NagOptions> = {}) {
 *     super(params, { lr: 0.01, momentum: 0.9, ...options });
 *   }
 *   protected validate(group: NagOptions): void {
 *     if (!(group.lr >= 0)) throw new RangeError(`Invalid learning rate: ${group.lr}`);
 *   }
 *   protected structure(): Structure {
 *     return {};
 *   }
 *   protected stateNames(): "momentumBuffer"[] {
 *     return ["momentumBuffer"];
 *   }
 *   protected scalars(group: NagOptions): Record<"lr" | "momentum", number> {
 *     return { lr: group.lr, momentum: group.momentum };
 *   }
 *   protected rule(_: Structure, x: UpdateTerms<"momentumBuffer", "lr" | "momentum">): UpdateResult<"momentumBuffer"> {
 *     const g = cast(x.grad, x.param.dtype);
 *     const buf = add(mul(x.state.momentumBuffer!, x.scalars.momentum), g);
 *     return { param: sub(x.param, mul(x.scalars.lr, add(g, mul(x.scalars.momentum, buf)))), state: { momentumBuffer: buf } };
 *   }
 * }
 * ```
 */
export abstract class ElementwiseOptimizer<
  O extends { lr: number },
  K extends Structure,
  T extends string = never,
  S extends string = never,
  C extends string = never,
> extends Optimizer<O> {
  /** Whether the state counts steps in `step` (as PyTorch's does for all but SGD). */
  protected readonly countsSteps: boolean = true;

  /** The compile-time choices of the rule for `group`: flags and modes, never a number that may change. */
  protected abstract structure(group: O): K;

  /** The state tensors the rule reads and writes under `structure`. */
  protected abstract stateNames(structure: K): readonly T[];

  /** The rule's scalars for `group`, computed in float64 on the host each step. */
  protected abstract scalars(group: O, context: StepContext): Record<S, number>;

  /**
   * The factors that depend on the step count, as expressions of the scalars (in float32) and of `step`, the
   * count of the step being taken (1 on the first). None by default.
   */
  protected stepFactors(_structure: K, _scalars: Record<S, ir.Expr>, _step: ir.Expr): Record<C, ir.Expr> {
    return {} as Record<C, ir.Expr>;
  }

  /** The update: the new parameter and state from `x`. It may read `structure`, nothing else of the group. */
  protected abstract rule(structure: K, x: UpdateTerms<T, S | C>): UpdateResult<T>;

  /** The value a state tensor starts from (0 unless overridden). */
  protected initialValue(_name: T, _group: O): number {
    return 0;
  }

  /** The step count, when the optimizer counts steps; state tensors are created by the first update. */
  protected initState(_p: Tensor, _group: ParamGroup<O>): State {
    return this.countsSteps ? { step: 0 } : {};
  }

  /** The kernels built for each structure and dtypes, by key (building one costs more than running it). */
  readonly #hostPlans = new Map<string, HostPlan>();
  readonly #devicePlans = new Map<string, DevicePlan>();
  /** Each group's packs, by its parameter list, with the parameters and state names they were made for. */
  readonly #packs = new WeakMap<
    Tensor[],
    { params: Tensor[]; names: readonly string[]; packs: ParamPack[] }
  >();

  /**
   * Updates the group's parameters that have gradients: one kernel (with the count on the device, two) per pack
   * of the group's parameters of one device and dtype, over each run of consecutive parameters whose gradients have
   * one dtype and whose states share a step count.
   */
  protected override updateGroup(group: ParamGroup<O>, foundInf: Tensor | undefined): void {
    const structure = this.structure(group);
    for (const pack of this.#packsOf(group, this.stateNames(structure))) {
      const runs = pack.runs((p) => this.stateOf(p, group), (name) => this.initialValue(name as T, group));
      for (const run of runs) {
        const range = pack.gather(run.first, run.last, run.gradDtype);
        this.#apply(range, run.states, run.fresh, group, structure, foundInf);
        pack.scatter(run.first, run.last);
      }
    }
  }

  /** Not called: {@link ElementwiseOptimizer.updateGroup} updates a group's tensors together. */
  protected update(): void {
    throw new Error(
      `${this.constructor.name} updates whole parameter groups (updateGroup), never one parameter`,
    );
  }

  /** The group's packs for state `names`, made again when its parameters, their dtypes or devices, or `names` change. */
  #packsOf(group: ParamGroup<O>, names: readonly string[]): ParamPack[] {
    const made = this.#packs.get(group.params);
    const same = made !== undefined && made.params.length === group.params.length &&
      made.params.every((p, i) => p === group.params[i]) && made.names.length === names.length &&
      made.names.every((n, i) => n === names[i]) && made.packs.every((pack) => pack.fits());
    if (same) return made.packs;
    const packs = packParams(group.params, names);
    this.#packs.set(group.params, { params: [...group.params], names, packs });
    return packs;
  }

  /**
   * The rule over `x` for parameters whose `states` share a step count: on the host unless `foundInf` is given or
   * an earlier step decided on the device left the count there.
   */
  #apply(
    x: PackedRange,
    states: State[],
    fresh: boolean,
    group: ParamGroup<O>,
    structure: K,
    foundInf: Tensor | undefined,
  ): void {
    if (foundInf !== undefined) this.#onDevice(x, states, fresh, group, structure, foundInf);
    else if (states[0].step instanceof Tensor) {
      withNothingFound(x.param.device, (none) => this.#onDevice(x, states, fresh, group, structure, none));
    } else this.#onHost(x, states, fresh, group, structure);
  }

  /** What the kernels are built from: the class's rule and step factors, under a name unique to the class. */
  get #spec(): RuleSpec<K, T, S, C> {
    return {
      id: classId(this.constructor),
      countsSteps: this.countsSteps,
      stepFactors: (structure, scalars, step) => this.stepFactors(structure, scalars, step),
      rule: (structure, x) => this.rule(structure, x),
    };
  }

  /** The rule in one fused kernel, with the step count on the host: the step factors computed there in float64. */
  #onHost(x: PackedRange, states: State[], fresh: boolean, group: ParamGroup<O>, structure: K): void {
    const scalars: Record<string, number> = this.scalars(group, { fresh });
    const { param, grad, state: tensors } = x;
    const plan = cached(
      this.#hostPlans,
      `${structureKey(structure)}:${param.dtype}:${grad.dtype}`,
      () => hostPlan(this.#spec, structure, Object.keys(scalars) as S[], x),
    );
    if (this.countsSteps) {
      const step = (states[0].step as number) + 1;
      for (const state of states) state.step = step;
      const values = Object.values(scalars);
      for (const [name, e] of plan.factors) scalars[name] = evaluateOnHost(e, [step], values);
    }
    runNamedKernel(plan.kernel, { param, grad, ...tensors }, { param, ...tensors }, scalars);
  }

  /**
   * The rule kept only where `foundInf` is non-zero, with the step count on the device (it grows only where the
   * step is kept, so later steps' factors count only the steps taken, as in PyTorch): one 0-d kernel advances the
   * count shared by `states` and computes the step factors from it, one fused kernel applies the rule.
   */
  #onDevice(
    x: PackedRange,
    states: State[],
    fresh: boolean,
    group: ParamGroup<O>,
    structure: K,
    foundInf: Tensor,
  ): void {
    const scalars: Record<string, number> = this.scalars(group, { fresh });
    const { param, grad, state: tensors } = x;
    const plan = cached(
      this.#devicePlans,
      `${structureKey(structure)}:${param.dtype}:${grad.dtype}:${foundInf.dtype}`,
      () => devicePlan(this.#spec, structure, Object.keys(scalars) as S[], x, foundInf.dtype),
    );
    let factors: Record<string, Tensor> = {};
    if (plan.counter !== undefined) {
      const step = this.#sharedStep(states, param);
      factors = this.#factorTensors(step, plan.factorNames);
      runNamedKernel(plan.counter, { step, found: foundInf }, { step, ...factors }, scalars);
    }
    runNamedKernel(
      plan.kernel,
      { param, grad, ...tensors, ...factors, found: foundInf },
      { param, ...tensors },
      scalars,
    );
  }

  /** How many states share each device step count. */
  readonly #stepSharers = new WeakMap<Tensor, number>();

  /**
   * The device step count of `states` (which share one count): theirs when no other state shares it, else (some
   * parameters sharing it have no gradient this step) a copy, which the others' count no longer follows; made
   * from the host count on the first step decided on the device.
   */
  #sharedStep(states: State[], like: Tensor): Tensor {
    const step = states[0].step;
    if (step instanceof Tensor && this.#stepSharers.get(step) === states.length) return step;
    let shared: Tensor;
    if (step instanceof Tensor) {
      this.#stepSharers.set(step, this.#stepSharers.get(step)! - states.length);
      shared = keep(copyInto(zeros([], { dtype: "int32", device: step.device }), step));
    } else shared = deviceStep(step as number, like.device);
    for (const state of states) state.step = shared;
    this.#stepSharers.set(shared, states.length);
    return shared;
  }

  /** 0-d float32 tensors in one buffer, one per step factor, that the count's kernel writes and the rule's reads. */
  readonly #factors = new WeakMap<Tensor, Record<string, Tensor>>();

  #factorTensors(step: Tensor, names: readonly string[]): Record<string, Tensor> {
    let factors = this.#factors.get(step);
    if (factors === undefined || names.some((n) => !(n in factors!))) {
      const buffer = zeros([names.length], { device: step.device });
      factors = Object.fromEntries(names.map((n, i) => [n, keep(new Tensor(buffer.storage, [], [], i))]));
      buffer.dispose();
      this.#factors.set(step, factors);
    }
    return factors;
  }
}

/** The value cached in `map` under `key`, made by `make` on first use. */
function cached<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, value = make());
  return value;
}
