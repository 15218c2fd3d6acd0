/**
 * Device work counters: how many kernels a device launched, submissions, readbacks, compiled kernels and
 * allocations so far, for benchmarks and for tests that pin down how much work an operation takes.
 *
 * @module
 */
import type { DeviceStats } from "./backend.ts";
import { type Device, getDefaultDevice } from "./device.ts";

/**
 * A frozen snapshot of the work counters of `device` (the default device unless given) since it was created:
 * `dispatches`, `submits`, `readbacks`, `writes` (uploads), `pipelines` (kernels compiled), `allocations` and `bytesAllocated`;
 * {@link DeviceStats} says what each counts on the CPU and on WebGPU. The counters only grow: the work a piece of
 * code does is the field-by-field difference of a snapshot taken after it and one taken before.
 *
 * @example
 * ```ts
 * import { deviceStats, tensor } from "@gradstep/gradstep";
 * const x = tensor([1, 2, 3]);
 * const before = deviceStats(x.device);
 * const y = x.add(x).mul(2);
 * await y.data();
 * const after = deviceStats(x.device);
 * console.log(after.dispatches - before.dispatches); // 2: one kernel per op
 * console.log(after.readbacks - before.readbacks); // 1
 * ```
 */
export function deviceStats(device: Device = getDefaultDevice()): Readonly<DeviceStats> {
  return Object.freeze({ ...device.backend.stats });
}
