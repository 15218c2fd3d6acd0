/**
 * The kernels of an elementwise optimizer's update, built from its rule: on the host path one fused kernel whose
 * step factors are evaluated on the host; on the device path a 0-d kernel that advances the device step count and
 * computes the factors from it, and the fused kernel keeping every output's old value where a gradient was inf or
 * NaN. Operands and scalars are bound by name; a kernel's key is the class's id and the structure, never a
 * hyperparameter's value. `ElementwiseOptimizer` caches them.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import type { DType } from "../tensor/dtype.ts";
import { type NamedKernel, namedKernel } from "../tensor/named_kernel.ts";
import type { Tensor } from "../tensor/tensor.ts";

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

/** What the kernels of an update are built from: an optimizer class's rule and its step factors. */
export interface RuleSpec<K extends Structure, T extends string, S extends string, C extends string> {
  /** A name unique to the optimizer class, for the kernels' keys. */
  id: string;
  /** Whether the rule reads the step count (through its step factors). */
  countsSteps: boolean;
  /** The factors that depend on the step count, as expressions of the scalars and of `step`. */
  stepFactors(structure: K, scalars: Record<S, ir.Expr>, step: ir.Expr): Record<C, ir.Expr>;
  /** The update: the new parameter and state from `x`. */
  rule(structure: K, x: UpdateTerms<T, S | C>): UpdateResult<T>;
}

/** The operands a kernel runs over: the parameters, their gradients and their state tensors (for the dtypes). */
interface Operands {
  param: Tensor;
  grad: Tensor;
  state: Record<string, Tensor>;
}

/**
 * The host path's kernel of `spec` under `structure` for `x`'s dtypes, with the scalars `names`: the step factors
 * (when the rule counts steps) are expressions of the count (input 0) and the scalars, to evaluate on the host.
 *
 * @example
 * ```ts
 * import * as ir from "../backends/kernel_ir.ts";
 * import { zeros } from "../tensor/creation.ts";
 * import { hostPlan, type RuleSpec } from "./update_kernels.ts";
 * const sgd: RuleSpec<Record<string, never>, never, "lr", never> = {
 *   id: "sgd-example",
 *   countsSteps: false,
 *   stepFactors: () => ({}),
 *   rule: (_, x) => ({ param: ir.sub(x.param, ir.mul(x.scalars.lr, ir.cast(x.grad, x.param.dtype))), state: {} }),
 * };
 * const plan = hostPlan(sgd, {}, ["lr"], { param: zeros([3]), grad: zeros([3]), state: {} });
 * console.log(plan.kernel.outputs); // ["param"]
 * ```
 */
export function hostPlan<K extends Structure, T extends string, S extends string, C extends string>(
  spec: RuleSpec<K, T, S, C>,
  structure: K,
  names: readonly S[],
  x: Operands,
): HostPlan {
  const factors: Record<string, ir.Expr> = spec.countsSteps
    ? spec.stepFactors(structure, placeholders(names), ir.input(0, "float32"))
    : {};
  const stateNames = Object.keys(x.state) as T[];
  const kernel = namedKernel(
    `${spec.id}:host:${JSON.stringify(structure)}`,
    { param: x.param.dtype, grad: x.grad.dtype, ...dtypes(x.state) },
    floats([...names, ...Object.keys(factors)]),
    (k, s) => flatten(spec.rule(structure, terms(k, s, stateNames))),
  );
  return { kernel, factors: Object.entries(factors) };
}

/**
 * The device path's kernels of `spec` under `structure` for `x`'s dtypes and a `found` flag of dtype `found`: the
 * count's 0-d kernel (none when the rule counts no steps), which writes the step factors, and the rule's kernel,
 * which reads them and keeps every output's old value where `found` is non-zero.
 *
 * @example
 * ```ts
 * import * as ir from "../backends/kernel_ir.ts";
 * import { zeros } from "../tensor/creation.ts";
 * import { devicePlan, type RuleSpec } from "./update_kernels.ts";
 * const sgd: RuleSpec<Record<string, never>, never, "lr", never> = {
 *   id: "sgd-example",
 *   countsSteps: false,
 *   stepFactors: () => ({}),
 *   rule: (_, x) => ({ param: ir.sub(x.param, ir.mul(x.scalars.lr, ir.cast(x.grad, x.param.dtype))), state: {} }),
 * };
 * const plan = devicePlan(sgd, {}, ["lr"], { param: zeros([3]), grad: zeros([3]), state: {} }, "bool");
 * console.log(plan.counter); // undefined: SGD counts no steps
 * ```
 */
export function devicePlan<K extends Structure, T extends string, S extends string, C extends string>(
  spec: RuleSpec<K, T, S, C>,
  structure: K,
  names: readonly S[],
  x: Operands,
  found: DType,
): DevicePlan {
  const id = `${spec.id}:${JSON.stringify(structure)}`;
  const factorNames = spec.countsSteps
    ? Object.keys(spec.stepFactors(structure, placeholders(names), ir.input(0, "float32")))
    : [];
  const counter = spec.countsSteps
    ? namedKernel(`${id}:count`, { step: "int32", found }, floats(names), (k, s) => ({
      step: ir.add(k.step, ir.where(k.found, ir.constant(0, "int32"), ir.constant(1, "int32"))),
      ...spec.stepFactors(structure, s as Record<S, ir.Expr>, ir.add(ir.cast(k.step, "float32"), 1)),
    }))
    : undefined;
  const inputs: Record<string, DType> = {
    param: x.param.dtype,
    grad: x.grad.dtype,
    ...dtypes(x.state),
    ...floats(factorNames),
    found,
  };
  const stateNames = Object.keys(x.state) as T[];
  const kernel = namedKernel(`${id}:device`, inputs, floats(names), (k, s) => {
    const factors = Object.fromEntries(factorNames.map((n) => [n, k[n]]));
    const next = flatten(spec.rule(structure, terms(k, { ...s, ...factors }, stateNames)));
    return Object.fromEntries(Object.entries(next).map(([name, e]) => [name, ir.where(k.found, k[name], e)]));
  });
  return { kernel, counter, factorNames };
}

/** The host path's kernel of one structure and dtypes, and its step factors. */
export interface HostPlan {
  kernel: NamedKernel<string, string, string>;
  /** The step factors as expressions of the count (input 0) and the scalars, evaluated on the host. */
  factors: [string, ir.Expr][];
}

/** The device path's kernels of one structure and dtypes. */
export interface DevicePlan {
  kernel: NamedKernel<string, string, string>;
  /** The kernel that advances the device count and writes the step factors (none without a count). */
  counter: NamedKernel<string, string, string> | undefined;
  factorNames: string[];
}

/** A short key of `structure`'s values (its names come in one order per optimizer): 1/0 for flags, else the mode. */
export function structureKey(structure: Structure): string {
  let key = "";
  for (const name in structure) {
    const value = structure[name];
    key += value === true ? "1" : value === false ? "0" : `(${value})`;
  }
  return key;
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
