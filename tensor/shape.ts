/**
 * Shapes, strides and broadcasting, and the view ops (reshape, permute, expand, narrow …) that reinterpret a
 * storage without copying it, plus `contiguous`, `cat`, `stack` and moves between devices.
 *
 * @module
 */
import type { Device } from "../backends/device.ts";
import { noGrad, record } from "../autograd/node.ts";
import { copyInto } from "./elementwise.ts";
import { Storage } from "./memory.ts";
import { Tensor } from "./tensor.ts";
import { arrayOf, integer, shown } from "./validation.ts";

/** The number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** Row-major strides for `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= Math.max(shape[d], 1);
  }
  return strides;
}

/** Whether `t`'s elements are laid out row-major (dimensions of size 1 may have any stride). */
export function isContiguous(t: Tensor): boolean {
  let step = 1;
  for (let d = t.ndim - 1; d >= 0; d--) {
    if (t.shape[d] === 1) continue;
    if (t.strides[d] !== step) return false;
    step *= t.shape[d];
  }
  return true;
}

/**
 * `dim` as a non-negative index into `rank` dimensions, with PyTorch's error when out of range (a TypeError when it
 * is not a number: a string "1" would otherwise read as in range).
 */
export function normalizeDim(dim: number, rank: number): number {
  if (typeof dim !== "number") throw new TypeError(`Invalid dim: expected an integer, got ${shown(dim)}`);
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new RangeError(
      `Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/** The shape two shapes broadcast to, with PyTorch's error when they do not. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new Error(
        `The size of tensor a (${x}) must match the size of tensor b (${y}) at non-singleton dimension ${i}: ` +
          `shapes [${a}] and [${b}] do not broadcast`,
      );
    }
    out[i] = x === 1 ? y : x;
  }
  return out;
}

/** `t`'s strides when broadcast to `shape` (0 along broadcast dimensions); `shape` must be a broadcast of t's. */
export function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const lead = shape.length - t.ndim;
  return shape.map((_, i) => (i < lead || t.shape[i - lead] === 1 ? 0 : t.strides[i - lead]));
}

function inferShape(shape: readonly number[], size: number): number[] {
  arrayOf(integer(-1))("shape", shape);
  const out = [...shape];
  const free = out.indexOf(-1);
  if (out.lastIndexOf(-1) !== free) {
    throw new Error(`only one dimension can be inferred, got shape [${shape}]`);
  }
  const known = out.reduce((p, s) => (s === -1 ? p : p * s), 1);
  if (free >= 0 && known !== 0 && size % known === 0) out[free] = size / known;
  if (out.some((s) => !Number.isInteger(s) || s < 0) || numel(out) !== size) {
    throw new Error(`shape '[${shape}]' is invalid for input of size ${size}`);
  }
  return out;
}

/** Strides that read `t`'s elements in row-major order as `shape`, or null when no view can (PyTorch's rule). */
export function viewStrides(t: Tensor, shape: readonly number[]): number[] | null {
  if (t.ndim === 0 || t.numel === 0) return contiguousStrides(shape);
  const strides = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = t.strides[t.ndim - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = t.ndim - 1; d >= 0; d--) {
    tensorNumel *= t.shape[d];
    if (d === 0 || (t.shape[d - 1] !== 1 && t.strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        strides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = t.strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? strides : null;
}

function makeView(
  t: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset = t.offset,
): Tensor {
  return new Tensor(t.storage, shape, strides, offset);
}

/** The elements of `t` as `shape`, always without copying; throws when the strides do not allow it. */
export function view(t: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, t.numel);
  const strides = viewStrides(t, target);
  if (strides === null) {
    throw new Error(
      `view size [${target}] is not compatible with input tensor's size [${t.shape}] and stride [${t.strides}]; ` +
        "use .reshape(...) instead",
    );
  }
  return record(makeView(t, target, strides), "reshape", [t], { shape: t.shape });
}

/** The elements of `t` as `shape`: a view when possible, else a copy. */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, t.numel);
  return viewStrides(t, target) === null ? view(contiguous(t), target) : view(t, target);
}

/** Merges dimensions `startDim`..`endDim` of `t` into one. */
export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [1]);
  const s = normalizeDim(startDim, t.ndim);
  const e = normalizeDim(endDim, t.ndim);
  if (s > e) {
    throw new Error(
      `flatten() has invalid args: startDim (${startDim}) cannot come after endDim (${endDim})`,
    );
  }
  return reshape(t, [...t.shape.slice(0, s), numel(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)]);
}

/** The dimensions of `t` reordered as `dims`. */
export function permute(t: Tensor, dims: readonly number[]): Tensor {
  const order = dims.map((d) => normalizeDim(d, t.ndim));
  if (order.length !== t.ndim || new Set(order).size !== order.length) {
    throw new Error(`permute(): dims [${dims}] must be a permutation of the ${t.ndim} dimensions`);
  }
  const out = makeView(t, order.map((d) => t.shape[d]), order.map((d) => t.strides[d]));
  return record(out, "permute", [t], { dims: order });
}

/** `t` with dimensions `dim0` and `dim1` swapped. */
export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  if (t.ndim < 2 && dim0 === dim1) return t;
  const order = t.shape.map((_, i) => i);
  const a = normalizeDim(dim0, t.ndim);
  const b = normalizeDim(dim1, t.ndim);
  [order[a], order[b]] = [order[b], order[a]];
  return permute(t, order);
}

