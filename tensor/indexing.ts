/**
 * Indexing along a dimension: `gather`, `indexSelect` (a gather with a broadcast index) and `scatterAdd`, their
 * gradient.
 *
 * @module
 */
import { record } from "../autograd/node.ts";
import type { IndexBounds, View } from "../backends/backend.ts";
import { int32Hint } from "./dtype.ts";
import { commonDevice, copyInto } from "./elementwise.ts";
import { empty, expand, normalizeDim, reshape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

function checkIndex(name: string, t: Tensor, dim: number, index: Tensor): void {
  if (index.dtype !== "int32") {
    throw new TypeError(
      `${name}(): Expected dtype int32 for index, got ${index.dtype}${int32Hint(index.dtype)}`,
    );
  }
  if (index.ndim !== t.ndim) {
    throw new Error(
      `${name}(): Index tensor must have the same number of dimensions as input tensor (${index.ndim} vs ${t.ndim})`,
    );
  }
  index.shape.forEach((s, d) => {
    if (d !== dim && s > t.shape[d]) {
      throw new Error(
        `${name}(): Size does not match at dimension ${d} expected index [${index.shape}] to be smaller than self [${t.shape}] apart from dimension ${dim}`,
      );
    }
  });
}

/**
 * Checks the values of the int32 `index` on its device: the first (in row-major order) outside [0, `size`) and
 * unequal to `ignore` becomes `fail(value)`, thrown at once where memory is host memory and by the device's next
 * read otherwise (see `Backend.checkIndices`); one code path, and no readback of its own. A broadcast index (an
 * im2col pattern expanded over batch and channels, say) is walked once, not once per copy. `fail` should capture
 * only the numbers its message needs.
 *
 * @example
 * ```ts
 * import { checkIndexValues } from "./indexing.ts";
 * import { tensor } from "./creation.ts";
 * const labels = tensor([0, 3, -100], { dtype: "int32" });
 * checkIndexValues(labels, { size: 4, ignore: -100 }, (v) => new RangeError(`Target ${v} is out of bounds.`));
 * ```
 */
export function checkIndexValues(index: Tensor, bounds: IndexBounds, fail: (value: number) => Error): void {
  if (index.numel === 0) return;
  const view = operand(index);
  const shape = walked(index).map((s, d) => (view.strides[d] === 0 ? 1 : s));
  index.device.backend.checkIndices(view, shape, bounds, fail);
}

/** The values of `index` checked against dimension `dim` of `t`, with gather's and scatter-add's message. */
function checkInBounds(name: string, t: Tensor, dim: number, index: Tensor): void {
  const size = t.shape[dim] ?? 1;
  checkIndexValues(
    index,
    { size },
    (i) => new RangeError(`${name}(): index ${i} is out of bounds for dimension ${dim} with size ${size}`),
  );
}

/** `t` as a backend operand of at least one dimension: the backends' gather and scatter-add index a dimension. */
function operand(t: Tensor): View {
  return t.ndim > 0 ? t.strided : { ...t.strided, strides: [0] };
}

/** The shape the backends walk for `index`: a 0-d index is one element of one dimension. */
function walked(index: Tensor): readonly number[] {
  return index.ndim > 0 ? index.shape : [1];
}

/**
 * `out[i][j] = t[i][index[i][j]]` along `dim` (for dim 1; likewise for other dimensions), as `torch.gather`.
 *
 * @example
 * ```ts
 * import { gather, tensor } from "@gradstep/gradstep";
 * const picked = gather(tensor([[1, 2], [3, 4]]), 1, tensor([[1], [0]], { dtype: "int32" })); // [[2], [3]]
 * ```
 */
export function gather(t: Tensor, dim: number, index: Tensor): Tensor {
  return gatherChecked(t, dim, index, true);
}

/**
 * {@link gather} for an index the library made in range or already checked (its own patterns, a gradient's
 * index): the shapes are checked, the values not.
 *
 * @example
 * ```ts
 * import { gatherInRange } from "./indexing.ts";
 * import { tensor } from "./creation.ts";
 * const picked = gatherInRange(tensor([[1, 2], [3, 4]]), 1, tensor([[1], [0]])); // [[2], [3]]
 * ```
 */
export function gatherInRange(t: Tensor, dim: number, index: Tensor): Tensor {
  return gatherChecked(t, dim, index, false);
}

function gatherChecked(t: Tensor, dim: number, index: Tensor, checked: boolean): Tensor {
  const d = normalizeDim(dim, t.ndim);
  commonDevice([t, index]);
  checkIndex("gather", t, d, index);
  if (checked) checkInBounds("gather", t, d, index);
  const out = empty(index.shape, t);
  t.device.backend.gather(operand(t), operand(index), d, walked(index), out.storage.buffer);
  return record(out, "gather", [t], { dim: d, index });
}

/**
 * The slices of `t` at the positions in the 1-D int32 `index` along `dim`, as `torch.index_select`.
 *
 * @example
 * ```ts
 * import { indexSelect, tensor } from "@gradstep/gradstep";
 * const rows = indexSelect(tensor([[1, 2], [3, 4], [5, 6]]), 0, tensor([2, 0], { dtype: "int32" })); // [[5, 6], [1, 2]]
 * ```
 */
export function indexSelect(t: Tensor, dim: number, index: Tensor): Tensor {
  return indexSelectChecked(t, dim, index, true);
}

/**
 * {@link indexSelect} for an index already checked (an embedding's, a loss's targets): its values are not
 * checked again.
 *
 * @example
 * ```ts
 * import { indexSelectInRange } from "./indexing.ts";
 * import { tensor } from "./creation.ts";
 * const rows = indexSelectInRange(tensor([[1, 2], [3, 4], [5, 6]]), 0, tensor([2, 0])); // [[5, 6], [1, 2]]
 * ```
 */
export function indexSelectInRange(t: Tensor, dim: number, index: Tensor): Tensor {
  return indexSelectChecked(t, dim, index, false);
}

function indexSelectChecked(t: Tensor, dim: number, index: Tensor, checked: boolean): Tensor {
  if (index.ndim > 1) {
    throw new Error(`index_select(): Index is supposed to be a vector, got shape [${index.shape}]`);
  }
  const d = normalizeDim(dim, t.ndim);
  if (t.ndim === 0) return gatherChecked(t, 0, reshape(index, []), checked);
  const shape = t.shape.map((s, i) => (i === d ? index.numel : s));
  const spread = expand(reshape(index, shape.map((s, i) => (i === d ? s : 1))), shape);
  return gatherChecked(t, d, spread, checked);
}

/**
 * A copy of `t` with `values` added at `index` along `dim`: `out[i][index[i][j]] += values[i][j]` (for dim 1),
 * accumulating repeated indices, as `torch.scatter_add`. Not recorded by autograd.
 *
 * @example
 * ```ts
 * import { scatterAdd, tensor, zeros } from "@gradstep/gradstep";
 * const counts = scatterAdd(zeros([3]), 0, tensor([0, 2, 2], { dtype: "int32" }), tensor([1, 1, 1])); // [1, 0, 2]
 * ```
 */
export function scatterAdd(t: Tensor, dim: number, index: Tensor, values: Tensor): Tensor {
  return scatterAddChecked(t, dim, index, values, true);
}

/**
 * {@link scatterAdd} for an index the library made in range or already checked (a gradient's): the shapes are
 * checked, the values not.
 *
 * @example
 * ```ts
 * import { scatterAddInRange } from "./indexing.ts";
 * import { tensor, zeros } from "./creation.ts";
 * const counts = scatterAddInRange(zeros([3]), 0, tensor([0, 2, 2]), tensor([1, 1, 1])); // [1, 0, 2]
 * ```
 */
export function scatterAddInRange(t: Tensor, dim: number, index: Tensor, values: Tensor): Tensor {
  return scatterAddChecked(t, dim, index, values, false);
}

function scatterAddChecked(t: Tensor, dim: number, index: Tensor, values: Tensor, checked: boolean): Tensor {
  const d = normalizeDim(dim, t.ndim);
  commonDevice([t, index, values]);
  checkIndex("scatterAdd", t, d, index);
  if (values.ndim !== index.ndim || index.shape.some((s, i) => s > values.shape[i])) {
    throw new Error(
      `scatterAdd(): expected index [${index.shape}] to be no larger than values [${values.shape}] in every dimension`,
    );
  }
  if (checked) checkInBounds("scatterAdd", t, d, index);
  const out = copyInto(empty(t.shape, t), t);
  const source = values.dtype === t.dtype ? values : copyInto(empty(values.shape, t), values);
  t.device.backend.scatterAdd(operand(out), operand(index), operand(source), d, walked(index));
  return out;
}
