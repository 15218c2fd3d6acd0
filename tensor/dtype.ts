/**
 * Element types and PyTorch's type-promotion rules.
 *
 * @module
 */

/**
 * The element type of a tensor. `"bool"` is what comparisons return, as in PyTorch.
 *
 * @example
 * ```ts
 * import { zeros } from "@gradstep/gradstep";
 * const t = zeros([2], { dtype: "int32" });
 * console.log(t.dtype); // "int32"
 * ```
 */
export type DType = "float32" | "float16" | "int32" | "bool";

/**
 * The typed array that holds a dtype's values on the host.
 *
 * @example
 * ```ts
 * import { tensor, type TypedArray } from "@gradstep/gradstep";
 * const values: TypedArray = await tensor([1.5, 2.5]).data();
 * ```
 */
export type TypedArray = Float32Array | Float16Array | Int32Array | Uint8Array;

/**
 * Whether a dtype is a floating-point type (the only kind that can require gradients).
 *
 * @example
 * ```ts
 * import { isFloating } from "@gradstep/gradstep";
 * isFloating("float16"); // true
 * isFloating("int32"); // false
 * ```
 */
export function isFloating(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float16";
}

/**
 * The end of an error about a floating-point tensor where int32 indices belong (class labels, gather indices,
 * embedding ids): how to make them, as JavaScript numbers give float32. Empty for other dtypes.
 */
export function int32Hint(dtype: DType): string {
  return isFloating(dtype)
    ? ' (indices are made with tensor(values, { dtype: "int32" }) or from an Int32Array, as JavaScript numbers ' +
      "give float32)"
    : "";
}

/** Allocates a zeroed host array for `length` elements of `dtype`. */
export function hostArray(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(length);
    case "float16":
      return new Float16Array(length);
    case "int32":
      return new Int32Array(length);
    case "bool":
      return new Uint8Array(length);
  }
}

/** The dtype whose host array is `array`'s kind, or undefined for other arrays. */
export function dtypeOfArray(array: ArrayBufferView): DType | undefined {
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Float16Array) return "float16";
  if (array instanceof Int32Array) return "int32";
  if (array instanceof Uint8Array) return "bool";
  return undefined;
}

/** Bytes one element of `dtype` takes in host memory. */
export function bytesPerElement(dtype: DType): number {
  return dtype === "float32" || dtype === "int32" ? 4 : dtype === "float16" ? 2 : 1;
}

const CATEGORY: Record<DType, number> = { bool: 0, int32: 1, float16: 2, float32: 2 };

/**
 * The dtype of a binary operation on two tensors, following PyTorch's promotion lattice
 * (bool < int32 < float16 < float32).
 *
 * @example
 * ```ts
 * import { promoteTypes } from "@gradstep/gradstep";
 * promoteTypes("int32", "float16"); // "float16"
 * promoteTypes("float16", "float32"); // "float32"
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (CATEGORY[a] !== CATEGORY[b]) return CATEGORY[a] > CATEGORY[b] ? a : b;
  return "float32";
}

/**
 * The dtype of an operation between tensors and plain numbers, following PyTorch: a 0-d tensor or a number only
 * changes the result when it belongs to a higher category (bool < integer < floating point) than every
 * dimensioned tensor. A number counts as an integer when it is integer-valued (JavaScript cannot tell `1.0` from
 * `1`), so `intTensor.add(1)` stays int32 and `intTensor.add(1.5)` is float32, as `int_tensor + 1` and
 * `int_tensor + 1.5` are in PyTorch; creation differs on purpose: `tensor([1, 2])` is float32.
 *
 * @param tensors dtype and rank of each tensor operand
 * @param numbers the plain number operands
 */
export function resultType(
  tensors: readonly { dtype: DType; rank: number }[],
  numbers: readonly number[] = [],
): DType {
  let dimensioned: DType | undefined;
  let zeroDim: DType | undefined;
  for (const t of tensors) {
    if (t.rank > 0) dimensioned = dimensioned === undefined ? t.dtype : promoteTypes(dimensioned, t.dtype);
    else zeroDim = zeroDim === undefined ? t.dtype : promoteTypes(zeroDim, t.dtype);
  }
  let scalar: DType | undefined;
  for (const n of numbers) {
    const d: DType = Number.isInteger(n) ? "int32" : "float32";
    scalar = scalar === undefined ? d : promoteTypes(scalar, d);
  }
  let result = dimensioned;
  for (const next of [zeroDim, scalar]) {
    if (next === undefined) continue;
    if (result === undefined) result = next;
    else if (CATEGORY[next] > CATEGORY[result]) result = next;
  }
  return result ?? "float32";
}
