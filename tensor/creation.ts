/**
 * Creating tensors: from data, filled, ranges and random.
 *
 * @module
 */
import type { Device } from "../backends/device.ts";
import { getDefaultDevice } from "../backends/device.ts";
import { type DType, dtypeOfArray, hostArray, isFloating, type TypedArray } from "./dtype.ts";
import { fromNested } from "./format.ts";
import { Storage } from "./memory.ts";
import { defaultGenerator, type Generator } from "./random.ts";
import { numel } from "./shape.ts";
import { Tensor } from "./tensor.ts";
import { number, shown } from "./validation.ts";

/** Where and how a new tensor is made. */
export interface TensorOptions {
  /** The element type (default: float32 for JavaScript numbers, bool for booleans, a typed array's own kind). */
  dtype?: DType;
  /** The device (default: {@link getDefaultDevice}). */
  device?: Device;
  /** Whether autograd tracks the tensor as a leaf (floating-point dtypes only). */
  requiresGrad?: boolean;
}

/** Typed arrays {@link tensor} accepts: float arrays give float32 (float16 for Float16Array), integer arrays int32. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Float16Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray;

/** Options of {@link tensor}: a typed array's shape may be given. */
export interface DataOptions extends TensorOptions {
  /** The shape of a flat typed array's data (default: `[length]`). */
  shape?: readonly number[];
}

/** Options of the random creators. */
export interface RandomOptions extends TensorOptions {
  /** The random stream (default: the global one seeded by `manualSeed`). */
  generator?: Generator;
}

