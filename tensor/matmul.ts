/**
 * The matrix product with PyTorch's `matmul` rules: 1-D operands gain and then lose a dimension, batch dimensions
 * broadcast (a batch of matrices times one matrix is folded into one product), and transposed operands are read
 * through their strides without copying.
 *
 * @module
 */
import { noGrad, record } from "../autograd/node.ts";
import type { View } from "../backends/backend.ts";
import { collapse } from "../backends/layout.ts";
import { isFloating } from "./dtype.ts";
import { commonDevice } from "./elementwise.ts";
import {
  broadcastShapes,
  broadcastStrides,
  contiguous,
  empty,
  expand,
  numel,
  reshape,
  squeeze,
  unsqueeze,
} from "./shape.ts";
import type { Tensor } from "./tensor.ts";
import { autocastArgs } from "./autocast_policy.ts";

/**
 * `a @ b` as PyTorch's `torch.matmul`.
 *
 * @example
 * ```ts
 * import { matmul, randn } from "@gradstep/gradstep";
 * const y = matmul(randn([8, 3, 4]), randn([4, 5])); // [8, 3, 5]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(
      `both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`,
    );
  }
  [a, b] = autocastArgs("lower", [a, b]);
  if (a.ndim === 1 && b.ndim === 1) return squeeze(squeeze(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), -1), -1);
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  if (b.ndim === 2 && a.ndim > 2) {
    // As PyTorch: a [..., m, k] @ b [k, n] is one [(…·m), k] @ [k, n] product, not a batch of products against
    // the same b, so b's gradient is one product too rather than a batch of them summed.
    const rows = a.shape.slice(0, -1);
    const folded = batchedMatmul(reshape(a, [numel(rows), a.shape[a.ndim - 1]]), b);
    return reshape(folded, [...rows, b.shape[1]]);
  }
  return batchedMatmul(a, b);
}

/** The differentiable primitive: the product of two tensors of at least 2 dimensions. */
function batchedMatmul(a: Tensor, b: Tensor): Tensor {
  const device = commonDevice([a, b]);
  if (a.dtype !== b.dtype) {
    throw new TypeError(`expected m1 and m2 to have the same dtype, but got: ${a.dtype} != ${b.dtype}`);
  }
  if (!isFloating(a.dtype)) throw new TypeError(`matmul needs floating-point tensors, got ${a.dtype}`);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) {
    throw new Error(
      `mat1 and mat2 shapes cannot be multiplied (${m}x${k} and ${k2}x${n}): shapes [${a.shape}] and [${b.shape}]`,
    );
  }
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = empty([...batchShape, m, n], a);
  if (out.numel > 0) {
    let [x, y] = [a, b];
    const batchStrides = (t: Tensor): number[] =>
      broadcastStrides(t, [...batchShape, ...t.shape.slice(-2)]).slice(0, -2);
    let merged = collapse(batchShape, [batchStrides(x), batchStrides(y)]);
    if (merged.shape.length > 1) {
      // Batch dimensions that no single stride can walk: materialise the operands whose own batch strides cannot
      // be walked by one stride (the others, walked by one each, then walk together).
      const walks = (t: Tensor): boolean => collapse(batchShape, [batchStrides(t)]).shape.length <= 1;
      [x, y] = noGrad(() => [
        walks(a) ? a : contiguous(expand(a, [...batchShape, m, k])),
        walks(b) ? b : contiguous(expand(b, [...batchShape, k, n])),
      ]);
      merged = collapse(batchShape, [batchStrides(x), batchStrides(y)]);
    }
    const view3 = (t: Tensor, batchStride: number): View => ({
      buffer: t.storage.buffer,
      offset: t.offset,
      strides: [batchStride, ...t.strides.slice(-2)],
    });
    device.backend.matmul(
      view3(x, merged.strides[0][0]),
      view3(y, merged.strides[1][0]),
      out.storage.buffer,
      numel(batchShape),
      m,
      n,
      k,
    );
  }
  return record(out, "matmul", [a, b], {});
}
