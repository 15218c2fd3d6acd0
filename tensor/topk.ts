/**
 * `topk`: the k largest (or smallest) elements along a dimension and their positions, as `torch.topk`. It takes
 * k rounds, each a reduction for the best remaining value, a reduction for the first remaining position holding
 * it (so equal values come out in index order and none twice, -∞ included) and one kernel striking that position
 * out. The values are a gather at the positions, whose gradient scatters the output's back to them.
 *
 * @module
 */
import { noGrad } from "../autograd/node.ts";
import * as ir from "../backends/kernel_ir.ts";
import { arange } from "./creation.ts";
import { cachedKernel, copyInto, runKernel } from "./elementwise.ts";
import { gatherInRange } from "./indexing.ts";
import { argExtreme, extreme } from "./reduce.ts";
import { empty, narrow, normalizeDim, reshape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

/** Options of {@link topk}. */
export interface TopkOptions {
  /** The dimension to pick along (default -1, the last). */
  dim?: number;
  /** The largest elements (default) or the smallest. */
  largest?: boolean;
  /** Whether the k elements come in order; they always do here (PyTorch leaves the order open when false). */
  sorted?: boolean;
}

/** The positions of the k best elements of `score` along `d`, best first (int32, size k along d). */
function bestPositions(score: Tensor, d: number, k: number): Tensor {
  const n = score.shape[d];
  const positions = reshape(
    arange(n, undefined, 1, { dtype: "int32", device: score.device }),
    score.shape.map((s, i) => (i === d ? s : 1)),
  );
  const indices = empty(score.shape.map((s, i) => (i === d ? k : s)), {
    dtype: "int32",
    device: score.device,
  });
  const dtype = score.dtype;
  // Equal to the best remaining value (or NaN, which is above everything, as in PyTorch) and not yet taken.
  const eligible = cachedKernel(
    `topkEligible:${dtype}`,
    () =>
      ir.defineKernel([dtype, dtype, "bool"], [], ([x, best, taken]) => [
        ir.cast(ir.and(ir.not(taken), ir.or(ir.eq(x, best), ir.ne(x, x))), "int32"),
      ]),
  );
  // Strikes out the position just taken: it joins `taken`, and its score drops to the lowest value (-∞, or
  // int32's least) for the next maximum.
  const strike = cachedKernel(
    `topkStrike:${dtype}`,
    () =>
      ir.defineKernel([dtype, "bool", "int32", "int32"], [], ([x, taken, at, picked]) => {
        const now = ir.or(taken, ir.eq(at, picked));
        return [ir.where(now, ir.constant(dtype === "int32" ? -(2 ** 31) : -Infinity, dtype), x), now];
      }),
  );
  let remaining = score;
  let taken = empty(score.shape, { dtype: "bool", device: score.device });
  for (let r = 0; r < k; r++) {
    const best = extreme("max", remaining, d, true);
    const picked = argExtreme("argmax", runKernel(eligible, [score, best, taken])[0], d, true);
    copyInto(narrow(indices, d, r, 1), picked);
    if (r + 1 < k) [remaining, taken] = runKernel(strike, [score, taken, positions, picked]);
  }
  return indices;
}

/**
 * The `k` largest elements of `t` along `dim` (or the smallest, with `largest: false`), best first, and their
 * int32 positions, as `torch.topk`. Equal values come out in the order of their positions; NaN counts as the
 * largest value.
 *
 * @example
 * ```ts
 * import { tensor, topk } from "@gradstep/gradstep";
 * const [values, indices] = topk(tensor([[1, 5, 3], [4, 2, 6]]), 2); // [[5, 3], [6, 4]] and [[1, 2], [2, 0]]
 * ```
 */
export function topk(t: Tensor, k: number, options: TopkOptions = {}): [Tensor, Tensor] {
  const { dim = -1, largest = true } = options;
  if (t.ndim === 0) {
    const [values, indices] = topk(reshape(t, [1]), k, { ...options, dim: 0 });
    return [reshape(values, []), reshape(indices, [])];
  }
  const d = normalizeDim(dim, t.ndim);
  if (!Number.isInteger(k) || k < 0 || k > t.shape[d]) {
    throw new RangeError(`selected index k out of range: k is ${k}, dimension ${d} has size ${t.shape[d]}`);
  }
  const score = largest ? t : runKernel(
    cachedKernel(`topkNegate:${t.dtype}`, () => ir.defineKernel([t.dtype], [], ([x]) => [ir.neg(x)])),
    [t],
  )[0];
  const indices = noGrad(() => bestPositions(score, d, k));
  return [gatherInRange(t, d, indices), indices];
}
