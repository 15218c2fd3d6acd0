/**
 * WebGPU command batching: many dispatches recorded into one command encoder and submitted together — when the
 * current synchronous burst of work ends, at a readback, or every {@link MAX_BATCH} dispatches — with their
 * per-dispatch parameters (shapes, strides, scalars) packed into one arena uploaded with each submission; the
 * compute pipelines, cached by key; and the clears of pooled buffers handed out uncleared, recorded just before
 * their first use (and not at all when that use writes them whole). The backend's primitives record through it.
 *
 * @module
 */
import type { DeviceStats } from "../backend.ts";
import type { BufferPool } from "./buffers.ts";
import type { Binding } from "./elementwise_shader.ts";

/**
 * Dispatches recorded before a submission is forced.
 *
 * @example
 * ```ts
 * import { MAX_BATCH } from "@gradstep/gradstep/backends";
 * console.log(`The WebGPU backend submits at least every ${MAX_BATCH} dispatches`);
 * ```
 */
export const MAX_BATCH = 256;
const PARAMS_BYTES = 1 << 20;
const PARAMS_ALIGN = 256;

/** A compute pipeline and the layout of its one bind group. */
export interface Pipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/** The work recorded on one device and not yet submitted, and what submitting it needs. */
export class CommandBatch {
  readonly #device: GPUDevice;
  readonly #pool: BufferPool;
  readonly #stats: DeviceStats;
  /** Throws when the device is lost or has reported an error (the backend's check), before anything is recorded. */
  readonly #check: () => void;
  readonly #pipelines = new Map<string, Pipeline>();
  readonly #params = new Uint32Array(PARAMS_BYTES / 4);
  readonly #paramsBuffer: GPUBuffer;
  #paramsUsed = 0;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #batched = 0;
  /** Buffers the recorded work uses: writing one from the host must wait for that work. */
  readonly #used = new Set<GPUBuffer>();
  /** Reused buffers handed out uncleared: cleared before their first use unless it overwrites them. */
  readonly #unzeroed = new Set<GPUBuffer>();

  /** A batch recording on `device`, counting into `stats`, returning buffers to `pool` when submitted. */
  constructor(device: GPUDevice, pool: BufferPool, stats: DeviceStats, check: () => void) {
    this.#device = device;
    this.#pool = pool;
    this.#stats = stats;
    this.#check = check;
    this.#paramsBuffer = device.createBuffer({
      size: PARAMS_BYTES,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
  }

  /** Submits what is recorded and destroys the parameter arena. */
  destroy(): void {
    this.flush();
    this.#paramsBuffer.destroy();
  }

  /** Notes that `buffer`, handed out from the pool, still holds old contents that must be cleared before use. */
  handedOutUncleared(buffer: GPUBuffer): void {
    this.#unzeroed.add(buffer);
  }

  /** Notes that `buffer` is about to be written whole, so it needs no clearing (or has left use: freed). */
  overwritten(buffer: GPUBuffer): void {
    this.#unzeroed.delete(buffer);
  }

  /** Whether recorded work not yet submitted uses `buffer`. */
  uses(buffer: GPUBuffer): boolean {
    return this.#used.has(buffer);
  }

  /** The command encoder being recorded into (a new one submits itself when the synchronous burst ends). */
  encoder(): GPUCommandEncoder {
    if (this.#encoder === null) {
      this.#encoder = this.#device.createCommandEncoder();
      queueMicrotask(() => this.flush());
    }
    return this.#encoder;
  }

