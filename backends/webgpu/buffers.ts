/**
 * WebGPU memory: buffers of a size class and a pool that reuses them. A freed buffer is reusable at once: commands
 * run in the order they are recorded, so work recorded after a reuse sees the buffer only after the work recorded
 * before it (the backend clears reused buffers in the same encoder, and flushes before writing from the host into a
 * buffer the encoder uses). A buffer the pool has no room for is destroyed only after the submission that last
 * used it.
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import type { DeviceBuffer } from "../backend.ts";
import { gpuBytesPerElement } from "./wgsl.ts";

/** A WebGPU buffer holding `length` elements of `dtype` (in a buffer of its size class). */
export class GpuBuffer implements DeviceBuffer {
  /** Wraps `gpu`, whose size is `byteLength`. */
  constructor(
    readonly dtype: DType,
    readonly length: number,
    readonly gpu: GPUBuffer,
    readonly byteLength: number,
  ) {}
}

/** The size class of a buffer of `bytes`: at least 256, then 4 classes per power of two (at most 25% unused). */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}

/** Pooled buffers are kept up to this many bytes; beyond it they are destroyed. */
const POOL_BYTES = 512 * 2 ** 20;

/** Buffers by size class, and those to destroy after their last submission. */
export class BufferPool {
  #free = new Map<number, GPUBuffer[]>();
  #waiting: GPUBuffer[] = [];
  #bytes = 0;

  constructor(private readonly device: GPUDevice) {}

  /** A buffer of `bytes`' size class: a pooled one (not zeroed) when available, else a new (zeroed) one. */
  take(bytes: number): { buffer: GPUBuffer; fresh: boolean } {
    const size = sizeClass(bytes);
    const reused = this.#free.get(size)?.pop();
    if (reused !== undefined) {
      this.#bytes -= size;
      return { buffer: reused, fresh: false };
    }
    const buffer = this.device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    return { buffer, fresh: true };
  }

  /** Makes `buffer` reusable, or destroys it after the next submission when the pool is full. */
  release(buffer: GPUBuffer): void {
    if (this.#bytes + buffer.size > POOL_BYTES) {
      this.#waiting.push(buffer);
      return;
    }
    const list = this.#free.get(buffer.size);
    if (list === undefined) this.#free.set(buffer.size, [buffer]);
    else list.push(buffer);
    this.#bytes += buffer.size;
  }

  /** Destroys every buffer the pool holds (for closing the device). */
  destroy(): void {
    for (const list of this.#free.values()) for (const buffer of list) buffer.destroy();
    this.submitted();
    this.#free.clear();
    this.#bytes = 0;
  }

  /** Called after a submission: buffers the pool had no room for are destroyed. */
  submitted(): void {
    for (const buffer of this.#waiting) buffer.destroy();
    this.#waiting = [];
  }
}

/** Bytes a buffer of `length` elements of `dtype` needs (at least 4, a multiple of 4). */
export function bytesFor(length: number, dtype: DType): number {
  return Math.max(4, Math.ceil((length * gpuBytesPerElement(dtype)) / 4) * 4);
}
