/**
 * gradstep: PyTorch's training step for Deno — tensors, autograd, `nn`, `optim` and data loading, on a CPU
 * backend (the reference) and WebGPU.
 *
 * @example
 * ```ts
 * import { Adam, CrossEntropyLoss, Flatten, Linear, ReLU, Sequential, randn, tensor } from "@gradstep/gradstep";
 * const model = new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
 * const loss = new CrossEntropyLoss().forward(model.forward(randn([64, 1, 28, 28])), tensor([3, 1, 4, 1, 5, 9, 2, 6], { dtype: "int32" }).indexSelect(0, tensor(new Int32Array(64).map((_, i) => i % 8))));
 * optimizer.zeroGrad();
 * loss.backward();
 * optimizer.step();
 * ```
 *
 * @module
 */
export * from "./tensor/mod.ts";
export * from "./autograd/mod.ts";
export { cpu, Device, type DeviceType, getDefaultDevice, setDefaultDevice } from "./backends/device.ts";
export { device } from "./backends/find_device.ts";
export { deviceStats } from "./backends/device_stats.ts";
export type { DeviceStats } from "./backends/backend.ts";
export * from "./nn/mod.ts";
export * from "./optim/mod.ts";
export * from "./amp/mod.ts";
export * from "./data/mod.ts";
export * from "./checkpoint/mod.ts";