function checkShape(shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new TypeError(`Expected a shape of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** A tensor of `shape` holding `values` (converted to `dtype`). */
function fromValues(
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  options: TensorOptions,
): Tensor {
  const device = options.device ?? getDefaultDevice();
  const t = new Tensor(new Storage(device, numel(shape), dtype), shape);
  let host: TypedArray;
  if (ArrayBuffer.isView(values) && dtypeOfArray(values) === dtype) host = values as TypedArray;
  else {
    host = hostArray(dtype, values.length);
    if (dtype === "bool") { for (let i = 0; i < values.length; i++) host[i] = values[i] !== 0 ? 1 : 0; }
    else for (let i = 0; i < values.length; i++) host[i] = values[i];
  }
  if (host.length > 0) device.backend.write(t.storage.buffer, host);
  return options.requiresGrad ? t.requiresGrad_(true) : t;
}

/**
 * A tensor from a number, nested arrays, or a typed array with an optional `shape`.
 *
 * JavaScript numbers give float32 unless `dtype` says otherwise: JavaScript has no float literal (`1.0` is `1`),
 * so `tensor([1, 2, 3])` is PyTorch's `torch.tensor([1., 2., 3.])` and can require gradients. Booleans give
 * bool. A typed array keeps its kind: an `Int32Array` (or any integer array) gives int32, a `Float16Array`
 * float16, a `Float32Array` or `Float64Array` float32. Class labels and indices are therefore made with
 * `{ dtype: "int32" }` or from an `Int32Array`.
 *
 * @example
 * ```ts
 * import { tensor } from "@gradstep/gradstep";
 * const a = tensor([[1, 2], [3, 4]]); // float32, shape [2, 2]
 * const w = tensor([1, 2, 3], { requiresGrad: true }); // float32, a leaf autograd tracks
 * const b = tensor(new Float32Array(6), { shape: [2, 3] });
 * const labels = tensor([3, 1, 4], { dtype: "int32" }); // int32
 * const indices = tensor(new Int32Array([0, 2])); // int32, as the typed array is
 * ```
 */
export function tensor(
  data: number | boolean | readonly unknown[] | NumericArray,
  options: DataOptions = {},
): Tensor {
  if (ArrayBuffer.isView(data)) {
    const shape = options.shape ?? [data.length];
    checkShape(shape);
    if (numel(shape) !== data.length) {
      throw new Error(
        `tensor(): shape [${shape}] needs ${numel(shape)} elements, but the data has ${data.length}`,
      );
    }
    const dtype = options.dtype ??
      (data instanceof Float32Array || data instanceof Float64Array
        ? "float32"
        : data instanceof Float16Array
        ? "float16"
        : "int32");
    return fromValues(data, shape, dtype, options);
  }
  if (options.shape !== undefined) throw new Error("tensor(): the shape option is for typed-array data only");
  const { shape, values, allBooleans } = fromNested(data);
  return fromValues(values, shape, options.dtype ?? (allBooleans ? "bool" : "float32"), options);
}

/**
 * A tensor of `shape` filled with `value`: float32 for a number (JavaScript cannot tell `1` from `1.0`, so
 * unlike PyTorch's `full` an integer value does not give an integer tensor), bool for a boolean, unless `dtype`
 * is given.
 *
 * @example
 * ```ts
 * import { full } from "@gradstep/gradstep";
 * const t = full([2, 3], 0.5); // float32
 * const n = full([2], 7, { dtype: "int32" }); // int32
 * const mask = full([2, 2], true); // bool
 * ```
 */
export function full(shape: readonly number[], value: number | boolean, options: TensorOptions = {}): Tensor {
  checkShape(shape);
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new TypeError(`full(): fill_value must be a number or a boolean, got ${shown(value)}`);
  }
  const dtype = options.dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  const values = hostArray(dtype, numel(shape)).fill(Number(value));
  return fromValues(values, shape, dtype, options);
}

/**
 * A float32 (or `dtype`) tensor of zeros.
 *
 * @example
 * ```ts
 * import { zeros } from "@gradstep/gradstep";
 * const z = zeros([2, 3]);
 * ```
 */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 0, { ...options, dtype: options.dtype ?? "float32" });
}

/**
 * A float32 (or `dtype`) tensor of ones.
 *
 * @example
 * ```ts
 * import { ones } from "@gradstep/gradstep";
 * const o = ones([4]);
 * ```
 */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 1, { ...options, dtype: options.dtype ?? "float32" });
}

/**
 * Zeros with `t`'s shape, dtype and device (each overridable).
 *
 * @example
 * ```ts
 * import { randn, zerosLike } from "@gradstep/gradstep";
 * const m = zerosLike(randn([3, 3]));
 * ```
 */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, device: t.device, ...options });
}

/**
 * Ones with `t`'s shape, dtype and device (each overridable).
 *
 * @example
 * ```ts
 * import { onesLike, randn } from "@gradstep/gradstep";
 * const o = onesLike(randn([3]));
 * ```
 */
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, device: t.device, ...options });
}

/**
 * `start, start + step, …` up to but excluding `end`, as PyTorch's `arange`: `arange(end)` or
 * `arange(start, end, step?)`. Integer arguments give int32 (PyTorch's `arange` of integers is integral), any
 * fractional argument float32, unless `dtype` is given.
 *
 * @example
 * ```ts
 * import { arange } from "@gradstep/gradstep";
 * arange(5); // int32 [0, 1, 2, 3, 4]
 * arange(0, 1, 0.25); // float32 [0, 0.25, 0.5, 0.75]
 * arange(0, 3, 1, { dtype: "float32" }); // float32 [0, 1, 2]
 * ```
 */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  number("start", start);
  number("end", end);
  number("step", step);
  if (step === 0) throw new RangeError("arange(): step must be nonzero");
  if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step)) {
    throw new RangeError(`arange(): unsupported range: ${start} -> ${end} with step ${step}`);
  }
  if ((end - start) * step < 0) {
    throw new RangeError(
      `arange(): upper bound and larger bound inconsistent with step sign: ${start} -> ${end} step ${step}`,
    );
  }
  const count = Math.ceil((end - start) / step);
  const dtype = options.dtype ?? ([start, end, step].every(Number.isInteger) ? "int32" : "float32");
  const values = hostArray(dtype, count);
  for (let i = 0; i < count; i++) values[i] = start + i * step;
  return fromValues(values, [count], dtype, options);
}

function randomTensor(shape: readonly number[], options: RandomOptions, kind: "uniform" | "normal"): Tensor {
  checkShape(shape);
  const dtype = options.dtype ?? "float32";
  if (!isFloating(dtype)) {
    throw new TypeError(
      `${kind === "uniform" ? "rand" : "randn"}() needs a floating-point dtype, got ${dtype}`,
    );
  }
  const generator = options.generator ?? defaultGenerator;
  return fromValues(generator[kind](numel(shape)), shape, dtype, options);
}

/**
 * Uniform random numbers in [0, 1) from the default (or given) generator.
 *
 * @example
 * ```ts
 * import { manualSeed, rand } from "@gradstep/gradstep";
 * manualSeed(0);
 * const u = rand([2, 2]);
 * ```
 */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return randomTensor(shape, options, "uniform");
}

/**
 * Standard normal random numbers from the default (or given) generator.
 *
 * @example
 * ```ts
 * import { randn } from "@gradstep/gradstep";
 * const x = randn([64, 784]);
 * ```
 */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return randomTensor(shape, options, "normal");
}
