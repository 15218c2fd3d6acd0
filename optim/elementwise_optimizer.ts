/**
 * The base of every optimizer whose update is one elementwise rule over a parameter, its gradient and state
 * tensors shaped like it (SGD, Adam, RMSprop, Adagrad, …). A concrete optimizer declares its defaults and
 * validation, its structure (the compile-time choices its rule reads), its state tensors, its scalars and the
 * factors that depend on the step count, and writes its rule once as kernel expressions. This class owns the rest:
 * the state and step count, one fused kernel per parameter and step, cached by the structure (never by a
 * hyperparameter's value), and the step a `GradScaler` skips on the device.
 *
 * @module
 */
import { evaluateOnHost } from "../backends/kernel_eval.ts";
import * as ir from "../backends/kernel_ir.ts";
import { full, zeros } from "../tensor/creation.ts";
import { keep } from "../tensor/memory.ts";
import { runKernelInto } from "../tensor/elementwise.ts";
import type { DType } from "../tensor/dtype.ts";
import { type NamedKernel, namedKernel, runNamedKernel } from "../tensor/named_kernel.ts";
import { Tensor } from "../tensor/tensor.ts";
import { deviceStep, withNothingFound } from "./device_step.ts";
import { Optimizer } from "./optimizer.ts";
import type { ParamGroup, State } from "./state_dict.ts";

/** The compile-time choices of an update rule: all that its kernel may read of a group (flags and modes). */
export type Structure = Readonly<Record<string, boolean | string>>;

/** What an update rule reads: the parameter, its gradient, state tensors and scalars, as kernel expressions. */
export interface UpdateTerms<T extends string, S extends string> {
  /** The parameter. */
  param: ir.Expr;
  /** Its gradient, in the gradient's dtype (cast it to the parameter's). */
  grad: ir.Expr;
  /** The state tensors the structure uses, by name. */
  state: Partial<Record<T, ir.Expr>>;
  /** The scalars and step factors by name, in the parameter's dtype. */
  scalars: Record<S, ir.Expr>;
}

/** What an update rule writes: the new parameter and the new value of each state tensor it uses. */
export interface UpdateResult<T extends string> {
  /** The new parameter. */
  param: ir.Expr;
  /** The new state tensors, by name. */
  state: Partial<Record<T, ir.Expr>>;
}

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
 * The rule runs in one fused kernel per parameter: with the step count on the host, the step factors are computed
 * there in float64 (as PyTorch computes them) and passed as scalars; once a `GradScaler` has decided a step on the
 * device, the count lives on the device, the factors are computed in the kernel in float32 from the count (as
 * PyTorch's `capturable` optimizers do), and every output keeps its old value where a gradient was inf or NaN.
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

  /** The rule in one fused kernel, with the step count on the host (or on the device, if a skip put it there). */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<O>, state: State): void {
    if (state.step instanceof Tensor) {
      return withNothingFound(p.device, (none) => this.updateUnless(p, grad, group, state, none));
    }
    const structure = this.structure(group);
    const { tensors, fresh } = this.#stateTensors(p, group, structure, state);
    const scalars: Record<string, number> = this.scalars(group, { fresh });
    const plan = cached(this.#hostPlans, `${structureKey(structure)}:${p.dtype}:${grad.dtype}`, () => {
      const names = Object.keys(scalars) as S[];
      const factors: Record<string, ir.Expr> = this.countsSteps
        ? this.stepFactors(structure, placeholders(names), ir.input(0, "float32"))
        : {};
      const stateNames = Object.keys(tensors);
      const kernel = namedKernel(
        `${classId(this.constructor)}:host:${JSON.stringify(structure)}`,
        { param: p.dtype, grad: grad.dtype, ...dtypes(tensors) },
        floats([...names, ...Object.keys(factors)]),
        (x, s) => flatten(this.rule(structure, terms(x, s, stateNames as T[]))),
      );
      // The kernel's operands by name, as positions in [param, ...state] (the names are the base's own).
      const written = kernel.outputs.map((n) => (n === "param" ? 0 : 1 + stateNames.indexOf(n)));
      return { kernel, factors: Object.entries(factors), stateNames, written };
    });
    if (this.countsSteps) {
      const step = (state.step as number) + 1;
      state.step = step;
      const values = Object.values(scalars);
      for (const [name, e] of plan.factors) scalars[name] = evaluateOnHost(e, [step], values);
    }
    const operands = [p];
    for (const n of plan.stateNames) operands.push(tensors[n]);
    const { kernel, written } = plan;
    runKernelInto(
      kernel.kernel,
      [p, grad, ...operands.slice(1)],
      written.map((i) => operands[i]),
      kernel.scalars.map((n) => scalars[n]),
    );
  }

  /**
   * The rule kept only where `foundInf` is non-zero, with the step count on the device (it grows only where the
   * step is kept, so later steps' factors count only the steps taken, as in PyTorch): one 0-d kernel advances the
   * count and computes the step factors from it, one fused kernel applies the rule.
   */
  protected override updateUnless(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<O>,
    state: State,
    foundInf: Tensor,
  ): void {
    const structure = this.structure(group);
    const { tensors, fresh } = this.#stateTensors(p, group, structure, state);
    const scalars: Record<string, number> = this.scalars(group, { fresh });
    const found = foundInf.dtype;
    const plan = cached(
      this.#devicePlans,
      `${structureKey(structure)}:${p.dtype}:${grad.dtype}:${found}`,
      () => {
        const names = Object.keys(scalars) as S[];
        const id = `${classId(this.constructor)}:${JSON.stringify(structure)}`;
        const factorNames = this.countsSteps
          ? Object.keys(this.stepFactors(structure, placeholders(names), ir.input(0, "float32")))
          : [];
        const counter = this.countsSteps
          ? namedKernel(`${id}:count`, { step: "int32", found }, floats(names), (x, s) => ({
            step: ir.add(x.step, ir.where(x.found, ir.constant(0, "int32"), ir.constant(1, "int32"))),
            ...this.stepFactors(structure, s, ir.add(ir.cast(x.step, "float32"), 1)),
          }))
          : undefined;
        const inputs: Record<string, DType> = {
          param: p.dtype,
          grad: grad.dtype,
          ...dtypes(tensors),
          ...floats(factorNames),
          found,
        };
        const kernel = namedKernel(`${id}:device`, inputs, floats(names), (x, s) => {
          const factors = Object.fromEntries(factorNames.map((n) => [n, x[n]]));
          const next = flatten(
            this.rule(structure, terms(x, { ...s, ...factors }, Object.keys(tensors) as T[])),
          );
          return Object.fromEntries(
            Object.entries(next).map(([name, e]) => [name, ir.where(x.found, x[name], e)]),
          );
        });
        return { kernel, counter, factorNames };
      },
    );
    const factors = this.#factorTensors(p, state, plan.factorNames);
    if (plan.counter !== undefined) {
      if (typeof state.step === "number") state.step = deviceStep(state.step, p.device);
      const step = state.step as Tensor;
      runNamedKernel(plan.counter, { step, found: foundInf }, { step, ...factors }, scalars);
    }
    runNamedKernel(
      plan.kernel,
      { param: p, grad, ...tensors, ...factors, found: foundInf },
      { param: p, ...tensors },
      scalars,
    );
  }

  /** 0-d float32 tensors, one per step factor, that the count's kernel writes and the rule's reads. */
  readonly #factors = new WeakMap<State, Record<string, Tensor>>();

  #factorTensors(p: Tensor, state: State, names: readonly string[]): Record<string, Tensor> {
    let factors = this.#factors.get(state);
    if (factors === undefined || names.some((n) => !(n in factors!))) {
      factors = Object.fromEntries(names.map((n) => [n, keep(zeros([], { device: p.device }))]));
      this.#factors.set(state, factors);
    }
    return factors;
  }

  /** `state`'s tensors that `structure` uses, creating those it lacks; `fresh` when any was created. */
  #stateTensors(
    p: Tensor,
    group: O,
    structure: K,
    state: State,
  ): { tensors: Record<string, Tensor>; fresh: boolean } {
    const tensors: Record<string, Tensor> = {};
    let fresh = false;
    for (const name of this.stateNames(structure)) {
      if (!(state[name] instanceof Tensor)) {
        state[name] = full(p.shape, this.initialValue(name, group), { dtype: p.dtype, device: p.device });
        fresh = true;
      }
      tensors[name] = state[name] as Tensor;
    }
    return { tensors, fresh };
  }
}

