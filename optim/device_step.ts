/**
 * A step count kept on the device, for optimizers whose update depends on it (Adam's bias corrections, Adagrad's lr
 * decay, …) when a `GradScaler` decides on the device whether a step happens. The count is a 0-d int32 tensor that
 * grows by one only where the step is kept; any value the update derives from the count alone is computed on the
 * host in float64 (as PyTorch computes it) for every count the step may have reached, into a table on the device,
 * and gathered at the count ({@link atCount}).
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import type { Device } from "../backends/device.ts";
import { full, tensor, zeros } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { keep } from "../tensor/memory.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { State } from "./state_dict.ts";

/** How far the count of one state may have gone: the host knows only that it grew by at most one per step. */
const bounds = new WeakMap<Tensor, number>();

/** A device step count starting at `step`. */
export function deviceStep(step: number, device: Device): Tensor {
  const t = keep(full([], step, { dtype: "int32", device }));
  bounds.set(t, step);
  return t;
}

/** Adds 1 to `step` in place unless `foundInf` is non-zero; returns `step` as a [1] index of its new value. */
export function advanceUnlessFound(step: Tensor, foundInf: Tensor): Tensor {
  const kernel = cachedKernel(
    `advance-unless-found:${foundInf.dtype}`,
    () =>
      ir.defineKernel(
        ["int32", foundInf.dtype],
        [],
        ([s, found]) => [ir.add(s, ir.where(found, ir.constant(0, "int32"), ir.constant(1, "int32")))],
      ),
  );
  runKernelInto(kernel, [step, foundInf], [step]);
  bounds.set(step, (bounds.get(step) ?? 0) + 1);
  return step.reshape([1]);
}

/**
 * `state.step` moved to `device` (if it is still a host number) and advanced unless `foundInf` is non-zero: the
 * count of the step being taken, as a [1] index for {@link atCount}.
 */
export function countUnlessFound(state: State, device: Device, foundInf: Tensor): Tensor {
  if (typeof state.step === "number") state.step = deviceStep(state.step, device);
  return advanceUnlessFound(state.step as Tensor, foundInf);
}

interface Table {
  rows: number;
  values: Tensor;
}

/** Tables per device by key; the oldest go when a changing hyperparameter (ASGD's lr) keeps making new ones. */
const tables = new WeakMap<Device, Map<string, Table>>();
const TABLES_PER_DEVICE = 64;

function table(device: Device, key: string, rows: number, f: (step: number) => number): Table {
  let byKey = tables.get(device);
  if (byKey === undefined) tables.set(device, byKey = new Map());
  const cached = byKey.get(key);
  if (cached !== undefined && cached.rows >= rows) return cached;
  const size = Math.max(1024, rows, 2 * (cached?.rows ?? 0));
  const values = new Float32Array(size);
  for (let s = 0; s < size; s++) values[s] = f(s);
  cached?.values.dispose();
  byKey.delete(key);
  const made = { rows: size, values: keep(tensor(values, { device })) };
  byKey.set(key, made);
  if (byKey.size > TABLES_PER_DEVICE) {
    const [oldest, old] = byKey.entries().next().value!;
    old.values.dispose();
    byKey.delete(oldest);
  }
  return made;
}

/**
 * `f` at the device count `index` (a [1] int32 tensor from {@link countUnlessFound} or {@link advanceUnlessFound}
 * of `step`), as a 0-d float32 tensor: the float64 value rounded to float32, as a host scalar of a kernel is. The
 * values come from a table of `f` at every count `step` may have reached, made once per `key`, which must name
 * everything `f` depends on besides the count (e.g. `adam-bc1:0.9`).
 *
 * @example
 * ```ts
 * import type { State } from "@gradstep/gradstep/optim";
 * import { type Tensor, zeros } from "@gradstep/gradstep";
 * import { atCount, countUnlessFound } from "./device_step.ts";
 * const none = zeros([]);
 * const state: State = { step: 0 };
 * const index = countUnlessFound(state, none.device, none); // not skipped: the count becomes 1
 * const bc1 = atCount(index, state.step as Tensor, "bc1:0.9", (s) => 1 - 0.9 ** s); // 0-d: 1 − 0.9
 * ```
 */
export function atCount(index: Tensor, step: Tensor, key: string, f: (step: number) => number): Tensor {
  const t = table(index.device, key, (bounds.get(step) ?? 0) + 1, f);
  return t.values.indexSelect(0, index).reshape([]);
}

/**
 * Runs `step` with a 0-d flag that is 0 on `device`: how a plain `step()` takes the device path once an earlier
 * step decided on the device left the count there (the count must keep growing on the device).
 *
 * @example
 * ```ts
 * import { zeros } from "@gradstep/gradstep";
 * import { countUnlessFound, withNothingFound } from "./device_step.ts";
 * const state = { step: 0 };
 * withNothingFound(zeros([]).device, (none) => countUnlessFound(state, none.device, none));
 * ```
 */
export function withNothingFound(device: Device, step: (none: Tensor) => void): void {
  const none = zeros([], { device });
  step(none);
  none.dispose();
}
