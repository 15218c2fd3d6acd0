/**
 * The lower and upper triangles of matrices (`tril`, `triu`): the causal mask of attention. Each is one kernel
 * that compares every element's column minus row with the diagonal, over any leading batch dimensions; the
 * gradient is the same triangle of the output's gradient.
 *
 * @module
 */
import { fusedOp } from "../autograd/function.ts";
import * as ir from "../backends/kernel_ir.ts";
import { arange } from "./creation.ts";
import { cachedKernel, runKernel } from "./elementwise.ts";
import { reshape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

type Triangle = "tril" | "triu";

/** `t` with the elements outside the triangle zeroed: column − row ≤ diagonal (tril) or ≥ diagonal (triu). */
function keepTriangle(which: Triangle, t: Tensor, diagonal: number): Tensor {
  const [m, n] = t.shape.slice(-2);
  const options = { dtype: "int32", device: t.device } as const;
  const rows = reshape(arange(m, undefined, 1, options), [m, 1]);
  const cols = arange(n, undefined, 1, options);
  const kernel = cachedKernel(
    `${which}:${t.dtype}`,
    () =>
      ir.defineKernel([t.dtype, "int32", "int32"], ["int32"], ([x, row, col], [d]) => {
        const offset = ir.sub(col, row);
        const inside = which === "tril" ? ir.le(offset, d) : ir.ge(offset, d);
        return [ir.where(inside, x, ir.constant(0, t.dtype))];
      }),
  );
  return runKernel(kernel, [t, rows, cols], [diagonal])[0];
}

function triangle(which: Triangle, t: Tensor, diagonal: number): Tensor {
  if (t.ndim < 2) throw new Error(`${which}: input tensor must have at least 2 dimensions, got ${t.ndim}`);
  if (!Number.isInteger(diagonal)) {
    throw new TypeError(`${which}(): diagonal must be an integer, got ${diagonal}`);
  }
  return fusedOp(
    which,
    [t],
    () => ({ output: keepTriangle(which, t, diagonal) }),
    (g) => [keepTriangle(which, g, diagonal)],
  );
}

/**
 * The lower triangle of the last two dimensions of `t`: elements on and below the `diagonal`-th diagonal (0 the
 * main one, positive above it, negative below), the rest zero, as `torch.tril`.
 *
 * @example
 * ```ts
 * import { ones, tril } from "@gradstep/gradstep";
 * const causal = tril(ones([3, 3])); // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 * ```
 */
export function tril(t: Tensor, diagonal = 0): Tensor {
  return triangle("tril", t, diagonal);
}

/**
 * The upper triangle of the last two dimensions of `t`: elements on and above the `diagonal`-th diagonal, the
 * rest zero, as `torch.triu`.
 *
 * @example
 * ```ts
 * import { ones, triu } from "@gradstep/gradstep";
 * const future = triu(ones([3, 3]), 1); // [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
 * ```
 */
export function triu(t: Tensor, diagonal = 0): Tensor {
  return triangle("triu", t, diagonal);
}
