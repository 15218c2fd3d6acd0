/**
 * `device()`: the CPU, the WebGPU device (opened once and shared until lost), or the best present.
 *
 * @module
 */
import { cpu, type Device } from "./device.ts";
import { findAdapter, openDevice } from "./webgpu/adapter.ts";
import type { WebGpuBackend } from "./webgpu/webgpu_backend.ts";

/**
 * Resolves to a device: `"cpu"`, `"webgpu"` (the best WebGPU adapter; rejects with a clear Error when there is
 * none), or `"auto"`: WebGPU when a hardware adapter is found, else the CPU. A software adapter (Mesa's llvmpipe or
 * lavapipe, a "fallback adapter") is used only when asked for by name: on the CPU it runs slower than the CPU
 * backend. The WebGPU device is created once and shared until it is lost; then the next call opens a new one.
 *
 * @example
 * ```ts
 * import { device } from "@gradstep/gradstep";
 * const dev = await device("auto");
 * console.log(`training on ${dev.type} (${dev.name})`);
 * ```
 */
export async function device(kind: "cpu" | "webgpu" | "auto" = "auto"): Promise<Device> {
  switch (kind) {
    case "cpu":
      return cpu;
    case "webgpu":
      return await webgpu();
    case "auto": {
      const found = await findAdapter();
      return found !== null && !found.summary.isFallback ? await webgpu() : cpu;
    }
    default:
      throw new Error(`Unknown device "${kind}": expected "cpu", "webgpu" or "auto"`);
  }
}

let opening: Promise<Device> | undefined;

function webgpu(): Promise<Device> {
  opening ??= (async () => {
    const found = await findAdapter();
    if (found === null) {
      throw new Error(
        "No WebGPU adapter found: Deno needs a GPU driver, or Mesa's software adapter " +
          '(on Debian: apt-get install mesa-vulkan-drivers). Use device("cpu") meanwhile',
      );
    }
    const dev = await openDevice(found.adapter, found.summary);
    // A lost device stays lost: the next device("webgpu") opens a new one, as the lost-device Error advises.
    (dev.backend as WebGpuBackend).gpu.lost.then(() => (opening = undefined));
    return dev;
  })();
  opening.catch(() => (opening = undefined));
  return opening;
}
