/**
 * The Tensor: a strided view of device memory with autograd bookkeeping. Its methods are thin: each delegates to
 * the file that holds that concept (elementwise, reduce, shape, matmul, indexing, in-place).
 *
 * @module
 */
import type { View } from "../backends/backend.ts";
import type { Device } from "../backends/device.ts";
import { backward } from "../autograd/backward.ts";
import type { Node } from "../autograd/node.ts";
import { type DType, isFloating, type TypedArray } from "./dtype.ts";
import * as ew from "./elementwise.ts";
import * as inplace from "./inplace.ts";
import * as idx from "./indexing.ts";
import { matmul } from "./matmul.ts";
import { type Storage, track, untrack } from "./memory.ts";
import * as red from "./reduce.ts";
import * as sh from "./shape.ts";
import * as special from "./special.ts";
import { maskedFill } from "./masked_fill.ts";
import { repeat } from "./repeat.ts";
import { multinomial, type MultinomialOptions } from "./sampling.ts";
import { cumsum } from "./scan.ts";
import { chunk, split } from "./split.ts";
import { std, variance, type VarOptions } from "./statistics.ts";
import { topk, type TopkOptions } from "./topk.ts";
import { tril, triu } from "./triangular.ts";
import { toNested } from "./format.ts";
import { autocastArgs } from "./autocast_policy.ts";

/** A dimension argument of a reduction: one dimension, several, or all when omitted. */
export type Dims = number | readonly number[];

/**
 * An n-dimensional array on a device, with PyTorch's autograd semantics.
 *
 * Create tensors with {@link tensor}, {@link zeros}, {@link randn} and friends rather than this constructor.
 *
 * @example
 * ```ts
 * import { tensor } from "@gradstep/gradstep";
 * const w = tensor([[1, 2], [3, 4]], { dtype: "float32", requiresGrad: true });
 * const loss = w.mul(w).sum();
 * loss.backward();
 * console.log(await w.grad!.toArray()); // [[2, 4], [6, 8]]
 * ```
 */
export class Tensor {
  #storage: Storage;
  #shape: readonly number[];
  #strides: readonly number[];
  #offset: number;
  #requiresGrad = false;
  #grad: Tensor | null = null;
  #gradFn: Node | null = null;
  #retainsGrad = false;
  #disposed = false;

  /** Wraps `storage` as a tensor of `shape` with the given strides and element offset; takes a reference on it. */
  constructor(storage: Storage, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.#storage = storage;
    this.#shape = Object.freeze([...shape]);
    this.#strides = Object.freeze([...(strides ?? sh.contiguousStrides(shape))]);
    this.#offset = offset;
    track(this, storage);
  }

