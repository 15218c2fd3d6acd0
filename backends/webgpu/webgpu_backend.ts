/**
 * The WebGPU backend: memory (pooled buffers), the primitives as WGSL compute shaders recorded through a
 * {@link CommandBatch} (command_batch.ts: many dispatches per submission, pipelines cached by kernel and layout),
 * contiguous copies as buffer-to-buffer copies, the device-side index checks settled by the next read, and the
 * device's loss and errors turned into Errors. Device memory is read only by `read`.
 *
 * @module
 */
import { bytesPerElement, type DType, type TypedArray } from "../../tensor/dtype.ts";
import {
  type Backend,
  type DeviceBuffer,
  type DeviceStats,
  type IndexBounds,
  type ReduceOp,
  type View,
  zeroStats,
} from "../backend.ts";
import { dtypeCode, type Kernel } from "../kernel_ir.ts";
import { collapse } from "../layout.ts";
import { BufferPool, bytesFor, GpuBuffer } from "./buffers.ts";
import { CommandBatch } from "./command_batch.ts";
import {
  type Binding,
  chooseWalk,
  elementwiseGroups,
  elementwiseLayout,
  elementwiseShader,
  MAX_GROUPS,
  walkKey,
  WORKGROUP,
} from "./elementwise_shader.ts";
import { checkParams, checkShader, gatherShader, indexLayout, scatterAddShader } from "./index_shaders.ts";
import { type MatmulFamily, planMatmul } from "./matmul_plan.ts";
import { matmulShader, variantKey } from "./matmul_shader.ts";
import { matmulStagedShader } from "./matmul_staged_shader.ts";
import { accumulatorType, reduceLayout, reduceShader } from "./reduce_shader.ts";
import { gpuBytesPerElement, scalarBits } from "./wgsl.ts";

/** The error record of the index checks: [id of the first failed check, its value], two int32. */
const RECORD_BYTES = 8;

/** Whether `kernel` copies its one input to its one output unchanged. */
function isCopy(kernel: Kernel): boolean {
  const [out] = kernel.outputs;
  return kernel.inputs.length === 1 && kernel.outputs.length === 1 && out.kind === "input" &&
    out.dtype === kernel.inputs[0];
}

function gpuOf(buffer: DeviceBuffer): GpuBuffer {
  if (!(buffer instanceof GpuBuffer)) {
    throw new Error("Expected a WebGPU buffer, got a buffer of another device");
  }
  return buffer;
}

/**
 * The WebGPU implementation of {@link Backend}. Create it through `device("webgpu")`.
 *
 * @example
 * ```ts
 * import { device, tensor } from "@gradstep/gradstep";
 * const gpu = await device("webgpu");
 * const y = tensor([1, 2, 3], { device: gpu }).mul(2);
 * console.log(await y.data()); // Int32Array [2, 4, 6]
 * ```
 */
export class WebGpuBackend implements Backend {
  /** Work counters since creation (see {@link DeviceStats}). */
  readonly stats: DeviceStats = zeroStats();
  readonly #device: GPUDevice;
  readonly #pool: BufferPool;
  readonly #batch: CommandBatch;
  #lost: GPUDeviceLostInfo | null = null;
  #error: GPUError | null = null;
  /**
   * Index checks recorded and not yet settled by a read, by id (ids grow from 1), each with its Error's maker; and
   * the device's error record [id of the first failed check or 0, its value], made at the first check.
   */
  readonly #checks = new Map<number, (value: number) => Error>();
  #nextCheck = 1;
  #checkRecord: GPUBuffer | null = null;
  readonly #matmul: MatmulFamily;

