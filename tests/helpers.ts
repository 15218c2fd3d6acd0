/**
 * Shared test machinery: the devices every backend-agnostic test runs on, fixture loading, and closeness checks
 * with the tolerances stated in one place.
 *
 * @module
 */
import { type Device, device, type Tensor } from "../mod.ts";
import { AssertionError } from "node:assert/strict";

/** Tolerances, stated once: `rtol` relative to the expected value plus `atol` absolute. */
export const TOLERANCE = {
  /** One float32 op against PyTorch: rounding and library-function (exp, log…) differences. */
  op: { rtol: 1e-5, atol: 1e-6 },
  /** A composite (softmax, losses, matmul of long sums) against PyTorch: summation order differs. */
  composite: { rtol: 1e-4, atol: 1e-5 },
  /**
   * Long float32 accumulations (matmul with k in the hundreds, sums of 10⁵ terms) of terms of magnitude about 1:
   * WebGPU accumulates in float32 and the CPU in float64, so results that cancel to near zero differ by about
   * k·2⁻²⁴ in absolute terms.
   */
  accumulation: { rtol: 1e-4, atol: 1e-4 },
  /** Optimizer trajectories against PyTorch (the bound). */
  optimizer: { rtol: 1e-5, atol: 1e-7 },
} as const;

/** A tolerance pair. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** The devices present: the CPU always; WebGPU once its backend exists and an adapter is found. */
export async function testDevices(): Promise<Device[]> {
  const devices = [await device("cpu")];
  try {
    const gpu = await device("webgpu");
    devices.push(gpu);
  } catch {
    // No WebGPU adapter or backend here: the CPU runs everything.
  }
  return devices;
}

const devices = await testDevices();

/**
 * Registers `fn` as one Deno test per device present, named "`name` [device]". A test that needs float16 on the
 * device (`requires: "shader-f16"`) is registered as ignored on a WebGPU adapter without that feature (Mesa's GL
 * llvmpipe), so it shows as not run rather than passed.
 */
export function testOnDevices(
  name: string,
  fn: (dev: Device) => void | Promise<void>,
  options: { requires?: "shader-f16" } = {},
): void {
  for (const dev of devices) {
    const missing = options.requires !== undefined && dev.type === "webgpu" &&
      !dev.features.has(options.requires);
    Deno.test({ name: `${name} [${dev.type}]`, ignore: missing, fn: () => fn(dev) });
  }
}

/** A fixture from tests/fixtures, parsed; the fixtures are made by tools/ from a real PyTorch. */
export function loadFixture<T>(name: string): T {
  const url = new URL(`./fixtures/${name}.json`, import.meta.url);
  return JSON.parse(
    Deno.readTextFileSync(url),
    (_, v) => (v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v),
  );
}

/** Throws unless every `actual[i]` is within `atol + rtol·|expected[i]|` of `expected[i]` (NaN matches NaN). */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  what = "values",
): void {
  if (actual.length !== expected.length) {
    throw new AssertionError({ message: `${what}: ${actual.length} values, expected ${expected.length}` });
  }
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (
      Number.isNaN(e)
        ? Number.isNaN(a)
        : a === e || Math.abs(a - e) <= tolerance.atol + tolerance.rtol * Math.abs(e)
    ) {
      continue;
    }
    throw new AssertionError({
      message:
        `${what}[${i}] = ${a}, expected ${e} (tolerance rtol ${tolerance.rtol}, atol ${tolerance.atol})`,
    });
  }
}

/** Throws unless `t` has `shape` and values close to `values`. */
export async function assertTensorClose(
  t: Tensor,
  expected: { shape: readonly number[]; data: ArrayLike<number> },
  tolerance: Tolerance,
  what = "tensor",
): Promise<void> {
  if (t.shape.length !== expected.shape.length || t.shape.some((s, i) => s !== expected.shape[i])) {
    throw new AssertionError({ message: `${what}: shape [${t.shape}], expected [${expected.shape}]` });
  }
  assertClose(await t.data(), expected.data, tolerance, what);
}
