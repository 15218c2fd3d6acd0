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

  /** Sets whether this leaf requires gradients; returns this. */
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

  /** Keeps `.grad` on this non-leaf after backward, as PyTorch's `retain_grad()`. */
  retainGrad(): void {
    if (!this.#requiresGrad) throw new Error("can't retain grad on a tensor that doesn't require grad");
    if (!this.isLeaf) this.#retainsGrad = true;
  }

  /** Connects this op output to the node that produced it (used by the tape). */
  attachGradFn(node: Node): void {
    this.#gradFn = node;
    this.#requiresGrad = true;
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad, accumulating into their
   * `.grad`. `gradient` is required unless the tensor has one element.
   */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    backward(this, gradient, options.retainGraph ?? false);
  }

  /** A tensor sharing this one's storage but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.#shape, this.#strides, this.#offset);
  }

  // ---- reading values -------------------------------------------------------------------------------------------

  /** Resolves to a contiguous host copy of the elements. */
  async data(): Promise<TypedArray> {
    const c = this.#contiguous();
    return await this.device.backend.read(c.storage.buffer, c.offset, this.numel);
  }
  /** The elements synchronously; only for CPU tensors. */
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
  /** Resolves to the value of a one-element tensor. */
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

  /** A copy converted to `dtype` (recorded by autograd). */
  to(dtype: DType): Tensor;
  /** Resolves to a copy on `device` (this tensor itself when already there). */
  to(device: Device): Promise<Tensor>;
  to(target: DType | Device): Tensor | Promise<Tensor> {
    return typeof target === "string" ? ew.cast(this, target) : sh.toDevice(this, target);
  }
  /** A float32 copy (or this tensor when already float32). */
  float(): Tensor {
    return ew.cast(this, "float32");
  }
  /** A float16 copy (or this tensor when already float16). */
  half(): Tensor {
    return ew.cast(this, "float16");
  }
  /** An int32 copy, truncating toward zero (or this tensor when already int32). */
  int(): Tensor {
    return ew.cast(this, "int32");
  }
  /** A bool copy, true where non-zero (or this tensor when already bool). */
  bool(): Tensor {
    return ew.cast(this, "bool");
  }

  /**
   * Replaces this tensor's contents with `other`'s (shares its storage), keeping this object and its autograd
   * identity, as PyTorch's `t.data = other`. Used to move parameters between devices in place.
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

  /** Frees this tensor's hold on its memory now; using it afterwards throws. Disposing twice does nothing. */
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

  /** `this + alpha * other`, broadcasting. */
  add(other: Tensor | number, options?: { alpha?: number }): Tensor {
    return ew.add(this, other, options?.alpha);
  }
  /** `this - alpha * other`, broadcasting. */
  sub(other: Tensor | number, options?: { alpha?: number }): Tensor {
    return ew.sub(this, other, options?.alpha);
  }
  /** `this * other`, broadcasting. */
  mul(other: Tensor | number): Tensor {
    return ew.mul(this, other);
  }
  /** `this / other` (true division), broadcasting. */
  div(other: Tensor | number): Tensor {
    return ew.div(this, other);
  }
  /** `this ** exponent`, broadcasting. */
  pow(exponent: Tensor | number): Tensor {
    const [x] = autocastArgs("float32", [this]);
    return ew.pow(x, typeof exponent === "number" ? exponent : autocastArgs("float32", [exponent])[0]);
  }
  /** The elementwise larger of this and other. */
  maximum(other: Tensor | number): Tensor {
    return ew.maximum(this, other);
  }
  /** The elementwise smaller of this and other. */
  minimum(other: Tensor | number): Tensor {
    return ew.minimum(this, other);
  }
  /** `-this` */
  neg(): Tensor {
    return ew.neg(this);
  }
  /** Square root. */
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  /** e to the power of each element. */
  exp(): Tensor {
    return ew.exp(autocastArgs("float32", [this])[0]);
  }
  /** Natural logarithm. */
  log(): Tensor {
    return ew.log(autocastArgs("float32", [this])[0]);
  }
  /** Absolute value. */
  abs(): Tensor {
    return ew.abs(this);
  }
  /** -1, 0 or 1 by sign. */
  sign(): Tensor {
    return ew.sign(this);
  }
  /** `max(this, 0)` */
  relu(): Tensor {
    return ew.relu(this);
  }
  /** `1 / (1 + exp(-this))` */
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return ew.tanh(this);
  }
  /** The error function. */
  erf(): Tensor {
    return special.erf(this);
  }
  /** `1 / sqrt(this)` */
  rsqrt(): Tensor {
    return special.rsqrt(autocastArgs("float32", [this])[0]);
  }
  /** Limits every element to [min, max]; either bound may be omitted. */
  clamp(min?: number | null, max?: number | null): Tensor {
    return ew.clamp(this, min ?? undefined, max ?? undefined);
  }
  /** `this == other` as bool. */
  eq(other: Tensor | number): Tensor {
    return ew.compare("eq", this, other);
  }
  /** `this != other` as bool. */
  ne(other: Tensor | number): Tensor {
    return ew.compare("ne", this, other);
  }
  /** `this > other` as bool. */
  gt(other: Tensor | number): Tensor {
    return ew.compare("gt", this, other);
  }
  /** `this < other` as bool. */
  lt(other: Tensor | number): Tensor {
    return ew.compare("lt", this, other);
  }
  /** `this >= other` as bool. */
  ge(other: Tensor | number): Tensor {
    return ew.compare("ge", this, other);
  }
  /** `this <= other` as bool. */
  le(other: Tensor | number): Tensor {
    return ew.compare("le", this, other);
  }
  /** This where `condition` holds, else `other`, as PyTorch's `Tensor.where`. */
  where(condition: Tensor, other: Tensor | number): Tensor {
    return ew.where(condition, this, other);
  }

  // ---- reductions -------------------------------------------------------------------------------------------------

  /** Sum over `dim` (all dimensions when omitted). */
  sum(dim?: Dims, options?: { keepdim?: boolean }): Tensor {
    return red.sum(autocastArgs("float32", [this])[0], dim, options?.keepdim);
  }
  /** Mean over `dim` (all dimensions when omitted). */
  mean(dim?: Dims, options?: { keepdim?: boolean }): Tensor {
    return red.mean(this, dim, options?.keepdim);
  }
  /** Largest value over `dim` (of all elements when omitted). */
  max(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return red.extreme("max", this, dim, options?.keepdim);
  }
  /** Smallest value over `dim` (of all elements when omitted). */
  min(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return red.extreme("min", this, dim, options?.keepdim);
  }
  /** Position (int32) of the largest value over `dim` (in the flattened tensor when omitted). */
  argmax(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return red.argExtreme("argmax", this, dim, options?.keepdim);
  }
  /** Position (int32) of the smallest value over `dim` (in the flattened tensor when omitted). */
  argmin(dim?: number, options?: { keepdim?: boolean }): Tensor {
    return red.argExtreme("argmin", this, dim, options?.keepdim);
  }
  /** `exp(x) / sum(exp(x))` along `dim`. */
  softmax(dim: number): Tensor {
    return red.softmax(autocastArgs("float32", [this])[0], dim);
  }
  /** `log(softmax(x))` along `dim`, computed stably. */
  logSoftmax(dim: number): Tensor {
    return red.logSoftmax(autocastArgs("float32", [this])[0], dim);
  }
  /** `log(sum(exp(x)))` over `dim`, computed stably. */
  logsumexp(dim: Dims, options?: { keepdim?: boolean }): Tensor {
    return red.logsumexp(this, dim, options?.keepdim);
  }
  /** Variance over `dim` (all dimensions when omitted), dividing by N − `correction` (default 1). */
  var(dim?: Dims, options?: VarOptions): Tensor {
    return variance(this, dim, options);
  }
  /** Standard deviation over `dim` (all dimensions when omitted), dividing by N − `correction` (default 1). */
  std(dim?: Dims, options?: VarOptions): Tensor {
    return std(this, dim, options);
  }
  /** Running sums along `dim`. */
  cumsum(dim: number): Tensor {
    return cumsum(this, dim);
  }
  /** The `k` largest (or smallest) elements along `dim` (default last) and their int32 positions. */
  topk(k: number, options?: TopkOptions): [Tensor, Tensor] {
    return topk(this, k, options);
  }
  /** `numSamples` category indices per row drawn with probability proportional to this tensor's weights. */
  multinomial(numSamples: number, options?: MultinomialOptions): Tensor {
    return multinomial(this, numSamples, options);
  }

  // ---- linear algebra and indexing --------------------------------------------------------------------------------

  /** Matrix product with PyTorch's rules for 1-D operands and broadcast batch dimensions. */
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }
  /** Values at `index` along `dim`: `out[i][j] = this[i][index[i][j]]` for dim 1. */
  gather(dim: number, index: Tensor): Tensor {
    return idx.gather(this, dim, index);
  }
  /** The slices at the positions of the 1-D `index` along `dim`. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return idx.indexSelect(this, dim, index);
  }

  // ---- shape ------------------------------------------------------------------------------------------------------

  /** The same elements in a new shape (one size may be -1); a view when the strides allow, else a copy. */
  reshape(shape: readonly number[]): Tensor {
    return sh.reshape(this, shape);
  }
  /** The same elements in a new shape, always a view; throws when the strides do not allow one. */
  view(shape: readonly number[]): Tensor {
    return sh.view(this, shape);
  }
  /** Merges dimensions `startDim` to `endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return sh.flatten(this, startDim, endDim);
  }
  /** Swaps two dimensions (a view). */
  transpose(dim0: number, dim1: number): Tensor {
    return sh.transpose(this, dim0, dim1);
  }
  /** Reorders the dimensions (a view). */
  permute(dims: readonly number[]): Tensor {
    return sh.permute(this, dims);
  }
  /** All dimensions reversed (for a matrix, its transpose). */
  get T(): Tensor {
    return sh.permute(this, this.#shape.map((_, i) => this.#shape.length - 1 - i));
  }
  /** Inserts a dimension of size 1 at `dim`. */
  unsqueeze(dim: number): Tensor {
    return sh.unsqueeze(this, dim);
  }
  /** Removes dimensions of size 1 (only `dim` when given). */
  squeeze(dim?: number): Tensor {
    return sh.squeeze(this, dim);
  }
  /** A broadcast view to `shape` (-1 keeps a size). */
  expand(shape: readonly number[]): Tensor {
    return sh.expand(this, shape);
  }
  /** The `length` elements from `start` along `dim` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return sh.narrow(this, dim, start, length);
  }
  /** This tensor if its elements are laid out row-major, else a row-major copy. */
  contiguous(): Tensor {
    return sh.contiguous(this);
  }
  /** Views along `dim` of `splitSize` elements each (the last may be smaller), or of the listed sizes. */
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return split(this, splitSize, dim);
  }
  /** At most `chunks` views along `dim` of equal size (the last may be smaller). */
  chunk(chunks: number, dim = 0): Tensor[] {
    return chunk(this, chunks, dim);
  }
  /** This tensor tiled `repeats[i]` times along dimension i (extra leading counts add dimensions). */
  repeat(repeats: readonly number[]): Tensor {
    return repeat(this, repeats);
  }
  /** The lower triangle of the last two dimensions, on and below the `diagonal`-th diagonal. */
  tril(diagonal = 0): Tensor {
    return tril(this, diagonal);
  }
  /** The upper triangle of the last two dimensions, on and above the `diagonal`-th diagonal. */
  triu(diagonal = 0): Tensor {
    return triu(this, diagonal);
  }
  /** This tensor with `value` where the bool `mask` (broadcast) is true. */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor {
    return maskedFill(this, mask, value);
  }

  // ---- in place (outside the graph: optimizers, initialisation) --------------------------------------------------

  /** Copies `src` (broadcast to this shape) into this tensor; returns this. */
  copy_(src: Tensor): this {
    return inplace.copy(this, src);
  }
  /** `this += alpha * other` in place; returns this. */
  add_(other: Tensor | number, options?: { alpha?: number }): this {
    return inplace.apply(this, "add", other, options?.alpha);
  }
  /** `this -= alpha * other` in place; returns this. */
  sub_(other: Tensor | number, options?: { alpha?: number }): this {
    return inplace.apply(this, "sub", other, options?.alpha);
  }
  /** `this *= other` in place; returns this. */
  mul_(other: Tensor | number): this {
    return inplace.apply(this, "mul", other);
  }
  /** `this /= other` in place; returns this. */
  div_(other: Tensor | number): this {
    return inplace.apply(this, "div", other);
  }
  /** Sets every element to `value`; returns this. */
  fill_(value: number): this {
    return inplace.fill(this, value);
  }
  /** Sets every element to 0; returns this. */
  zero_(): this {
    return inplace.fill(this, 0);
  }

  /** A short description with the values of small CPU tensors (what `console.log` prints). */
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
