/**
 * Indexing along a dimension: `gather`, `indexSelect` (a gather with a broadcast index) and `scatterAdd`, their
 * gradient.
 *
 * @module
 */
import { record } from "../autograd/node.ts";
import type { View } from "../backends/backend.ts";
import { int32Hint } from "./dtype.ts";
import { commonDevice, copyInto } from "./elementwise.ts";
import { empty, expand, narrow, normalizeDim, reshape } from "./shape.ts";
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
  // Bounds can be checked without a device round-trip only where memory is host memory. A broadcast index (an
  // im2col pattern expanded over batch and channels, say) is read once, not once per copy.
  if (index.device.backend.readSync && index.numel > 0) {
    const size = t.shape[dim] ?? 1;
    const distinct = index.strides.reduce((v, stride, d) => (stride === 0 ? narrow(v, d, 0, 1) : v), index);
    for (const i of distinct.dataSync()) {
      if (i < 0 || i >= size) {
        throw new RangeError(`${name}(): index ${i} is out of bounds for dimension ${dim} with size ${size}`);
      }
    }
  }
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
  const d = normalizeDim(dim, t.ndim);
  commonDevice([t, index]);
  checkIndex("gather", t, d, index);
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
  if (index.ndim > 1) {
    throw new Error(`index_select(): Index is supposed to be a vector, got shape [${index.shape}]`);
  }
  const d = normalizeDim(dim, t.ndim);
  if (t.ndim === 0) return gather(t, 0, reshape(index, []));
  const shape = t.shape.map((s, i) => (i === d ? index.numel : s));
  const spread = expand(reshape(index, shape.map((s, i) => (i === d ? s : 1))), shape);
  return gather(t, d, spread);
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
  const d = normalizeDim(dim, t.ndim);
  commonDevice([t, index, values]);
  checkIndex("scatterAdd", t, d, index);
  if (values.ndim !== index.ndim || index.shape.some((s, i) => s > values.shape[i])) {
    throw new Error(
      `scatterAdd(): expected index [${index.shape}] to be no larger than values [${values.shape}] in every dimension`,
    );
  }
  const out = copyInto(empty(t.shape, t), t);
  const source = values.dtype === t.dtype ? values : copyInto(empty(values.shape, t), values);
  t.device.backend.scatterAdd(operand(out), operand(index), operand(source), d, walked(index));
  return out;
}