/** `t` with a dimension of size 1 inserted at `dim`. */
export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, t.ndim + 1);
  return reshape(t, [...t.shape.slice(0, d), 1, ...t.shape.slice(d)]);
}

/** `t` without its dimensions of size 1 (only `dim`, when given and of size 1). */
export function squeeze(t: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(t, t.shape.filter((s) => s !== 1));
  const d = normalizeDim(dim, t.ndim);
  return t.shape[d] === 1 ? reshape(t, t.shape.filter((_, i) => i !== d)) : t;
}

/** `t` broadcast to `shape` without copying (-1 keeps a size). */
export function expand(t: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - t.ndim;
  if (lead < 0) {
    throw new Error(
      `expand: the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${t.ndim})`,
    );
  }
  const target = shape.map((s, i) => (s === -1 && i >= lead ? t.shape[i - lead] : s));
  target.forEach((s, i) => {
    if (s === -1) {
      throw new Error(
        `The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i}`,
      );
    }
    if (!Number.isInteger(s) || s < 0) {
      throw new RangeError(`expand: sizes must be non-negative integers or -1, got ${s} in [${shape}]`);
    }
    const own = i < lead ? 1 : t.shape[i - lead];
    if (s !== own && own !== 1) {
      throw new Error(
        `The expanded size of the tensor (${s}) must match the existing size (${own}) at non-singleton dimension ${i}. ` +
          `Target sizes: [${shape}]. Tensor sizes: [${t.shape}]`,
      );
    }
  });
  if (sameShape(target, t.shape)) return t;
  return record(makeView(t, target, broadcastStrides(t, target)), "expand", [t], { shape: t.shape });
}

/** The `length` elements of `t` from `start` along `dim` (a view). */
export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, t.ndim);
  const size = t.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new RangeError(`start (${start}) + length (${length}) exceeds dimension size (${size})`);
  }
  const shape = t.shape.map((x, i) => (i === d ? length : x));
  const out = makeView(t, shape, t.strides, t.offset + s * t.strides[d]);
  return record(out, "narrow", [t], { dim: d, start: s });
}

/** `t` itself when row-major, else a row-major copy. */
export function contiguous(t: Tensor): Tensor {
  if (isContiguous(t)) return t;
  const out = copyInto(empty(t.shape, t), t);
  return record(out, "contiguous", [t], {});
}

/**
 * A new row-major tensor of `shape` with `like`'s dtype and device: zeroed, or, with `zeroed` false, of unspecified
 * contents (for an output a kernel is about to write in full).
 */
export function empty(
  shape: readonly number[],
  like: { dtype: Tensor["dtype"]; device: Device },
  zeroed = true,
): Tensor {
  return new Tensor(new Storage(like.device, numel(shape), like.dtype, zeroed), shape);
}

/**
 * Concatenates tensors of equal shape but for `dim`, along `dim`.
 *
 * @example
 * ```ts
 * import { cat, ones, zeros } from "@gradstep/gradstep";
 * const t = cat([zeros([2, 3]), ones([1, 3])]); // [3, 3]
 * const u = cat([zeros([2, 3]), ones([2, 1])], 1); // [2, 4]
 * ```
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error("cat() expects a non-empty list of tensors");
  const first = tensors[0];
  const d = normalizeDim(dim, first.ndim);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new Error(
        `cat(): sizes of tensors must match except in dimension ${d}, got [${first.shape}] and [${t.shape}]`,
      );
    }
    if (t.dtype !== first.dtype) {
      throw new TypeError(`cat(): expected all tensors of dtype ${first.dtype}, got ${t.dtype}`);
    }
  }
  const sizes = tensors.map((t) => t.shape[d]);
  const out = empty(first.shape.map((s, i) => (i === d ? sizes.reduce((a, b) => a + b, 0) : s)), first);
  noGrad(() => {
    let at = 0;
    tensors.forEach((t, i) => {
      copyInto(narrow(out, d, at, sizes[i]), t);
      at += sizes[i];
    });
  });
  return record(out, "cat", tensors, { dim: d, sizes });
}

/**
 * Stacks tensors of one shape along a new dimension `dim`.
 *
 * @example
 * ```ts
 * import { stack, tensor } from "@gradstep/gradstep";
 * const t = stack([tensor([1, 2]), tensor([3, 4])]); // [[1, 2], [3, 4]]
 * const u = stack([tensor([1, 2]), tensor([3, 4])], 1); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error("stack() expects a non-empty list of tensors");
  const d = normalizeDim(dim, tensors[0].ndim + 1);
  for (const t of tensors) {
    if (!sameShape(t.shape, tensors[0].shape)) {
      throw new Error(
        `stack expects each tensor to be equal size, but got [${tensors[0].shape}] and [${t.shape}]`,
      );
    }
  }
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Resolves to a copy of `t` on `device` (`t` itself when already there). Not recorded by autograd. */
export async function toDevice(t: Tensor, device: Device): Promise<Tensor> {
  if (t.device === device) return t;
  if (t.requiresGrad && !t.isLeaf) {
    throw new Error(
      "Moving a tensor that is part of the autograd graph between devices is not differentiable in gradstep; " +
        "move inputs and parameters (model.to(device)) before the forward pass, or detach() first",
    );
  }
  const data = await t.data();
  const out = new Tensor(new Storage(device, t.numel, t.dtype), t.shape);
  device.backend.write(out.storage.buffer, data);
  return t.requiresGrad ? out.requiresGrad_(true) : out;
}