  /** The size of each dimension. */
  get shape(): readonly number[] {
    return this.#shape;
  }
  /** Elements to step in storage per index of each dimension. */
  get strides(): readonly number[] {
    return this.#strides;
  }
  /** Position of element (0, …, 0) in the storage. */
  get offset(): number {
    return this.#offset;
  }
  /** The element type. */
  get dtype(): DType {
    return this.#storage.dtype;
  }
  /** The device the tensor lives on. */
  get device(): Device {
    return this.#storage.device;
  }
  /** The memory behind the tensor, shared with its views. Throws once the tensor is disposed. */
  get storage(): Storage {
    if (this.#disposed) throw new Error("This tensor was disposed and can no longer be used");
    return this.#storage;
  }
  /** The tensor as a backend operand: its buffer, offset and strides. */
  get strided(): View {
    return { buffer: this.storage.buffer, offset: this.#offset, strides: this.#strides };
  }
  /** The number of elements. */
  get numel(): number {
    return sh.numel(this.#shape);
  }
  /** The number of dimensions. */
  get ndim(): number {
    return this.#shape.length;
  }
  /** Whether the tensor was disposed. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  // ---- autograd -------------------------------------------------------------------------------------------------

  /** Whether gradients are computed for this tensor. Only leaves can change it. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  /** The accumulated gradient of a leaf (or of a tensor that called {@link retainGrad}), else null. */
  get grad(): Tensor | null {
    return this.#grad;
  }
  set grad(value: Tensor | null) {
    if (value !== null) {
      if (!(value instanceof Tensor)) {
        throw new TypeError(`assigned grad expected to be a Tensor or null, got ${typeof value}`);
      }
      if (value.dtype !== this.dtype) {
        throw new TypeError(
          `assigned grad has data of a different type: ${value.dtype}, expected ${this.dtype}`,
        );
      }
      if (value.device !== this.device) {
        throw new Error(
          `assigned grad has data located on a different device: ${value.device}, expected ${this.device}`,
        );
      }
      if (!sh.sameShape(value.shape, this.#shape)) {
        throw new Error(
          `assigned grad has data of a different size: [${value.shape}], expected [${this.#shape}]`,
        );
      }
    }
    this.#grad = value;
  }
  /** The node that produced this tensor, or null for a leaf. */
  get gradFn(): Node | null {
    return this.#gradFn;
  }
  /** True for tensors not produced by a recorded op (user-created tensors and parameters). */
  get isLeaf(): boolean {
    return this.#gradFn === null;
  }
  /** Whether a non-leaf keeps its `.grad` after backward (see {@link retainGrad}). */
  get retainsGrad(): boolean {
    return this.#retainsGrad;
  }

  /**
   * Sets whether this leaf requires gradients; returns this.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const w = tensor([1.5, 2]).requiresGrad_();
   * w.mul(w).sum().backward(); // w.grad: [3, 4]
   * ```
   */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) {
      throw new Error(
        "You can only change requiresGrad flags of leaf variables. To use a computed tensor as a leaf, call .detach() first",
      );
    }
    if (flag && !isFloating(this.dtype)) {
      throw new TypeError(`Only tensors of floating point dtype can require gradients, got ${this.dtype}`);
    }
    this.#requiresGrad = flag;
    return this;
  }

  /**
   * Keeps `.grad` on this non-leaf after backward, as PyTorch's `retain_grad()`.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1.5, 2], { requiresGrad: true });
   * const y = x.mul(2);
   * y.retainGrad();
   * y.sum().backward(); // y.grad: [1, 1]
   * ```
   */
  retainGrad(): void {
    if (!this.#requiresGrad) throw new Error("can't retain grad on a tensor that doesn't require grad");
    if (!this.isLeaf) this.#retainsGrad = true;
  }

  /**
   * Connects this op output to the node that produced it (used by the tape).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * // The tape calls it on every recorded output; an op's result already has its node:
   * const y = tensor([1.5], { requiresGrad: true }).exp();
   * console.log(y.gradFn !== null, y.isLeaf); // true false
   * ```
   */
  attachGradFn(node: Node): void {
    this.#gradFn = node;
    this.#requiresGrad = true;
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad, accumulating into their
   * `.grad`. `gradient` is required unless the tensor has one element.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1.5, 2], { requiresGrad: true });
   * x.mul(x).sum().backward(); // x.grad: [3, 4]
   * const y = x.mul(3);
   * y.backward(tensor([1, 0.5])); // a non-scalar needs its gradient: x.grad += [3, 1.5]
   * ```
   */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    backward(this, gradient, options.retainGraph ?? false);
  }

  /**
   * A tensor sharing this one's storage but cut from the graph.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1.5, 2], { requiresGrad: true });
   * const frozen = x.mul(2).detach(); // requiresGrad false: no gradient flows through it
   * ```
   */
  detach(): Tensor {
    return new Tensor(this.storage, this.#shape, this.#strides, this.#offset);
  }

  // ---- reading values -------------------------------------------------------------------------------------------

  /**
   * Resolves to a contiguous host copy of the elements.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const values = await tensor([[1.5, 2], [3, 4]]).data(); // Float32Array [1.5, 2, 3, 4]
   * ```
   */
  async data(): Promise<TypedArray> {
    const c = this.#contiguous();
    return await this.device.backend.read(c.storage.buffer, c.offset, this.numel);
  }
  /**
   * The elements synchronously; only for CPU tensors.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const values = tensor([1, 2, 3]).dataSync(); // Float32Array [1, 2, 3]
   * ```
   */
  dataSync(): TypedArray {
    const readSync = this.device.backend.readSync;
    if (readSync === undefined) {
      throw new Error(
        `dataSync() works on CPU tensors only; this tensor is on ${this.device}. Use await t.data()`,
      );
    }
    const c = this.#contiguous();
    return readSync.call(this.device.backend, c.storage.buffer, c.offset, this.numel);
  }
  /**
   * Resolves to the value of a one-element tensor.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const loss = await tensor([1.5, 2.5]).mean().item(); // 2
   * ```
   */
  async item(): Promise<number> {
    if (this.numel !== 1) {
      throw new Error(
        `a Tensor with ${this.numel} elements cannot be converted to a number; item() needs exactly one`,
      );
    }
    return (await this.data())[0];
  }
  /** Resolves to the elements as nested arrays (a number for a 0-d tensor). */
  async toArray(): Promise<number | unknown[]> {
    return toNested(await this.data(), this.#shape);
  }
  #contiguous(): { storage: Storage; offset: number } {
    if (sh.isContiguous(this)) return { storage: this.storage, offset: this.#offset };
    return { storage: sh.contiguous(this.detach()).storage, offset: 0 };
  }

  // ---- devices, dtypes, memory ------------------------------------------------------------------------------------

  /**
   * A copy converted to `dtype` (recorded by autograd).
   *
   * @example
   * ```ts
   * import { device, tensor } from "@gradstep/gradstep";
   * const half = tensor([1.5, 2]).to("float16");
   * const there = await tensor([1.5, 2]).to(await device("auto"));
   * ```
   */
  to(dtype: DType): Tensor;
  /** Resolves to a copy on `device` (this tensor itself when already there). */
  to(device: Device): Promise<Tensor>;
  to(target: DType | Device): Tensor | Promise<Tensor> {
    return typeof target === "string" ? ew.cast(this, target) : sh.toDevice(this, target);
  }
  /**
   * A float32 copy (or this tensor when already float32).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1, 2], { dtype: "int32" }).float(); // float32 [1, 2]
   * ```
   */
  float(): Tensor {
    return ew.cast(this, "float32");
  }
  /**
   * A float16 copy (or this tensor when already float16).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1.5, 2]).half(); // float16
   * ```
   */
  half(): Tensor {
    return ew.cast(this, "float16");
  }
  /**
   * An int32 copy, truncating toward zero (or this tensor when already int32).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1.7, -1.7]).int(); // int32 [1, -1]
   * ```
   */
  int(): Tensor {
    return ew.cast(this, "int32");
  }
  /**
   * A bool copy, true where non-zero (or this tensor when already bool).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([0, 2.5]).bool(); // [false, true]
   * ```
   */
  bool(): Tensor {
    return ew.cast(this, "bool");
  }

  /**
   * Replaces this tensor's contents with `other`'s (shares its storage), keeping this object and its autograd
   * identity, as PyTorch's `t.data = other`. Used to move parameters between devices in place.
   *
   * @example
   * ```ts
   * import { device, tensor } from "@gradstep/gradstep";
   * const p = tensor([1.5, 2], { requiresGrad: true });
   * p.setData(tensor([3.5, 4])); // the same parameter object, new contents
   * ```
   */
  setData(other: Tensor): void {
    if (!sh.sameShape(other.shape, this.#shape) || other.dtype !== this.dtype) {
      throw new Error(
        `setData() needs a tensor of shape [${this.#shape}] and dtype ${this.dtype}, got [${other.shape}] ${other.dtype}`,
      );
    }
    const next = other.storage;
    untrack(this, this.#storage);
    this.#storage = next;
    this.#strides = other.strides;
    this.#offset = other.offset;
    track(this, next);
  }

  /**
   * Frees this tensor's hold on its memory now; using it afterwards throws. Disposing twice does nothing.
   *
   * @example
   * ```ts
   * import { memoryStats, zeros } from "@gradstep/gradstep";
   * const t = zeros([1000]);
   * t.dispose(); // its 4000 bytes are free now: memoryStats().liveBytes fell by them
   * ```
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    untrack(this, this.#storage);
  }
  /** `using t = …` disposes `t` at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- elementwise ------------------------------------------------------------------------------------------------

  /**
   * `this + alpha * other`, broadcasting.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([[1.5, 2], [3, 4]]);
   * const y = x.add(tensor([10, 20])); // [[11.5, 22], [13, 24]]
   * const z = x.add(x, { alpha: 0.5 }); // [[2.25, 3], [4.5, 6]]
   * ```
   */
  add(other: Tensor | number, options?: { alpha?: number }): Tensor {
    return ew.add(this, other, options?.alpha);
  }
  /**
   * `this - alpha * other`, broadcasting.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const p = tensor([1.5, 2]);
   * const q = p.sub(tensor([1, 1]), { alpha: 0.5 }); // [1, 1.5]
   * ```
   */
  sub(other: Tensor | number, options?: { alpha?: number }): Tensor {
    return ew.sub(this, other, options?.alpha);
  }
  /**
   * `this * other`, broadcasting.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([1.5, 2]).mul(2); // [3, 4]
   * ```
   */
  mul(other: Tensor | number): Tensor {
    return ew.mul(this, other);
  }
  /**
   * `this / other` (true division), broadcasting.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([1, 3]).div(2); // float32 [0.5, 1.5]
   * ```
   */
  div(other: Tensor | number): Tensor {
    return ew.div(this, other);
  }
  /**
   * `this ** exponent`, broadcasting.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([1.5, 2]).pow(2); // [2.25, 4]
   * ```
   */
  pow(exponent: Tensor | number): Tensor {
    const [x] = autocastArgs("float32", [this]);
    return ew.pow(x, typeof exponent === "number" ? exponent : autocastArgs("float32", [exponent])[0]);
  }
  /**
   * The elementwise larger of this and other.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([1, 5]).maximum(tensor([3, 2])); // [3, 5]
   * ```
   */
  maximum(other: Tensor | number): Tensor {
    return ew.maximum(this, other);
  }
  /**
   * The elementwise smaller of this and other.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([1, 5]).minimum(tensor([3, 2])); // [1, 2]
   * ```
   */
  minimum(other: Tensor | number): Tensor {
    return ew.minimum(this, other);
  }
  /**
   * `-this`
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([1.5, -2]).neg(); // [-1.5, 2]
   * ```
   */
  neg(): Tensor {
    return ew.neg(this);
  }
  /**
   * Square root.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([4, 9]).sqrt(); // [2, 3]
   * ```
   */
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  /**
   * e to the power of each element.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([0, 1]).exp(); // [1, 2.71828…]
   * ```
   */
  exp(): Tensor {
    return ew.exp(autocastArgs("float32", [this])[0]);
  }
  /**
   * Natural logarithm.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([1, Math.E]).log(); // [0, 1]
   * ```
   */
  log(): Tensor {
    return ew.log(autocastArgs("float32", [this])[0]);
  }
  /**
   * Absolute value.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([-1.5, 2]).abs(); // [1.5, 2]
   * ```
   */
  abs(): Tensor {
    return ew.abs(this);
  }
  /**
   * -1, 0 or 1 by sign.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([-1.5, 0, 2]).sign(); // [-1, 0, 1]
   * ```
   */
  sign(): Tensor {
    return ew.sign(this);
  }
  /**
   * `max(this, 0)`
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([-1.5, 2]).relu(); // [0, 2]
   * ```
   */
  relu(): Tensor {
    return ew.relu(this);
  }
  /**
   * `1 / (1 + exp(-this))`
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([0, 2.5]).sigmoid(); // [0.5, 0.924…]
   * ```
   */
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  /**
   * Hyperbolic tangent.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([0, 0.5]).tanh(); // [0, 0.462…]
   * ```
   */
  tanh(): Tensor {
    return ew.tanh(this);
  }
  /**
   * The error function.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([0, 0.5]).erf(); // [0, 0.5205…]
   * ```
   */
  erf(): Tensor {
    return special.erf(this);
  }
  /**
   * `1 / sqrt(this)`
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([4, 16]).rsqrt(); // [0.5, 0.25]
   * ```
   */
  rsqrt(): Tensor {
    return special.rsqrt(autocastArgs("float32", [this])[0]);
  }
  /**
   * Limits every element to [min, max]; either bound may be omitted.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([-2.5, 0.5, 3]);
   * const y = x.clamp(-1, 1); // [-1, 0.5, 1]
   * const z = x.clamp(null, 0); // [-2.5, 0, 0]
   * ```
   */
  clamp(min?: number | null, max?: number | null): Tensor {
    return ew.clamp(this, min ?? undefined, max ?? undefined);
  }
  /**
   * `this == other` as bool.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const hits = tensor([3, 1, 4]).eq(tensor([3, 0, 4])).sum(); // 2
   * ```
   */
  eq(other: Tensor | number): Tensor {
    return ew.compare("eq", this, other);
  }
  /**
   * `this != other` as bool.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([3, 1, 4]).ne(1); // [true, false, true]
   * ```
   */
  ne(other: Tensor | number): Tensor {
    return ew.compare("ne", this, other);
  }
  /**
   * `this > other` as bool.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([-1.5, 2]).gt(0); // [false, true]
   * ```
   */
  gt(other: Tensor | number): Tensor {
    return ew.compare("gt", this, other);
  }
  /**
   * `this < other` as bool.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([-1.5, 2]).lt(0); // [true, false]
   * ```
   */
  lt(other: Tensor | number): Tensor {
    return ew.compare("lt", this, other);
  }
  /**
   * `this >= other` as bool.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([0, 2.5]).ge(0); // [true, true]
   * ```
   */
  ge(other: Tensor | number): Tensor {
    return ew.compare("ge", this, other);
  }
  /**
   * `this <= other` as bool.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([0, 2.5]).le(0); // [true, false]
   * ```
   */
  le(other: Tensor | number): Tensor {
    return ew.compare("le", this, other);
  }
  /**
   * This where `condition` holds, else `other`, as PyTorch's `Tensor.where`.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([-1.5, 2]);
   * const y = x.where(x.gt(0), 0); // [0, 2]
   * ```
   */
  where(condition: Tensor, other: Tensor | number): Tensor {
    return ew.where(condition, this, other);
  }

  // ---- reductions -------------------------------------------------------------------------------------------------

  /**
   * Sum over `dim` (all dimensions when omitted).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([[1, 2], [3, 4]]);
   * const all = x.sum(); // 10
   * const columns = x.sum(0); // [4, 6]
   * ```
   */
  sum(dim?: Dims, options?: { keepdim?: boolean }): Tensor {
    return red.sum(autocastArgs("float32", [this])[0], dim, options?.keepdim);
  }
  /**
   * Mean over `dim` (all dimensions when omitted).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([[1, 2], [3, 4]], { dtype: "float32" });
   * const all = x.mean(); // 2.5
   * const rows = x.mean(1, { keepdim: true }); // [[1.5], [3.5]]
   * ```
   */
  mean(dim?: Dims, options?: { keepdim?: boolean }): Tensor {
    return red.mean(this, dim, options?.keepdim);
  }
  /**
   * Largest value over `dim` (of all elements when omitted).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([[1, 5], [3, 2]]);
   * const all = x.max(); // 5
   * const perRow = x.max(1); // [5, 3]
   * ```
   */
  max(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return red.extreme("max", this, dim, options?.keepdim);
  }
  /**
   * Smallest value over `dim` (of all elements when omitted).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([[1, 5], [3, 2]]);
   * const perColumn = x.min(0); // [1, 2]
   * ```
   */
  min(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return red.extreme("min", this, dim, options?.keepdim);
  }
  /**
   * Position (int32) of the largest value over `dim` (in the flattened tensor when omitted).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const predicted = tensor([[0.1, 2.5, 0.3], [1.5, 0.2, 0.1]]).argmax(1); // [1, 0]
   * ```
   */
  argmax(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return red.argExtreme("argmax", this, dim, options?.keepdim);
  }
  /**
   * Position (int32) of the smallest value over `dim` (in the flattened tensor when omitted).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const nearest = tensor([[0.1, 2.5, 0.3], [1.5, 0.2, 0.1]]).argmin(1); // [0, 2]
   * ```
   */
  argmin(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return red.argExtreme("argmin", this, dim, options?.keepdim);
  }
  /**
   * `exp(x) / sum(exp(x))` along `dim`.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const p = tensor([[1, 2, 3]]).softmax(-1); // [[0.090…, 0.244…, 0.665…]]
   * ```
   */
  softmax(dim: number): Tensor {
    return red.softmax(autocastArgs("float32", [this])[0], dim);
  }
  /**
   * `log(softmax(x))` along `dim`, computed stably.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const logp = tensor([[1, 2, 3]]).logSoftmax(-1); // [[-2.407…, -1.407…, -0.407…]]
   * ```
   */
  logSoftmax(dim: number): Tensor {
    return red.logSoftmax(autocastArgs("float32", [this])[0], dim);
  }
  /**
   * `log(sum(exp(x)))` over `dim`, computed stably.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([[1, 2, 3]]).logsumexp(1); // [3.407…]
   * ```
   */
  logsumexp(dim: Dims, options?: { keepdim?: boolean }): Tensor {
    return red.logsumexp(this, dim, options?.keepdim);
  }
  /**
   * Variance over `dim` (all dimensions when omitted), dividing by N − `correction` (default 1).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1, 2, 3, 4], { dtype: "float32" });
   * const unbiased = x.var(); // 1.666…
   * const population = x.var(0, { correction: 0 }); // 1.25
   * ```
   */
  var(dim?: Dims, options?: VarOptions): Tensor {
    return variance(this, dim, options);
  }
  /**
   * Standard deviation over `dim` (all dimensions when omitted), dividing by N − `correction` (default 1).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const s = tensor([1, 2, 3, 4], { dtype: "float32" }).std(); // 1.290…
   * ```
   */
  std(dim?: Dims, options?: VarOptions): Tensor {
    return std(this, dim, options);
  }
  /**
   * Running sums along `dim`.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const y = tensor([1, 2, 3]).cumsum(0); // [1, 3, 6]
   * ```
   */
  cumsum(dim: number): Tensor {
    return cumsum(this, dim);
  }
  /**
   * The `k` largest (or smallest) elements along `dim` (default last) and their int32 positions.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const [values, indices] = tensor([1.5, 4, 2, 3]).topk(2); // [4, 3] and [1, 3]
   * ```
   */
  topk(k: number, options?: TopkOptions): [Tensor, Tensor] {
    return topk(this, k, options);
  }
  /**
   * `numSamples` category indices per row drawn with probability proportional to this tensor's weights.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const probs = tensor([[0.1, 0.2, 0.7]]);
   * const next = probs.multinomial(1); // [[2]] most often: an int32 index per row
   * ```
   */
  multinomial(numSamples: number, options?: MultinomialOptions): Tensor {
    return multinomial(this, numSamples, options);
  }

  // ---- linear algebra and indexing --------------------------------------------------------------------------------

  /**
   * Matrix product with PyTorch's rules for 1-D operands and broadcast batch dimensions.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const a = tensor([[1, 2], [3, 4]], { dtype: "float32" });
   * const y = a.matmul(tensor([1, 1], { dtype: "float32" })); // [3, 7]
   * ```
   */
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }
  /**
   * Values at `index` along `dim`: `out[i][j] = this[i][index[i][j]]` for dim 1.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const logp = tensor([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]]);
   * const picked = logp.gather(1, tensor([[2], [0]], { dtype: "int32" })); // [[0.7], [0.5]]
   * ```
   */
  gather(dim: number, index: Tensor): Tensor {
    return idx.gather(this, dim, index);
  }
  /**
   * The slices at the positions of the 1-D `index` along `dim`.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const table = tensor([[1, 2], [3, 4], [5, 6]]);
   * const rows = table.indexSelect(0, tensor([2, 0], { dtype: "int32" })); // [[5, 6], [1, 2]]
   * ```
   */
  indexSelect(dim: number, index: Tensor): Tensor {
    return idx.indexSelect(this, dim, index);
  }

  // ---- shape ------------------------------------------------------------------------------------------------------

  /**
   * The same elements in a new shape (one size may be -1); a view when the strides allow, else a copy.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1, 2, 3, 4, 5, 6]).reshape([2, -1]); // [[1, 2, 3], [4, 5, 6]]
   * ```
   */
  reshape(shape: readonly number[]): Tensor {
    return sh.reshape(this, shape);
  }
  /**
   * The same elements in a new shape, always a view; throws when the strides do not allow one.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1, 2, 3, 4, 5, 6]).view([3, 2]); // [[1, 2], [3, 4], [5, 6]]
   * ```
   */
  view(shape: readonly number[]): Tensor {
    return sh.view(this, shape);
  }
  /**
   * Merges dimensions `startDim` to `endDim` into one.
   *
   * @example
   * ```ts
   * import { zeros } from "@gradstep/gradstep";
   * const x = zeros([64, 1, 28, 28]).flatten(1); // [64, 784]
   * ```
   */
  flatten(startDim = 0, endDim = -1): Tensor {
    return sh.flatten(this, startDim, endDim);
  }
  /**
   * Swaps two dimensions (a view).
   *
   * @example
   * ```ts
   * import { zeros } from "@gradstep/gradstep";
   * const x = zeros([2, 3, 4]).transpose(0, 2); // [4, 3, 2]
   * ```
   */
  transpose(dim0: number, dim1: number): Tensor {
    return sh.transpose(this, dim0, dim1);
  }
  /**
   * Reorders the dimensions (a view).
   *
   * @example
   * ```ts
   * import { zeros } from "@gradstep/gradstep";
   * const x = zeros([8, 32, 32, 3]).permute([0, 3, 1, 2]); // [8, 3, 32, 32]
   * ```
   */
  permute(dims: readonly number[]): Tensor {
    return sh.permute(this, dims);
  }
  /** All dimensions reversed (for a matrix, its transpose). */
  get T(): Tensor {
    return sh.permute(this, this.#shape.map((_, i) => this.#shape.length - 1 - i));
  }
  /**
   * Inserts a dimension of size 1 at `dim`.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1, 2]).unsqueeze(0); // [[1, 2]]
   * ```
   */
  unsqueeze(dim: number): Tensor {
    return sh.unsqueeze(this, dim);
  }
  /**
   * Removes dimensions of size 1 (only `dim` when given).
   *
   * @example
   * ```ts
   * import { zeros } from "@gradstep/gradstep";
   * const x = zeros([1, 3, 1]).squeeze(); // [3]
   * const y = zeros([1, 3, 1]).squeeze(0); // [3, 1]
   * ```
   */
  squeeze(dim?: number): Tensor {
    return sh.squeeze(this, dim);
  }
  /**
   * A broadcast view to `shape` (-1 keeps a size).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([[1], [2]]).expand([2, 3]); // [[1, 1, 1], [2, 2, 2]]
   * ```
   */
  expand(shape: readonly number[]): Tensor {
    return sh.expand(this, shape);
  }
  /**
   * The `length` elements from `start` along `dim` (a view).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([[1, 2, 3], [4, 5, 6]]).narrow(1, 1, 2); // [[2, 3], [5, 6]]
   * ```
   */
  narrow(dim: number, start: number, length: number): Tensor {
    return sh.narrow(this, dim, start, length);
  }
  /**
   * This tensor if its elements are laid out row-major, else a row-major copy.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const t = tensor([[1, 2], [3, 4]]).transpose(0, 1).contiguous(); // a row-major copy of the view
   * ```
   */
  contiguous(): Tensor {
    return sh.contiguous(this);
  }
  /**
   * Views along `dim` of `splitSize` elements each (the last may be smaller), or of the listed sizes.
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const [a, b] = tensor([1, 2, 3, 4, 5]).split(3); // [1, 2, 3] and [4, 5]
   * const [c, d] = tensor([1, 2, 3, 4, 5]).split([1, 4]); // [1] and [2, 3, 4, 5]
   * ```
   */
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return split(this, splitSize, dim);
  }
  /**
   * At most `chunks` views along `dim` of equal size (the last may be smaller).
   *
   * @example
   * ```ts
   * import { zeros } from "@gradstep/gradstep";
   * const [q, k, v] = zeros([4, 8, 96]).chunk(3, -1); // three [4, 8, 32] views
   * ```
   */
  chunk(chunks: number, dim = 0): Tensor[] {
    return chunk(this, chunks, dim);
  }
  /**
   * This tensor tiled `repeats[i]` times along dimension i (extra leading counts add dimensions).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * const x = tensor([1, 2]).repeat([2, 2]); // [[1, 2, 1, 2], [1, 2, 1, 2]]
   * ```
   */
  repeat(repeats: readonly number[]): Tensor {
    return repeat(this, repeats);
  }
  /**
   * The lower triangle of the last two dimensions, on and below the `diagonal`-th diagonal.
   *
   * @example
   * ```ts
   * import { ones } from "@gradstep/gradstep";
   * const causal = ones([3, 3]).tril(); // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
   * ```
   */
  tril(diagonal = 0): Tensor {
    return tril(this, diagonal);
  }
  /**
   * The upper triangle of the last two dimensions, on and above the `diagonal`-th diagonal.
   *
   * @example
   * ```ts
   * import { ones } from "@gradstep/gradstep";
   * const future = ones([3, 3]).triu(1); // [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
   * ```
   */
  triu(diagonal = 0): Tensor {
    return triu(this, diagonal);
  }
  /**
   * This tensor with `value` where the bool `mask` (broadcast) is true.
   *
   * @example
   * ```ts
   * import { ones, zeros } from "@gradstep/gradstep";
   * const scores = zeros([3, 3]);
   * const masked = scores.maskedFill(ones([3, 3]).triu(1).bool(), -Infinity); // -Infinity above the diagonal
   * ```
   */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor {
    return maskedFill(this, mask, value);
  }

  // ---- in place (outside the graph: optimizers, initialisation) --------------------------------------------------

  /**
   * Copies `src` (broadcast to this shape) into this tensor; returns this.
   *
   * @example
   * ```ts
   * import { noGrad, tensor, zeros } from "@gradstep/gradstep";
   * const t = zeros([2, 2]);
   * noGrad(() => t.copy_(tensor([1.5, 2]))); // [[1.5, 2], [1.5, 2]]
   * ```
   */
  copy_(src: Tensor): this {
    return inplace.copy(this, src);
  }
  /**
   * `this += alpha * other` in place; returns this.
   *
   * @example
   * ```ts
   * import { noGrad, tensor } from "@gradstep/gradstep";
   * const p = tensor([1.5, 2]);
   * noGrad(() => p.add_(tensor([1, 1]), { alpha: -0.5 })); // p: [1, 1.5]
   * ```
   */
  add_(other: Tensor | number, options?: { alpha?: number }): this {
    return inplace.apply(this, "add", other, options?.alpha);
  }
  /**
   * `this -= alpha * other` in place; returns this.
   *
   * @example
   * ```ts
   * import { noGrad, tensor } from "@gradstep/gradstep";
   * const p = tensor([1.5, 2]);
   * noGrad(() => p.sub_(tensor([1, 1]), { alpha: 0.5 })); // p: [1, 1.5]
   * ```
   */
  sub_(other: Tensor | number, options?: { alpha?: number }): this {
    return inplace.apply(this, "sub", other, options?.alpha);
  }
  /**
   * `this *= other` in place; returns this.
   *
   * @example
   * ```ts
   * import { noGrad, tensor } from "@gradstep/gradstep";
   * const p = tensor([1.5, 2]);
   * noGrad(() => p.mul_(0.5)); // p: [0.75, 1]
   * ```
   */
  mul_(other: Tensor | number): this {
    return inplace.apply(this, "mul", other);
  }
  /**
   * `this /= other` in place; returns this.
   *
   * @example
   * ```ts
   * import { noGrad, tensor } from "@gradstep/gradstep";
   * const p = tensor([1.5, 2]);
   * noGrad(() => p.div_(2)); // p: [0.75, 1]
   * ```
   */
  div_(other: Tensor | number): this {
    return inplace.apply(this, "div", other);
  }
  /**
   * Sets every element to `value`; returns this.
   *
   * @example
   * ```ts
   * import { noGrad, zeros } from "@gradstep/gradstep";
   * const bias = zeros([4]);
   * noGrad(() => bias.fill_(0.1)); // [0.1, 0.1, 0.1, 0.1]
   * ```
   */
  fill_(value: number): this {
    return inplace.fill(this, value);
  }
  /**
   * Sets every element to 0; returns this.
   *
   * @example
   * ```ts
   * import { noGrad, ones } from "@gradstep/gradstep";
   * const t = ones([3]);
   * noGrad(() => t.zero_()); // [0, 0, 0]
   * ```
   */
  zero_(): this {
    return inplace.fill(this, 0);
  }

  /**
   * A short description with the values of small CPU tensors (what `console.log` prints).
   *
   * @example
   * ```ts
   * import { tensor } from "@gradstep/gradstep";
   * console.log(String(tensor([1.5, 2]))); // Tensor(shape=[2], dtype=float32, device=cpu)
   * ```
   */
  toString(): string {
    return `Tensor(shape=[${this.#shape}], dtype=${this.dtype}, device=${this.device}` +
      (this.#requiresGrad ? ", requiresGrad=true" : "") + ")";
  }
  /** What Deno's `console.log` shows. */
  [Symbol.for("Deno.customInspect")](): string {
    if (this.#disposed) return "Tensor(disposed)";
    const values = this.device.backend.readSync && this.numel <= 1000
      ? `\n${JSON.stringify(toNested(this.dataSync(), this.#shape))}`
      : "";
    return this.toString() + values;
  }
}
