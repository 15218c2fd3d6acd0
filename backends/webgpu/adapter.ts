/**
 * Getting a WebGPU device: the adapter, its real limits and features requested, and a {@link Device} around the
 * backend.
 *
 * @module
 */
import { Device } from "../device.ts";
import { WebGpuBackend } from "./webgpu_backend.ts";

/** Limits requested at the adapter's own maxima (the defaults are far lower, e.g. 128 MiB bindings). */
const LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupsPerDimension",
] as const;

/** What the adapter says it is; a software adapter (Mesa llvmpipe/lavapipe) is a fallback adapter. */
export interface AdapterSummary {
  /** The adapter's description (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"), else its vendor and architecture. */
  name: string;
  /** Whether the adapter is a software fallback rather than a GPU. */
  isFallback: boolean;
}

/**
 * Resolves to the best WebGPU adapter and a summary of it, or null when none is found.
 *
 * @example
 * ```ts
 * import { findAdapter } from "@gradstep/gradstep/backends";
 * const found = await findAdapter();
 * console.log(found?.summary.name ?? "no WebGPU adapter");
 * ```
 */
export async function findAdapter(): Promise<{ adapter: GPUAdapter; summary: AdapterSummary } | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) return null;
  const info = adapter.info;
  const name = info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(" ") ||
    "WebGPU adapter";
  const isFallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  return { adapter, summary: { name, isFallback } };
}

/**
 * A device on `adapter`: its maximum limits requested, `shader-f16` enabled when offered, the matmul shaders of
 * its kind (see {@link WebGpuBackend}'s constructor). It is closed
 * ({@link WebGpuBackend.destroy}) when the process exits, unless it is lost before.
 *
 * @example
 * ```ts
 * import { findAdapter, openDevice } from "@gradstep/gradstep/backends";
 * const found = await findAdapter();
 * if (found) console.log((await openDevice(found.adapter, found.summary)).features);
 * ```
 */
export async function openDevice(adapter: GPUAdapter, summary: AdapterSummary): Promise<Device> {
  const features: GPUFeatureName[] = adapter.features.has("shader-f16") ? ["shader-f16"] : [];
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS) requiredLimits[name] = adapter.limits[name];
  const gpu = await adapter.requestDevice({ requiredFeatures: features, requiredLimits });
  const backend = new WebGpuBackend(gpu, { matmul: summary.isFallback ? "direct" : "staged" });
  // Closed before the process exits, so that no work or buffer of ours is left to the driver's exit-time teardown.
  // (This alone does not stop the rare abort at exit on Mesa: see "Devices" in the README.)
  const close = (): void => backend.destroy();
  globalThis.addEventListener("unload", close);
  gpu.lost.then(() => globalThis.removeEventListener("unload", close));
  return new Device("webgpu", summary.name, new Set(features), backend);
}
