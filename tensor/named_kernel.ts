/**
 * Kernels whose operands and scalars are named: built from records of dtypes and run with records of tensors and
 * numbers, each checked by name and dtype. Binding by name is what lets a fused update take a dozen operands
 * without a positional list to get wrong: `{ beta1, beta2 }` cannot be swapped by reordering.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import type { DType } from "./dtype.ts";
import { runKernelInto } from "./elementwise.ts";
import type { Tensor } from "./tensor.ts";

/** A kernel built by {@link namedKernel}: the IR kernel and the names of its inputs, scalars and outputs in order. */
export interface NamedKernel<I extends string, S extends string, O extends string> {
  /** The IR kernel, with operands in the order of the names below. */
  readonly kernel: ir.Kernel;
  /** The input names, in the kernel's input order. */
  readonly inputs: readonly I[];
  /** The scalar names, in the kernel's scalar order. */
  readonly scalars: readonly S[];
  /** The output names, in the kernel's output order. */
  readonly outputs: readonly O[];
}

/**
 * The kernel cached under `key` (which must name everything `body` reads besides the dtypes, whose codes are added
 * to it) with named inputs and scalars of the given dtypes; `body` returns one expression per named output.
 *
 * @example
 * ```ts
 * import { mul, sub } from "@gradstep/gradstep/backends";
 * import { namedKernel } from "@gradstep/gradstep";
 * const sgd = namedKernel("example-sgd", { param: "float32", grad: "float32" }, { lr: "float32" }, (x, s) => ({
 *   param: sub(x.param, mul(s.lr, x.grad)),
 * }));
 * ```
 */
export function namedKernel<I extends string, S extends string, O extends string>(
  key: string,
  inputs: Readonly<Record<I, DType>>,
  scalars: Readonly<Record<S, DType>>,
  body: (inputs: Record<I, ir.Expr>, scalars: Record<S, ir.Expr>) => Record<O, ir.Expr>,
): NamedKernel<I, S, O> {
  const inputNames = Object.keys(inputs) as I[];
  const scalarNames = Object.keys(scalars) as S[];
  const full = `${key}:${inputNames.map((n) => `${n}=${inputs[n]}`)}|${
    scalarNames.map((n) => `${n}=${scalars[n]}`)
  }`;
  const cached = kernels.get(full);
  if (cached !== undefined) return cached as NamedKernel<I, S, O>;
  let outputNames: O[] = [];
  const kernel = ir.defineKernel(
    inputNames.map((n) => inputs[n]),
    scalarNames.map((n) => scalars[n]),
    (xs, ss) => {
      const out = body(byName(inputNames, xs), byName(scalarNames, ss));
      outputNames = Object.keys(out) as O[];
      return outputNames.map((n) => out[n]);
    },
  );
  const made = { kernel, inputs: inputNames, scalars: scalarNames, outputs: outputNames };
  kernels.set(full, made);
  return made;
}

/** Every kernel built here, by its key and operand dtypes. */
const kernels = new Map<string, NamedKernel<string, string, string>>();

function byName<N extends string>(names: readonly N[], values: ir.Expr[]): Record<N, ir.Expr> {
  return Object.fromEntries(names.map((n, i) => [n, values[i]])) as Record<N, ir.Expr>;
}

/** `record`'s values in the order of `names`; throws, naming what is missing or unexpected, unless it has exactly them. */
function inOrder<V>(what: string, names: readonly string[], record: Readonly<Record<string, V>>): V[] {
  const values: V[] = [];
  for (const n of names) {
    const v = record[n];
    if (v === undefined) break;
    values.push(v);
  }
  let size = 0;
  for (const _ in record) size++;
  if (values.length === names.length && size === names.length) return values;
  const given = Object.keys(record);
  const missing = names.filter((n) => record[n] === undefined);
  const extra = given.filter((n) => !names.includes(n));
  throw new TypeError(
    `Kernel ${what} are [${names}], got [${given}]` +
      (missing.length > 0 ? ` (missing ${missing})` : "") +
      (extra.length > 0 ? ` (unexpected ${extra})` : ""),
  );
}

/**
 * Runs `k` on broadcast named `inputs`, writing the named `outputs` (which may be inputs: in place), with the named
 * `scalars`. Throws a TypeError naming what is missing, unexpected or of the wrong dtype.
 *
 * @example
 * ```ts
 * import { mul, sub } from "@gradstep/gradstep/backends";
 * import { tensor } from "@gradstep/gradstep";
 * import { namedKernel, runNamedKernel } from "@gradstep/gradstep";
 * const sgd = namedKernel("example-sgd", { param: "float32", grad: "float32" }, { lr: "float32" }, (x, s) => ({
 *   param: sub(x.param, mul(s.lr, x.grad)),
 * }));
 * const [p, g] = [tensor([1, 2], { dtype: "float32" }), tensor([1, 1], { dtype: "float32" })];
 * runNamedKernel(sgd, { param: p, grad: g }, { param: p }, { lr: 0.5 }); // p: [0.5, 1.5]
 * ```
 */
export function runNamedKernel<I extends string, S extends string, O extends string>(
  k: NamedKernel<I, S, O>,
  inputs: Readonly<Record<I, Tensor>>,
  outputs: Readonly<Record<O, Tensor>>,
  scalars: Readonly<Record<S, number>>,
): void {
  const ins = inOrder("inputs", k.inputs, inputs);
  const outs = inOrder("outputs", k.outputs, outputs);
  const values = inOrder("scalars", k.scalars, scalars);
  for (let i = 0; i < ins.length; i++) {
    if (ins[i].dtype !== k.kernel.inputs[i]) {
      throw new TypeError(
        `Kernel input ${k.inputs[i]} is ${k.kernel.inputs[i]}, got a tensor of dtype ${ins[i].dtype}`,
      );
    }
  }
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== "number") {
      throw new TypeError(`Kernel scalar ${k.scalars[i]} must be a number, got ${typeof values[i]}`);
    }
  }
  runKernelInto(k.kernel, ins, outs, values);
}
