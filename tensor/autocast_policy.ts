/**
 * What autocast decides at each op PyTorch lists: the ops call {@link autocastArgs} with their floating-point
 * operands, which come back cast to float16 (matrix products, linear, conv) or float32 (softmax, log, exp, pow,
 * sums, losses) while an autocast region is open, and unchanged otherwise. `amp/autocast.ts` opens the regions;
 * backward closes them for its duration, so gradients run in the dtypes of the forward pass, as in PyTorch.
 *
 * @module
 */
import { cast } from "./elementwise.ts";
import type { Tensor } from "./tensor.ts";

/** PyTorch's autocast op lists: ops that run in the lower-precision dtype, and ops that run in float32. */
export type AutocastList = "lower" | "float32";

/** An open autocast region: float16 casts of leaves made in it, reused as PyTorch's autocast cache does. */
interface Region {
  readonly cache: Map<Tensor, Tensor>;
}

/** Open regions, innermost last; `null` is a region with autocast off (`enabled: false`, or backward). */
const regions: (Region | null)[] = [];
const warnedDevices = new Set<unknown>();

/** Runs synchronous `fn` with autocast on (`enabled`) or off; regions nest, the innermost decides. */
export function withAutocast<T>(enabled: boolean, fn: () => T): T {
  regions.push(enabled ? { cache: new Map() } : null);
  try {
    return fn();
  } finally {
    regions.pop();
  }
}

/** Whether `t`'s device computes in float16; warns once per device that cannot. */
function halfCapable(t: Tensor): boolean {
  const device = t.device;
  if (device.type !== "webgpu" || device.features.has("shader-f16")) return true;
  if (!warnedDevices.has(device)) {
    warnedDevices.add(device);
    console.warn(
      `autocast: the WebGPU adapter "${device.name}" has no shader-f16 feature, so float16 is unavailable; ` +
        "autocast runs everything in float32 on it",
    );
  }
  return false;
}

function castTo(t: Tensor, dtype: "float16" | "float32", region: Region): Tensor {
  if (t.dtype === dtype || (t.dtype !== "float16" && t.dtype !== "float32")) return t;
  if (dtype === "float32" || !t.isLeaf || !t.requiresGrad) return cast(t, dtype);
  const cached = region.cache.get(t);
  if (cached !== undefined && !cached.isDisposed) return cached;
  const half = cast(t, dtype);
  region.cache.set(t, half);
  return half;
}

/**
 * `tensors` as the op of `list` takes them under autocast: floating-point operands cast to float16 (`"lower"`, on
 * devices with float16) or to float32; everything else (integers, nulls) as given. Outside autocast, `tensors`.
 */
export function autocastArgs<T extends readonly (Tensor | null)[]>(list: AutocastList, tensors: T): T {
  const region = regions[regions.length - 1] ?? null;
  if (region === null) return tensors;
  if (list === "lower" && !tensors.every((t) => t === null || halfCapable(t))) return tensors;
  const dtype = list === "lower" ? "float16" : "float32";
  return tensors.map((t) => (t === null ? t : castTo(t, dtype, region))) as unknown as T;
}
