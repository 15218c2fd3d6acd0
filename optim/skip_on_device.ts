/**
 * Skipping an optimizer step on the device: the update runs either way, and a 0-d flag (`foundInf`, non-zero when a
 * gradient was inf or NaN) selects, element by element, the values from before the update. This is how a
 * `GradScaler` skips a step on WebGPU without reading the flag back to the host.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { cachedKernel, copyInto, runKernelInto } from "../tensor/elementwise.ts";
import type { DType } from "../tensor/dtype.ts";
import { empty } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { State } from "./state_dict.ts";

/** The optimizers a `GradScaler` skips on the device (their updates change no number kept on the host). */
export const SKIPPED_ON_DEVICE: readonly string[] = [
  "SGD",
  "Adam",
  "AdamW",
  "RMSprop",
  "Adadelta",
  "Rprop",
  "Lion",
  "Muon",
  "Adagrad",
  "Adamax",
  "RAdam",
  "NAdam",
  "LAMB",
  "ASGD",
  "Adafactor",
];

/** A copy of `t` (not recorded). */
export function snapshot(t: Tensor): Tensor {
  return copyInto(empty(t.shape, t), t);
}

/** `t = foundInf != 0 ? before : t`, in place; `before` may be a number (the value of state created by the step). */
export function restoreIfFound(t: Tensor, before: Tensor | number, foundInf: Tensor): void {
  const kernel = cachedKernel(
    `restore-if-found:${t.dtype}:${foundInf.dtype}:${typeof before === "number" ? "n" : "t"}`,
    () =>
      ir.defineKernel(
        typeof before === "number" ? [t.dtype, foundInf.dtype] : [t.dtype, foundInf.dtype, t.dtype],
        typeof before === "number" ? [t.dtype] : [],
        ([x, found, old], [value]) => [ir.where(found, old ?? value, x)],
      ),
  );
  if (typeof before === "number") runKernelInto(kernel, [t, foundInf], [t], [before]);
  else runKernelInto(kernel, [t, foundInf, before], [t]);
}

/** The shape of a kernel made by {@link skipKernel}. */
export interface SkipKernelSpec {
  /** The dtypes of the update's own inputs (parameter, gradient, state tensors, …). */
  inputs: DType[];
  /** How many 0-d float32 inputs follow them: values gathered at the device count, or numbers kept there. */
  values: number;
  /** The dtype the values are cast to (the parameter's). */
  valueType: DType;
  /** The dtypes of the runtime scalars. */
  scalars: DType[];
  /** The dtype of `foundInf`, the last input. */
  found: DType;
  /** Per output, the input whose value it keeps where `foundInf` is non-zero; null for one never kept (scratch). */
  old: (number | null)[];
}

/**
 * A kernel of an update kept only where `foundInf` is 0, cached under `key`: `body` builds the update from the
 * inputs, the device values (cast to `valueType`) and the scalars, and each output keeps its `old` input where the
 * last input, `foundInf`, is non-zero. Written once, an optimizer's update serves its host kernel and this one.
 *
 * @example
 * ```ts
 * import { add, mul } from "@gradstep/gradstep/backends";
 * import { skipKernel } from "./skip_on_device.ts";
 * // p ← p + c·g, with c gathered at the device count
 * const k = skipKernel(
 *   "example",
 *   { inputs: ["float32", "float32"], values: 1, valueType: "float32", scalars: [], found: "float32", old: [0] },
 *   ([p, g], [c]) => [add(p, mul(c, g))],
 * );
 * ```
 */
export function skipKernel(
  key: string,
  spec: SkipKernelSpec,
  body: (inputs: ir.Expr[], values: ir.Expr[], scalars: ir.Expr[]) => ir.Expr[],
): ir.Kernel {
  const n = spec.inputs.length;
  const valueTypes = Array<DType>(spec.values).fill("float32");
  return cachedKernel(
    `skip:${key}:${spec.found}`,
    () =>
      ir.defineKernel([...spec.inputs, ...valueTypes, spec.found], spec.scalars, (inputs, scalars) => {
        const values = inputs.slice(n, n + spec.values).map((v) => ir.cast(v, spec.valueType));
        const found = inputs[n + spec.values];
        return body(inputs.slice(0, n), values, scalars).map((e, i) => {
          const old = spec.old[i];
          return old === null ? e : ir.where(found, inputs[old], e);
        });
      }),
  );
}

/**
 * Runs `update` (one parameter's update, which changes `p` and `state` in place) so that it takes effect only where
 * `foundInf` is 0, deciding on the device. Tensors the update creates in `state` become 0 where skipped (the state
 * of an optimizer that has not stepped yet; SGD's momentum buffer then exists at its first real step, which it
 * treats as a later step: the same numbers for PyTorch's default dampening 0, not for other dampening). Throws,
 * leaving `p` and `state` as they were, when the update changes a number in `state`: a host number cannot follow
 * a decision made on the device.
 */
export function updateUnlessFound(
  p: Tensor,
  state: State,
  foundInf: Tensor,
  update: () => void,
  optimizerName: string,
): void {
  const before = new Map<string, Tensor | number>(
    Object.entries(state).map(([k, v]) => [k, typeof v === "number" ? v : snapshot(v)]),
  );
  const param = snapshot(p);
  update();
  const changed = Object.keys(state).find((k) => typeof state[k] === "number" && state[k] !== before.get(k));
  if (changed !== undefined) {
    copyInto(p, param);
    for (const key of Object.keys(state)) {
      const old = before.get(key);
      if (old === undefined) delete state[key];
      else if (typeof old !== "number") copyInto(state[key] as Tensor, old);
      else state[key] = old;
    }
    throw new Error(
      `${optimizerName} cannot skip its step on the device: its state "${changed}" is a number kept on the host, ` +
        `which a decision made on the device cannot change. GradScaler skips on the device for ${
          SKIPPED_ON_DEVICE.join(", ")
        }; train this optimizer with a GradScaler on the CPU`,
    );
  }
  restoreIfFound(p, param, foundInf);
  for (const [key, value] of Object.entries(state)) {
    if (typeof value === "number") continue;
    const old = before.get(key);
    restoreIfFound(value, old === undefined ? 0 : old, foundInf);
  }
  param.dispose();
  for (const old of before.values()) if (typeof old !== "number") old.dispose();
}