  /** Records clears of those of `buffers` that were handed out without clearing. */
  zero(buffers: readonly GPUBuffer[]): void {
    for (const buffer of buffers) {
      if (!this.#unzeroed.delete(buffer)) continue;
      this.endPass();
      this.encoder().clearBuffer(buffer);
      this.#used.add(buffer);
    }
  }

  /** Ends the compute pass being recorded, so that a copy or clear can follow it. */
  endPass(): void {
    this.#pass?.end();
    this.#pass = null;
  }

  /** Submits everything recorded so far, with the parameters of its dispatches. */
  flush(): void {
    if (this.#encoder === null) return;
    this.endPass();
    if (this.#paramsUsed > 0) {
      this.#device.queue.writeBuffer(this.#paramsBuffer, 0, this.#params, 0, this.#paramsUsed);
    }
    this.#device.queue.submit([this.#encoder.finish()]);
    this.#stats.submits++;
    this.#encoder = null;
    this.#paramsUsed = 0;
    this.#batched = 0;
    this.#used.clear();
    this.#pool.submitted();
  }

  /**
   * The pipeline cached under `key`, compiled from `source()` on first use: binding 0 is the dispatch's
   * parameters, then one storage binding per entry of `bindings`.
   */
  pipeline(key: string, bindings: readonly Binding[], source: () => string): Pipeline {
    let cached = this.#pipelines.get(key);
    if (cached === undefined) {
      const layout = this.#device.createBindGroupLayout({
        entries: [
          { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: "read-only-storage" } },
          ...bindings.map(
            (b, i): GPUBindGroupLayoutEntry => ({
              binding: i + 1,
              visibility: GPUShaderStage.COMPUTE,
              buffer: { type: b.writable ? "storage" : "read-only-storage" },
            }),
          ),
        ],
      });
      const pipeline = this.#device.createComputePipeline({
        layout: this.#device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module: this.#device.createShaderModule({ code: source() }), entryPoint: "main" },
      });
      this.#stats.pipelines++;
      this.#pipelines.set(key, cached = { pipeline, layout });
    }
    return cached;
  }

  /**
   * Records one dispatch of `pipeline` with `params` over `buffers` (binding 1 onwards), of which `overwritten`
   * are written whole and not read (so need no clearing first).
   */
  dispatch(
    pipeline: Pipeline,
    params: readonly number[],
    buffers: readonly GPUBuffer[],
    groups: [number, number?, number?],
    overwritten: readonly GPUBuffer[] = [],
  ): void {
    this.#check();
    for (const b of overwritten) this.#unzeroed.delete(b);
    this.zero(buffers);
    const slot = Math.ceil((params.length * 4) / PARAMS_ALIGN) * PARAMS_ALIGN;
    if (this.#paramsUsed * 4 + slot > PARAMS_BYTES) this.flush();
    const offset = this.#paramsUsed * 4;
    for (let i = 0; i < params.length; i++) this.#params[this.#paramsUsed + i] = params[i];
    this.#paramsUsed += slot / 4;
    const bindGroup = this.#device.createBindGroup({
      layout: pipeline.layout,
      entries: [
        { binding: 0, resource: { buffer: this.#paramsBuffer, offset, size: slot } },
        ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
      ],
    });
    this.#pass ??= this.encoder().beginComputePass();
    this.#pass.setPipeline(pipeline.pipeline);
    this.#pass.setBindGroup(0, bindGroup);
    this.#pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    for (const b of buffers) this.#used.add(b);
    this.#stats.dispatches++;
    this.#counted();
  }

  /**
   * Records a copy of `bytes` bytes from `from` at byte `start` to `to` at byte `end` (a buffer-to-buffer copy,
   * not a dispatch); `whole` when it writes `to` whole.
   */
  copy(from: GPUBuffer, start: number, to: GPUBuffer, end: number, bytes: number, whole: boolean): void {
    this.#check();
    if (whole) this.#unzeroed.delete(to);
    this.zero([from, to]);
    this.endPass();
    this.encoder().copyBufferToBuffer(from, start, to, end, bytes);
    this.#used.add(from).add(to);
    this.#counted();
  }

  /** Counts one more recorded command, submitting at {@link MAX_BATCH}. */
  #counted(): void {
    if (++this.#batched >= MAX_BATCH) this.flush();
  }
}
