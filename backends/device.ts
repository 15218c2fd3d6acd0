/**
 * Devices: where tensors live and which backend computes on them.
 *
 * @module
 */
import type { Backend } from "./backend.ts";
import { CpuBackend } from "./cpu/cpu_backend.ts";
import { findAdapter, openDevice } from "./webgpu/adapter.ts";
import type { WebGpuBackend } from "./webgpu/webgpu_backend.ts";

/** The kinds of device. */
export type DeviceType = "cpu" | "webgpu";

/**
 * A device tensors live on: its kind, a human-readable name (for WebGPU, the adapter's description) and the
 * optional features it offers (for WebGPU, e.g. `"shader-f16"`).
 *
 * @example
 * ```ts
 * import { device } from "@gradstep/gradstep";
 * const dev = await device("cpu");
 * console.log(dev.type, dev.name); // "cpu" "cpu"
 * ```
 */
export class Device {
  /** Creates a device around a backend; use {@link device} to get one. */
  constructor(
    readonly type: DeviceType,
    readonly name: string,
    readonly features: ReadonlySet<string>,
    readonly backend: Backend,
  ) {}

  /**
   * The device's kind, e.g. `"cpu"`.
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * console.log(`training on ${await device("cpu")}`); // "training on cpu"
   * ```
   */
  toString(): string {
    return this.type;
  }
}

/** The CPU device; there is one. */
export const cpu: Device = new Device("cpu", "cpu", new Set(), new CpuBackend());

let defaultDevice: Device = cpu;

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

/**
 * Makes `dev` the device new tensors are created on when no `device` option is given.
 *
 * @example
 * ```ts
 * import { device, setDefaultDevice, zeros } from "@gradstep/gradstep";
 * setDefaultDevice(await device("auto"));
 * const t = zeros([2, 2]); // on that device
 * ```
 */
export function setDefaultDevice(dev: Device): void {
  defaultDevice = dev;
}

/**
 * The device new tensors are created on by default (the CPU unless {@link setDefaultDevice} was called).
 *
 * @example
 * ```ts
 * import { getDefaultDevice } from "@gradstep/gradstep";
 * console.log(getDefaultDevice().type); // "cpu"
 * ```
 */
export function getDefaultDevice(): Device {
  return defaultDevice;
}
