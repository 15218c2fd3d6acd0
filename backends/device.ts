/**
 * Devices: where tensors live and which backend computes on them.
 *
 * @module
 */
import type { Backend } from "./backend.ts";
import { CpuBackend } from "./cpu/cpu_backend.ts";

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