  /**
   * Wraps a device obtained from an adapter. `matmul` picks the matrix product's shaders: `"staged"` (tiles in
   * workgroup memory, the default, for GPUs) or `"direct"` (operands read straight from storage, which
   * `openDevice` picks on a software adapter such as Mesa's llvmpipe, where it is faster).
   */
  constructor(device: GPUDevice, { matmul = "staged" }: { matmul?: MatmulFamily } = {}) {
    this.#device = device;
    this.#matmul = matmul;
    this.#pool = new BufferPool(device);
    this.#batch = new CommandBatch(device, this.#pool, this.stats, () => this.#check());
    device.lost.then((info) => (this.#lost = info));
    device.addEventListener("uncapturederror", (event) => {
      this.#error ??= (event as GPUUncapturedErrorEvent).error;
    });
  }

  /** The underlying GPUDevice. */
  get gpu(): GPUDevice {
    return this.#device;
  }

  /**
   * Closes the device: submits what is recorded, then destroys the pooled buffers, the backend's own and the
   * GPUDevice (which frees the buffers of live tensors too). The backend's tensors are gone afterwards: a read
   * rejects as on a lost device. `device("webgpu")` does it when the process exits, so that the driver's threads
   * stop before the process tears down its memory.
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * import { WebGpuBackend } from "@gradstep/gradstep/backends";
   * const gpu = await device("webgpu");
   * if (gpu.backend instanceof WebGpuBackend) gpu.backend.destroy(); // the next device("webgpu") opens a new one
   * ```
   */
  destroy(): void {
    this.#batch.destroy();
    this.#pool.destroy();
    this.#checkRecord?.destroy();
    this.#checkRecord = null;
    this.#checks.clear();
    this.#device.destroy();
  }

  /** Throws a clear Error if the device was lost or reported an error since the last check. */
  #check(): void {
    if (this.#lost !== null) {
      throw new Error(
        `The WebGPU device was lost (${this.#lost.reason}): ${this.#lost.message || "no message"}. ` +
          'Its tensors are gone; get a new device with device("webgpu") and recreate them (or resume from a checkpoint)',
      );
    }
    if (this.#error !== null) {
      const error = this.#error;
      this.#error = null;
      throw new Error(`WebGPU reported an error: ${error.message}`);
    }
  }

  // ---- memory ---------------------------------------------------------------------------------------------------

  /**
   * Allocates `length` elements of `dtype` (from the pool when it has a buffer of the size class), zeroed unless
   * `zeroed` is false. A reused buffer is cleared only before its first use, and not when that use writes it whole.
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const buffer = backend.alloc(4, "float32"); // four zeros
   * ```
   */
  alloc(length: number, dtype: DType, zeroed = true): DeviceBuffer {
    this.#check();
    if (dtype === "float16" && !this.#device.features.has("shader-f16")) {
      throw new TypeError(
        "float16 tensors on WebGPU need the adapter's shader-f16 feature, which this adapter does not offer " +
          "(Mesa's lavapipe has it; its GL llvmpipe does not): use float32",
      );
    }
    const bytes = bytesFor(length, dtype);
    const limit = this.#device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new RangeError(
        `A tensor of ${length} ${dtype} elements needs ${bytes} bytes, more than this adapter's maxStorageBufferBindingSize (${limit})`,
      );
    }
    const { buffer, fresh } = this.#pool.take(bytes);
    this.stats.allocations++;
    this.stats.bytesAllocated += length * bytesPerElement(dtype);
    if (!fresh && zeroed) this.#batch.handedOutUncleared(buffer);
    return new GpuBuffer(dtype, length, buffer, buffer.size);
  }

  /**
   * Copies `data` into the buffer from element `offset` on (after any queued work that uses the buffer).
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const buffer = backend.alloc(4, "float32");
   * backend.write(buffer, new Float32Array([1, 2]), 2); // [0, 0, 1, 2]
   * ```
   */
  write(buffer: DeviceBuffer, data: TypedArray, offset = 0): void {
    this.#check();
    this.stats.writes++;
    const gpu = gpuOf(buffer);
    if (offset === 0 && data.length >= gpu.length) this.#batch.overwritten(gpu.gpu);
    this.#batch.zero([gpu.gpu]);
    if (this.#batch.uses(gpu.gpu)) this.flush();
    const bytes: Uint8Array<ArrayBuffer> = gpu.dtype === "bool"
      ? new Uint8Array(Uint32Array.from(data as Uint8Array).buffer)
      : new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    const start = offset * gpuBytesPerElement(gpu.dtype);
    if (start % 4 !== 0 || (bytes.byteLength % 4 !== 0 && start + bytes.byteLength < gpu.length * 2)) {
      throw new RangeError("WebGPU writes of float16 data must start and end on 4-byte boundaries");
    }
    const padded = bytes.byteLength % 4 === 0 ? bytes : (() => {
      const p = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
      p.set(bytes);
      return p;
    })();
    this.#device.queue.writeBuffer(gpu.gpu, start, padded);
  }

  /**
   * Resolves to `length` elements from `offset`, after everything queued has run.
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const x = backend.alloc(6, "float32");
   * backend.write(x, new Float32Array([1, 2, 3, 4, 5, 6]));
   * const tail = await backend.read(x, 4); // Float32Array [5, 6]
   * ```
   */
  async read(buffer: DeviceBuffer, offset = 0, count?: number): Promise<TypedArray> {
    const length = count ?? buffer.length - offset;
    this.#check();
    const gpu = gpuOf(buffer);
    const size = gpuBytesPerElement(gpu.dtype);
    const start = Math.floor((offset * size) / 4) * 4;
    const end = Math.max(start + 4, Math.ceil(((offset + length) * size) / 4) * 4);
    // Index checks still unsettled ride on this read: the error record is copied after the data, in one mapping.
    const settles = this.#checkRecord !== null && this.#checks.size > 0 ? this.#nextCheck - 1 : 0;
    const staging = this.#device.createBuffer({
      size: end - start + (settles > 0 ? RECORD_BYTES : 0),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.#batch.zero([gpu.gpu]);
    this.#batch.endPass();
    const encoder = this.#batch.encoder();
    encoder.copyBufferToBuffer(gpu.gpu, start, staging, 0, end - start);
    if (settles > 0) encoder.copyBufferToBuffer(this.#checkRecord!, 0, staging, end - start, RECORD_BYTES);
    this.flush();
    this.stats.readbacks++;
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (error) {
      this.#check();
      throw new Error(`Reading a WebGPU buffer failed: ${(error as Error).message}`);
    }
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    this.#check();
    if (settles > 0) this.#settle(new Int32Array(bytes, end - start, 2), settles);
    const skip = offset * size - start;
    switch (gpu.dtype) {
      case "float32":
        return new Float32Array(bytes, skip, length);
      case "float16":
        return new Float16Array(bytes, skip, length);
      case "int32":
        return new Int32Array(bytes, skip, length);
      case "bool":
        return Uint8Array.from(new Uint32Array(bytes, skip, length));
    }
  }

  /**
   * Settles the index checks up to id `upTo` from the error record a read brought back: throws the failed one's
   * Error (once, if another read has not already), after clearing the record for the checks that follow.
   */
  #settle(record: Int32Array, upTo: number): void {
    const [failed, value] = record;
    const fail = this.#checks.get(failed);
    for (const id of this.#checks.keys()) {
      if (id > upTo) break;
      this.#checks.delete(id);
    }
    // Undefined too when a read in flight beside this one has reported the failure (and cleared the record).
    if (fail === undefined) return;
    // Queued after the work already submitted and before any recorded later, so later checks start afresh.
    this.#device.queue.writeBuffer(this.#checkRecord!, 0, new Int32Array(2));
    throw fail(value);
  }

  /**
   * Returns the buffer to the pool (reusable by work recorded after this).
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const buffer = backend.alloc(4, "float32");
   * backend.free(buffer); // not to be used again
   * ```
   */
  free(buffer: DeviceBuffer): void {
    const gpu = gpuOf(buffer).gpu;
    this.#batch.overwritten(gpu);
    this.#pool.release(gpu);
  }

  /**
   * Submits everything recorded so far.
   *
   * @example
   * ```ts
   * import { WebGpuBackend } from "@gradstep/gradstep/backends";
   * import { device, tensor } from "@gradstep/gradstep";
   * const gpu = await device("webgpu");
   * const y = tensor([1, 2, 3], { device: gpu }).mul(2); // recorded, not yet submitted
   * if (gpu.backend instanceof WebGpuBackend) gpu.backend.flush(); // submit now, not at the next read
   * ```
   */
  flush(): void {
    this.#batch.flush();
  }

  /** Distinct buffers of `views` and, per view, its binding; bindings written by any output are writable. */
  #bind(
    views: readonly View[],
    outputsFrom: number,
  ): { bindings: Binding[]; buffers: GPUBuffer[]; bindingOf: number[] } {
    const bindings: Binding[] = [];
    const buffers: GPUBuffer[] = [];
    const bindingOf = views.map((v, k) => {
      const gpu = gpuOf(v.buffer);
      let i = buffers.indexOf(gpu.gpu);
      if (i < 0) {
        i = buffers.push(gpu.gpu) - 1;
        bindings.push({ dtype: gpu.dtype, writable: false });
      }
      if (k >= outputsFrom) bindings[i] = { dtype: gpu.dtype, writable: true };
      return i;
    });
    return { bindings, buffers, bindingOf };
  }

  // ---- primitives ---------------------------------------------------------------------------------------------

  /**
   * Runs an elementwise kernel of the IR.
   *
   * @example
   * ```ts
   * import { defineKernel, mul } from "@gradstep/gradstep/backends";
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const double = defineKernel(["float32"], [], ([v]) => [mul(v, 2)]);
   * const x = backend.alloc(6, "float32");
   * backend.write(x, new Float32Array([1, 2, 3, 4, 5, 6]));
   * const y = backend.alloc(6, "float32", false);
   * const row = { offset: 0, strides: [1] };
   * backend.elementwise(double, [6], [{ buffer: x, ...row }], [{ buffer: y, ...row }], []);
   * const doubled = await backend.read(y); // Float32Array [2, 4, 6, 8, 10, 12]
   * ```
   */
  elementwise(
    kernel: Kernel,
    shape: readonly number[],
    inputs: readonly View[],
    outputs: readonly View[],
    scalars: readonly number[],
  ): void {
    if (shape.includes(0)) return;
    const views = [...inputs, ...outputs];
    const layout = collapse(shape, views.map((v) => v.strides));
    const n = layout.shape.reduce((a, b) => a * b, 1);
    const { bindings, buffers, bindingOf } = this.#bind(views, inputs.length);
    const walk = chooseWalk(layout, views.map((v) => v.offset));
    if (walk.kind === "contiguous" && isCopy(kernel) && walk.steps.every((s) => s === 1)) {
      if (this.#copy(inputs[0], outputs[0], n)) return;
    }
    const key = `ew|${kernel.key}|${walkKey(walk)}|${bindingOf}|${
      bindings.map((b) => `${dtypeCode(b.dtype)}${b.writable ? "w" : "r"}`)
    }`;
    const pipeline = this.#batch.pipeline(
      key,
      bindings,
      () => elementwiseShader(kernel, walk, bindings, bindingOf),
    );
    const rank = layout.shape.length;
    const at = elementwiseLayout(rank, views.length);
    const params = new Array<number>(at.scalar(scalars.length)).fill(0);
    params[0] = n;
    layout.shape.forEach((s, d) => (params[1 + d] = s));
    views.forEach((v, k) => {
      params[at.offset(k)] = v.offset;
      layout.strides[k].forEach((s, d) => (params[at.stride(k, d)] = s));
    });
    scalars.forEach((s, j) => (params[at.scalar(j)] = scalarBits(kernel.scalars[j], s) >>> 0));
    // Outputs written whole, at every element of their buffer, by a contiguous walk that reads nothing from them.
    const whole = outputs.flatMap((v, o) => {
      const k = inputs.length + o;
      const covered = walk.kind === "contiguous" && walk.steps[k] === 1 && v.offset === 0 &&
        n >= v.buffer.length;
      return covered && !bindingOf.slice(0, inputs.length).includes(bindingOf[k])
        ? [buffers[bindingOf[k]]]
        : [];
    });
    this.#batch.dispatch(pipeline, params, buffers, [elementwiseGroups(walk, n)], whole);
  }

  /**
   * Records a buffer-to-buffer copy of `n` elements from `source` to `target` (contiguous, of one dtype) when the
   * buffers differ and the bytes start and end on 4-byte boundaries; returns whether it did.
   */
  #copy(source: View, target: View, n: number): boolean {
    const [from, to] = [gpuOf(source.buffer), gpuOf(target.buffer)];
    const size = gpuBytesPerElement(from.dtype);
    const [start, end, bytes] = [source.offset * size, target.offset * size, n * size];
    if (from.gpu === to.gpu || (start | end | bytes) % 4 !== 0) return false;
    this.#batch.copy(from.gpu, start, to.gpu, end, bytes, target.offset === 0 && n >= to.length);
    return true;
  }

  /**
   * Reduces the trailing dimensions of `input` into `out`, in two passes when few outputs reduce many elements.
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const x = backend.alloc(6, "float32");
   * backend.write(x, new Float32Array([1, 2, 3, 4, 5, 6]));
   * const sums = backend.alloc(2, "float32");
   * backend.reduce("sum", { buffer: x, offset: 0, strides: [3, 1] }, [2, 3], 1, sums); // x as [2, 3], rows summed
   * const rowSums = await backend.read(sums); // Float32Array [6, 15]
   * ```
   */
  reduce(op: ReduceOp, input: View, shape: readonly number[], outRank: number, out: DeviceBuffer): void {
    const outer = collapse(shape.slice(0, outRank), [input.strides.slice(0, outRank)]);
    const red = collapse(shape.slice(outRank), [input.strides.slice(outRank)]);
    const outCount = shape.slice(0, outRank).reduce((a, b) => a * b, 1);
    const redCount = shape.slice(outRank).reduce((a, b) => a * b, 1);
    if (outCount === 0) return;
    const source = gpuOf(input.buffer);
    const target = gpuOf(out);
    const arg = op === "argmax" || op === "argmin";
    const chunks = !arg && outCount < 64 && redCount > 32768 ? Math.min(Math.ceil(redCount / 8192), 4096) : 1;
    const partial = chunks > 1 ? gpuOf(this.alloc(outCount * chunks, accumulatorType(source.dtype))) : target;
    const key = `red|${op}|${source.dtype}|${partial.dtype}|${outer.shape.length}|${red.shape.length}`;
    const bindings: Binding[] = [{ dtype: source.dtype, writable: false }, {
      dtype: partial.dtype,
      writable: true,
    }];
    const pipeline = this.#batch.pipeline(
      key,
      bindings,
      () => reduceShader(op, source.dtype, partial.dtype, outer.shape.length, red.shape.length),
    );
    const at = reduceLayout(outer.shape.length, red.shape.length);
    const units = outCount * chunks;
    const params = new Array<number>(at.redStride(red.shape.length)).fill(0);
    [params[0], params[1], params[2], params[3]] = [units, Math.ceil(redCount / chunks), chunks, redCount];
    outer.shape.forEach((s, d) => (params[at.outShape(d)] = s));
    red.shape.forEach((s, d) => (params[at.redShape(d)] = s));
    params[at.offset] = input.offset;
    outer.strides[0].forEach((s, d) => (params[at.outStride(d)] = s));
    red.strides[0].forEach((s, d) => (params[at.redStride(d)] = s));
    const groupsX = Math.min(units, MAX_GROUPS);
    this.#batch.dispatch(
      pipeline,
      params,
      [source.gpu, partial.gpu],
      [groupsX, Math.ceil(units / groupsX)],
      partial.length === units && partial.gpu !== source.gpu ? [partial.gpu] : [],
    );
    if (chunks > 1) {
      this.reduce(op, { buffer: partial, offset: 0, strides: [chunks, 1] }, [outCount, chunks], 1, out);
      this.free(partial);
    }
  }

  /**
   * Batched matrix product, register-tiled, operands read in place through their strides (matmul_plan.ts).
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const a = backend.alloc(4, "float32");
   * backend.write(a, new Float32Array([1, 2, 3, 4]));
   * const swap = backend.alloc(4, "float32");
   * backend.write(swap, new Float32Array([0, 1, 1, 0]));
   * const out = backend.alloc(4, "float32");
   * const matrix = { offset: 0, strides: [0, 2, 1] }; // [batch, rows, columns]
   * backend.matmul({ buffer: a, ...matrix }, { buffer: swap, ...matrix }, out, 1, 2, 2, 2);
   * const product = await backend.read(out); // Float32Array [2, 1, 4, 3]
   * ```
   */
  matmul(a: View, b: View, out: DeviceBuffer, batch: number, m: number, n: number, k: number): void {
    const [ga, gb, go] = [gpuOf(a.buffer), gpuOf(b.buffer), gpuOf(out)];
    if (go.dtype !== "float32" && go.dtype !== "float16") {
      throw new TypeError(`WebGPU matmul needs float tensors, got ${go.dtype}`);
    }
    if (batch === 0 || m === 0 || n === 0) return;
    const bindings: Binding[] = [{ dtype: ga.dtype, writable: false }, { dtype: gb.dtype, writable: false }, {
      dtype: go.dtype,
      writable: true,
    }];
    const variant = planMatmul(this.#matmul, a, b, go.dtype, batch, m, n, k);
    const shader = variant.slice === undefined ? matmulShader : matmulStagedShader;
    const pipeline = this.#batch.pipeline(variantKey(variant), bindings, () => shader(variant));
    for (let base = 0; base < batch; base += MAX_GROUPS) {
      const params = [
        m,
        n,
        k,
        base,
        a.offset,
        a.strides[0],
        a.strides[1],
        a.strides[2],
        b.offset,
        b.strides[0],
        b.strides[1],
        b.strides[2],
      ];
      this.#batch.dispatch(
        pipeline,
        params,
        [ga.gpu, gb.gpu, go.gpu],
        [
          Math.ceil(n / (variant.cols * variant.wx)),
          Math.ceil(m / (variant.rows * variant.wy)),
          Math.min(batch - base, MAX_GROUPS),
        ],
        go.length === batch * m * n && go.gpu !== ga.gpu && go.gpu !== gb.gpu ? [go.gpu] : [],
      );
    }
  }

  /** Params of the index shaders: count, shape, then offset and strides of each view. */
  #indexParams(
    shape: readonly number[],
    views: readonly View[],
  ): { rank: number; n: number; params: number[] } {
    const dims = shape.length === 0 ? [1] : shape;
    const rank = dims.length;
    const at = indexLayout(rank);
    const n = dims.reduce((a, b) => a * b, 1);
    const params = new Array<number>(at.offset(views.length)).fill(0);
    params[0] = n;
    dims.forEach((s, d) => (params[1 + d] = s));
    views.forEach((v, k) => {
      params[at.offset(k)] = v.offset;
      (shape.length === 0 ? [0] : v.strides).forEach((s, d) => (params[at.stride(k, d)] = s));
    });
    return { rank, n, params };
  }

  /**
   * Gathers along `dim`.
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const x = backend.alloc(6, "float32");
   * backend.write(x, new Float32Array([1, 2, 3, 4, 5, 6]));
   * const index = backend.alloc(2, "int32");
   * backend.write(index, new Int32Array([2, 0]));
   * const out = backend.alloc(2, "float32");
   * // x as [2, 3], one column per row: out[i][0] = x[i][index[i][0]]
   * backend.gather({ buffer: x, offset: 0, strides: [3, 1] }, { buffer: index, offset: 0, strides: [1, 1] }, 1, [2, 1], out);
   * const picked = await backend.read(out); // Float32Array [3, 4]
   * ```
   */
  gather(source: View, index: View, dim: number, shape: readonly number[], out: DeviceBuffer): void {
    const { rank, n, params } = this.#indexParams(shape, [source, index]);
    if (n === 0) return;
    const [gs, gi, go] = [gpuOf(source.buffer), gpuOf(index.buffer), gpuOf(out)];
    const bindings: Binding[] = [{ dtype: gs.dtype, writable: false }, { dtype: "int32", writable: false }, {
      dtype: go.dtype,
      writable: true,
    }];
    const pipeline = this.#batch.pipeline(
      `gather|${gs.dtype}|${rank}|${dim}`,
      bindings,
      () => gatherShader(gs.dtype, rank, shape.length === 0 ? 0 : dim),
    );
    this.#batch.dispatch(
      pipeline,
      params,
      [gs.gpu, gi.gpu, go.gpu],
      [Math.min(Math.ceil(n / WORKGROUP), MAX_GROUPS)],
      go.length === n && go.gpu !== gs.gpu && go.gpu !== gi.gpu ? [go.gpu] : [],
    );
  }

  /**
   * Scatter-adds along `dim` with atomics (float32 and int32 targets).
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const counts = backend.alloc(3, "float32");
   * const index = backend.alloc(4, "int32");
   * backend.write(index, new Int32Array([0, 2, 0, 1]));
   * const ones = backend.alloc(4, "float32");
   * backend.write(ones, new Float32Array([1, 1, 1, 1]));
   * const flat = { offset: 0, strides: [1] };
   * backend.scatterAdd({ buffer: counts, ...flat }, { buffer: index, ...flat }, { buffer: ones, ...flat }, 0, [4]);
   * const histogram = await backend.read(counts); // Float32Array [2, 1, 1]
   * ```
   */
  scatterAdd(target: View, index: View, values: View, dim: number, shape: readonly number[]): void {
    const { rank, n, params } = this.#indexParams(shape, [target, index, values]);
    if (n === 0) return;
    const [gt, gi, gv] = [gpuOf(target.buffer), gpuOf(index.buffer), gpuOf(values.buffer)];
    if (gt.dtype !== "float32" && gt.dtype !== "int32") {
      throw new TypeError(`scatterAdd on WebGPU needs a float32 or int32 target, got ${gt.dtype}`);
    }
    const dtype = gt.dtype;
    const bindings: Binding[] = [{ dtype, writable: true }, { dtype: "int32", writable: false }, {
      dtype,
      writable: false,
    }];
    const pipeline = this.#batch.pipeline(
      `scatter|${dtype}|${rank}|${dim}`,
      bindings,
      () => scatterAddShader(dtype, rank, shape.length === 0 ? 0 : dim),
    );
    this.#batch.dispatch(pipeline, params, [gt.gpu, gi.gpu, gv.gpu], [
      Math.min(Math.ceil(n / WORKGROUP), MAX_GROUPS),
    ]);
  }

  /**
   * Checks indices on the device: one workgroup finds the first outside `bounds` and records it, unless an
   * earlier check has; the next `read` rejects with `fail(value)`.
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * const { backend } = await device("webgpu");
   * const index = backend.alloc(3, "int32");
   * backend.write(index, new Int32Array([0, 7, 1]));
   * const view = { buffer: index, offset: 0, strides: [1] };
   * backend.checkIndices(view, [3], { size: 5 }, (v) => new RangeError(`index ${v} is out of range`));
   * await backend.read(index).catch((error) => console.log(error.message)); // "index 7 is out of range"
   * ```
   */
  checkIndices(
    index: View,
    shape: readonly number[],
    bounds: IndexBounds,
    fail: (value: number) => Error,
  ): void {
    const { rank, n, params } = this.#indexParams(shape, [index]);
    if (n === 0) return;
    const at = checkParams(rank);
    const id = this.#nextCheck++;
    params[at.size] = bounds.size;
    params[at.hasIgnore] = bounds.ignore === undefined ? 0 : 1;
    params[at.ignore] = bounds.ignore ?? 0;
    params[at.id] = id;
    this.#checkRecord ??= this.#device.createBuffer({
      size: RECORD_BYTES,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const bindings: Binding[] = [{ dtype: "int32", writable: false }, { dtype: "int32", writable: true }];
    const pipeline = this.#batch.pipeline(`check|${rank}`, bindings, () => checkShader(rank));
    this.#checks.set(id, fail);
    this.#batch.dispatch(pipeline, params, [gpuOf(index.buffer).gpu, this.#checkRecord], [1]);
  }
}