/** The host path's kernel of one structure and dtypes, and its step factors. */
interface HostPlan {
  kernel: NamedKernel<string, string, string>;
  /** The state tensors' names, in the kernel's input order after param and grad. */
  stateNames: string[];
  /** Per kernel output, its tensor's position in [param, ...state]. */
  written: number[];
  /** The step factors as expressions of the count (input 0) and the scalars, evaluated on the host. */
  factors: [string, ir.Expr][];
}

/** The device path's kernels of one structure and dtypes. */
interface DevicePlan {
  kernel: NamedKernel<string, string, string>;
  /** The kernel that advances the device count and writes the step factors (none without a count). */
  counter: NamedKernel<string, string, string> | undefined;
  factorNames: string[];
}

/** A short key of `structure`'s values (its names come in one order per optimizer): 1/0 for flags, else the mode. */
function structureKey(structure: Structure): string {
  let key = "";
  for (const name in structure) {
    const value = structure[name];
    key += value === true ? "1" : value === false ? "0" : `(${value})`;
  }
  return key;
}

/** The value cached in `map` under `key`, made by `make` on first use. */
function cached<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, value = make());
  return value;
}

/** Float32 for each of `names`: the dtype of every scalar and step factor. */
function floats(names: readonly string[]): Record<string, DType> {
  return Object.fromEntries(names.map((n) => [n, "float32" as DType]));
}

/** Scalar expressions standing for the host values of `names`, in order, for {@link evaluateOnHost}. */
function placeholders<S extends string>(names: readonly S[]): Record<S, ir.Expr> {
  return Object.fromEntries(names.map((n, i) => [n, ir.scalar(i, "float32")])) as Record<S, ir.Expr>;
}

function dtypes(tensors: Record<string, Tensor>): Record<string, DType> {
  return Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, t.dtype]));
}

/** The terms of a rule from a kernel's named operands: scalars cast to the parameter's dtype. */
function terms<T extends string, S extends string>(
  x: Record<string, ir.Expr>,
  scalars: Record<string, ir.Expr>,
  stateNames: readonly T[],
): UpdateTerms<T, S> {
  const t = x.param.dtype;
  return {
    param: x.param,
    grad: x.grad,
    state: Object.fromEntries(stateNames.map((n) => [n, x[n]])) as Partial<Record<T, ir.Expr>>,
    scalars: Object.fromEntries(Object.entries(scalars).map(([n, e]) => [n, ir.cast(e, t)])) as Record<
      S,
      ir.Expr
    >,
  };
}

/** A rule's result as a kernel's named outputs: `param` and each state tensor. */
function flatten<T extends string>(result: UpdateResult<T>): Record<string, ir.Expr> {
  return { param: result.param, ...result.state } as Record<string, ir.Expr>;
}
