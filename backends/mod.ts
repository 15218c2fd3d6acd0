/**
 * Backends: the Backend interface, the kernel expression IR, devices and the CPU backend.
 *
 * @module
 */
export type { Backend, DeviceBuffer, DeviceStats, IndexBounds, ReduceOp, View } from "./backend.ts";
export * from "./kernel_ir.ts";
export { evaluateOnHost } from "./kernel_eval.ts";
export { cpu, Device, type DeviceType, getDefaultDevice, setDefaultDevice } from "./device.ts";
export { device } from "./find_device.ts";
export { deviceStats } from "./device_stats.ts";
export { CpuBackend } from "./cpu/cpu_backend.ts";
export { type AdapterSummary, findAdapter, openDevice } from "./webgpu/adapter.ts";
export { MAX_BATCH } from "./webgpu/command_batch.ts";
export { WebGpuBackend } from "./webgpu/webgpu_backend.ts";
