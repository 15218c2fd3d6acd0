/**
 * Counting device reads, for the tests that prove a GradScaler training loop reads nothing back on WebGPU: a CPU
 * device that takes the WebGPU code path (no synchronous reads), and a counter of the reads a function makes.
 *
 * @module
 */
import { CpuBackend } from "../../backends/cpu/cpu_backend.ts";
import { Device } from "../../mod.ts";

/** A CPU device whose backend cannot read synchronously: the WebGPU code path, counted, on any machine. */
export function deviceLikeGpu(): { dev: Device; reads: () => number } {
  const backend = new CpuBackend();
  let reads = 0;
  const readSync = backend.readSync.bind(backend);
  Object.assign(backend, {
    readSync: undefined,
    read: (...args: Parameters<CpuBackend["read"]>) => (reads++, Promise.resolve(readSync(...args))),
  });
  return {
    dev: new Device("webgpu", "cpu without synchronous reads", new Set(["shader-f16"]), backend),
    reads: () => reads,
  };
}

/** Counts the device reads `fn` makes (backend.read, readSync and, on WebGPU, the readback counter). */
export async function readsDuring(dev: Device, fn: () => Promise<void> | void): Promise<number> {
  const backend = dev.backend as typeof dev.backend & { stats?: { readbacks: number } };
  const { read, readSync } = backend;
  let reads = 0;
  backend.read = (...args) => (reads++, read.apply(backend, args));
  if (readSync !== undefined) backend.readSync = (...args) => (reads++, readSync.apply(backend, args));
  const before = backend.stats?.readbacks ?? 0;
  try {
    await fn();
  } finally {
    backend.read = read;
    backend.readSync = readSync;
  }
  return reads + (backend.stats?.readbacks ?? 0) - before;
}
