/**
 * Work over many float32 tensors in few kernels, for gradient clipping: the sum of all their squares and an
 * in-place scaling of all of them. Tensors of one element count share a kernel (a model's layers repeat their
 * shapes), up to {@link PER_KERNEL} at a time, so a GPT's 27 gradients take 7 kernels instead of 27 or more.
 *
 * @module
 */
import * as ir from "../../backends/kernel_ir.ts";
import { cachedKernel, runKernelInto } from "../../tensor/elementwise.ts";
import { chunksBy } from "../../tensor/multi_copy.ts";
import { sum } from "../../tensor/reduce.ts";
import { zeros } from "../../tensor/creation.ts";
import { empty, isContiguous, narrow, reshape } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";

/**
 * The most tensors one kernel reads: with its output and the backend's parameter block they stay within the 8
 * storage buffers every WebGPU adapter offers a shader.
 */
const PER_KERNEL = 6;

/** `tensors` but the empty ones, in groups of one element count, each at most {@link PER_KERNEL} long. */
function groups(tensors: readonly Tensor[]): Tensor[][] {
  return chunksBy(tensors.filter((t) => t.numel > 0), (t) => t.numel, PER_KERNEL);
}

const flat = (t: Tensor): Tensor => reshape(t, [t.numel]);

/** [x₁, …, xₖ] → x₁² + … + xₖ² */
function squaresKernel(count: number): ir.Kernel {
  return cachedKernel(
    `foreach-squares:${count}`,
    () =>
      ir.defineKernel(Array.from({ length: count }, () => "float32"), [], (xs) => [
        xs.map((x) => ir.mul(x, x)).reduce((a, b) => ir.add(a, b)),
      ]),
  );
}

/** [x₁, …, xₖ, c] → x₁·c, …, xₖ·c */
function scaleKernel(count: number): ir.Kernel {
  return cachedKernel(
    `foreach-scale:${count}`,
    () =>
      ir.defineKernel(Array.from({ length: count + 1 }, () => "float32"), [], (xs) => {
        const c = xs[count];
        return xs.slice(0, count).map((x) => ir.mul(x, c));
      }),
  );
}

/**
 * The sum of the squares of every element of the float32 `tensors` (at least one, all on one device), as a 0-d
 * float32 tensor: one kernel per group writes the groups' elementwise sums of squares into one buffer, and one
 * reduction sums it. Not recorded.
 *
 * @example
 * ```ts
 * import { sumOfSquares } from "./foreach.ts";
 * import { tensor } from "../../mod.ts";
 * const s = sumOfSquares([tensor([3], { dtype: "float32" }), tensor([4], { dtype: "float32" })]); // 25
 * ```
 */
export function sumOfSquares(tensors: readonly Tensor[]): Tensor {
  const parts = groups(tensors);
  if (parts.length === 0) return zeros([], { device: tensors[0].device });
  const length = parts.reduce((n, g) => n + g[0].numel, 0);
  const squares = empty([length], { dtype: "float32", device: tensors[0].device }, false);
  let at = 0;
  for (const g of parts) {
    runKernelInto(squaresKernel(g.length), g.map(flat), [narrow(squares, 0, at, g[0].numel)]);
    at += g[0].numel;
  }
  return sum(squares);
}

/**
 * Multiplies every tensor of `tensors` in place by the 0-d `coefficient`: the contiguous float32 ones (given a
 * float32 coefficient) one kernel per group, any others one `mul_` each. Not recorded.
 *
 * @example
 * ```ts
 * import { scaleAll_ } from "./foreach.ts";
 * import { tensor } from "../../mod.ts";
 * const [a, b] = [tensor([1, 2], { dtype: "float32" }), tensor([3, 4], { dtype: "float32" })];
 * scaleAll_([a, b], tensor(0.5, { dtype: "float32" })); // a: [0.5, 1], b: [1.5, 2]
 * ```
 */
export function scaleAll_(tensors: readonly Tensor[], coefficient: Tensor): void {
  const fits = (t: Tensor): boolean =>
    t.dtype === "float32" && coefficient.dtype === "float32" && isContiguous(t);
  for (const t of tensors) if (!fits(t)) t.mul_(coefficient);
  for (const g of groups(tensors.filter(fits))) {
    const views = g.map(flat);
    runKernelInto(scaleKernel(g.length), [...views, coefficient], views);
  }
}
