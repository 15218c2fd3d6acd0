/**
 * Memory: reference-counted storages, live-tensor accounting, `tidy` scopes and collection of tensors the user
 * dropped without disposing.
 *
 * @module
 */
import type { DeviceBuffer } from "../backends/backend.ts";
import { type Device, getDefaultDevice } from "../backends/device.ts";
import { bytesPerElement, type DType } from "./dtype.ts";

/**
 * The device memory behind one or more tensors: views of a tensor share its storage. Freed when the last tensor
 * using it is disposed or collected.
 *
 * @example
 * ```ts
 * import { cpu, Storage, Tensor, zeros } from "@gradstep/gradstep";
 * const t = zeros([2, 3]);
 * const row = t.narrow(0, 1, 1); // a view: the same storage
 * console.log(row.storage === t.storage, t.storage.refs); // true 2
 * // A tensor over fresh (zeroed) memory, as the library's own ops make them:
 * const u = new Tensor(new Storage(cpu, 6, "float32"), [2, 3]);
 * ```
 */
export class Storage {
  /** Tensors currently using this storage. */
  refs = 0;
  /** The backend's buffer. */
  readonly buffer: DeviceBuffer;
  /**
   * Allocates `length` elements of `dtype` on `device`, zeroed unless `zeroed` is false (an output a kernel
   * writes in full).
   */
  constructor(readonly device: Device, readonly length: number, readonly dtype: DType, zeroed = true) {
    this.buffer = device.backend.alloc(length, dtype, zeroed);
    stats(device).bytes += this.bytes;
  }
  /** Bytes this storage takes (as counted by {@link memoryStats}). */
  get bytes(): number {
    return this.length * bytesPerElement(this.dtype);
  }
}

interface Counts {
  tensors: number;
  bytes: number;
}
const counts = new Map<Device, Counts>();

function stats(device: Device): Counts {
  let c = counts.get(device);
  if (c === undefined) counts.set(device, c = { tensors: 0, bytes: 0 });
  return c;
}

function release(storage: Storage): void {
  if (--storage.refs === 0) {
    storage.device.backend.free(storage.buffer);
    stats(storage.device).bytes -= storage.bytes;
  }
}

const collected = new FinalizationRegistry<Storage>((storage) => {
  stats(storage.device).tensors--;
  release(storage);
});

/** Something that owns a storage reference and can give it back. */
export interface Disposable {
  dispose(): void;
}

const scopes: Set<Disposable>[] = [];

/**
 * Records a new tensor: takes a reference on its storage, counts it, and enters it in the innermost `tidy` scope.
 * `token` is what the collector unregisters by (the tensor itself).
 */
export function track(tensor: Disposable, storage: Storage): void {
  storage.refs++;
  stats(storage.device).tensors++;
  collected.register(tensor, storage, tensor);
  scopes[scopes.length - 1]?.add(tensor);
}

/** Gives back a tensor's storage reference now instead of at collection. */
export function untrack(tensor: Disposable, storage: Storage): void {
  collected.unregister(tensor);
  stats(storage.device).tensors--;
  release(storage);
  for (const scope of scopes) scope.delete(tensor);
}

/**
 * Whether every tensor using `storage` was made in the innermost open `tidy` scope (so that, once the scope
 * ends, only the ones it keeps still use it).
 */
export function onlyInInnermostScope(storage: Storage): boolean {
  const scope = scopes[scopes.length - 1];
  if (scope === undefined) return false;
  let inScope = 0;
  for (const t of scope) if ((t as { storage?: Storage }).storage === storage) inScope++;
  return inScope === storage.refs;
}

/** Removes a tensor from every open `tidy` scope, so the scope's end does not dispose it. */
export function keep<T extends Disposable>(tensor: T): T {
  for (const scope of scopes) scope.delete(tensor);
  return tensor;
}

/**
 * Live tensors and bytes on a device (the default device unless given). A tensor stops being live when it is
 * disposed or garbage-collected; views share their storage's bytes.
 *
 * @example
 * ```ts
 * import { memoryStats, zeros } from "@gradstep/gradstep";
 * const before = memoryStats().liveBytes;
 * const t = zeros([1024]);
 * console.log(memoryStats().liveBytes - before); // 4096
 * t.dispose();
 * ```
 */
export function memoryStats(device: Device = getDefaultDevice()): { liveTensors: number; liveBytes: number } {
  const c = stats(device);
  return { liveTensors: c.tensors, liveBytes: c.bytes };
}

function collectKept(value: unknown, into: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 8) return;
  into.add(value);
  const items = Array.isArray(value) ? value : value.constructor === Object ? Object.values(value) : [];
  for (const item of items) collectKept(item, into, depth + 1);
}

/**
 * Runs `fn` and disposes every tensor created during it except those it returns (directly, or inside arrays and
 * plain objects). `fn` must be synchronous.
 *
 * @example
 * ```ts
 * import { tidy, tensor } from "@gradstep/gradstep";
 * const x = tensor([1, 2, 3]);
 * const y = tidy(() => x.mul(2).add(1).exp()); // the intermediates are disposed; y is kept
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) {
    throw new Error("tidy() needs a synchronous function; it got one that returned a Promise");
  }
  const kept = new Set<unknown>();
  collectKept(result, kept);
  for (const t of scope) {
    if (kept.has(t)) scopes[scopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

/**
 * Resolves after a pass through the event loop's timers, where Deno runs the collector's finalization callbacks:
 * only then do tensors the program dropped give their memory back (for reuse by the next allocations, and in
 * {@link memoryStats}). A loop that never waits on a timer — CPU `data()`, async iterators and message events are
 * not enough — keeps the memory of everything it dropped. `DataLoader` calls this every 100 ms of iteration; call it
 * now and then in loops without one. It costs a few milliseconds.
 *
 * @example
 * ```ts
 * import { randn, yieldToEventLoop } from "@gradstep/gradstep";
 * for (let step = 0; step < 1000; step++) {
 *   randn([1024, 1024]).mul(2); // dropped: collected, and its memory reused once finalizers have run
 *   if (step % 50 === 0) await yieldToEventLoop();
 * }
 * ```
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
