/**
 * A step count kept on the device, for optimizers whose update depends on it (Adam's bias corrections) when a
 * `GradScaler` decides on the device whether a step happens. The count is a 0-d int32 tensor that grows by one
 * only where the step is kept; the bias corrections of every count it may reach, 1 − β₁ˢ and √(1 − β₂ˢ), are
 * computed on the host in float64 (as PyTorch computes them) into a table on the device, and gathered at the count.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import type { Device } from "../backends/device.ts";
import { full, tensor } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { keep } from "../tensor/memory.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { State } from "./optimizer.ts";

/** How far the count of one state may have gone: the host knows only that it grew by at most one per step. */
const bounds = new WeakMap<Tensor, number>();

/** A device step count starting at `step`. */
export function deviceStep(step: number, device: Device): Tensor {
  const t = keep(full([], step, { dtype: "int32", device }));
  bounds.set(t, step);
  return t;
}

/**
 * Adds one to `state.step`: a host number, or a count on the device (after a `GradScaler` skipped a step there).
 * For optimizers whose update never reads the count.
 */
export function countStep(state: State): void {
  if (typeof state.step === "number") state.step += 1;
  else (state.step as Tensor).add_(1);
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

interface Table {
  rows: number;
  bc1: Tensor;
  bc2Sqrt: Tensor;
}
const tables = new WeakMap<Device, Map<string, Table>>();

function table(device: Device, beta1: number, beta2: number, rows: number): Table {
  let byBetas = tables.get(device);
  if (byBetas === undefined) tables.set(device, byBetas = new Map());
  const key = `${beta1},${beta2}`;
  const cached = byBetas.get(key);
  if (cached !== undefined && cached.rows >= rows) return cached;
  const size = Math.max(1024, rows, 2 * (cached?.rows ?? 0));
  const bc1 = new Float32Array(size);
  const bc2Sqrt = new Float32Array(size);
  for (let s = 0; s < size; s++) {
    bc1[s] = 1 - beta1 ** s;
    bc2Sqrt[s] = Math.sqrt(1 - beta2 ** s);
  }
  cached?.bc1.dispose();
  cached?.bc2Sqrt.dispose();
  const made = {
    rows: size,
    bc1: keep(tensor(bc1, { device })),
    bc2Sqrt: keep(tensor(bc2Sqrt, { device })),
  };
  byBetas.set(key, made);
  return made;
}

/**
 * Adam's bias corrections at the device count `index` (a [1] int32 tensor from {@link advanceUnlessFound}): 0-d
 * tensors `1 − β₁ˢ` and `√(1 − β₂ˢ)`, each the float64 value rounded to float32.
 */
export function biasCorrections(
  index: Tensor,
  step: Tensor,
  beta1: number,
  beta2: number,
): { bc1: Tensor; bc2Sqrt: Tensor } {
  const t = table(index.device, beta1, beta2, (bounds.get(step) ?? 0) + 1);
  return {
    bc1: t.bc1.indexSelect(0, index).reshape([]),
    bc2Sqrt: t.bc2Sqrt.indexSelect(0, index).reshape([]),
  };
}
