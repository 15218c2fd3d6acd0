/**
 * `multinomial`: category indices drawn from rows of non-negative weights, as `torch.multinomial`, with the
 * uniform numbers taken from a {@link Generator} (the default one, seeded by `manualSeed`, unless given).
 *
 * With replacement, each draw u ∈ [0, 1) scaled by the row's total is located in the running sums of the weights:
 * the category is the number of running sums ≤ u, so categories of weight 0 are never drawn. Without replacement,
 * as PyTorch does it: each weight divided by an exponential draw, and the `numSamples` largest ratios taken, which
 * samples sequentially without replacement with probabilities proportional to the weights.
 *
 * @module
 */
import { noGrad } from "../autograd/node.ts";
import * as ir from "../backends/kernel_ir.ts";
import { tensor } from "./creation.ts";
import { cachedKernel, runKernel } from "./elementwise.ts";
import { defaultGenerator, type Generator } from "./random.ts";
import { sum } from "./reduce.ts";
import { scan } from "./scan.ts";
import { narrow, reshape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";
import { topk } from "./topk.ts";

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Whether a category may be drawn more than once (default false). */
  replacement?: boolean;
  /** The random stream (default: the global one seeded by `manualSeed`). */
  generator?: Generator;
}

/**
 * Where the weights are host memory, PyTorch's checks of their values (as gather's bounds check; on WebGPU the
 * weights stay on the device and invalid ones give unspecified categories).
 */
function checkWeights(probs: Tensor): void {
  if (probs.device.backend.readSync === undefined) return;
  const n = probs.shape[probs.ndim - 1];
  const values = probs.dataSync();
  for (let row = 0; row * n < values.length; row++) {
    let total = 0;
    for (let i = row * n; i < (row + 1) * n; i++) {
      const p = values[i];
      if (!Number.isFinite(p) || p < 0) {
        throw new RangeError("probability tensor contains either `inf`, `nan` or element < 0");
      }
      total += p;
    }
    if (!(total > 0)) throw new RangeError("invalid multinomial distribution (sum of probabilities <= 0)");
  }
}

/** `numSamples` draws per row with replacement: the count of running sums ≤ u·total (clamped to the last). */
function withReplacement(probs: Tensor, numSamples: number, generator: Generator): Tensor {
  const [rows, n] = probs.shape;
  const cdf = scan(probs, 1, probs.dtype, false);
  const total = narrow(cdf, 1, n - 1, 1);
  const u = tensor(generator.uniform(rows * numSamples), {
    shape: [rows, numSamples, 1],
    dtype: probs.dtype,
    device: probs.device,
  });
  const below = cachedKernel(
    `multinomialBelow:${probs.dtype}`,
    () =>
      ir.defineKernel([probs.dtype, probs.dtype, probs.dtype], [], ([c, draw, t]) => [
        ir.cast(ir.le(c, ir.mul(draw, t)), "int32"),
      ]),
  );
  const counts = sum(runKernel(below, [reshape(cdf, [rows, 1, n]), u, reshape(total, [rows, 1, 1])])[0], 2);
  const clamp = cachedKernel(
    "multinomialClamp",
    () => ir.defineKernel(["int32"], ["int32"], ([c], [last]) => [ir.min(c, last)]),
  );
  return runKernel(clamp, [counts], [n - 1])[0];
}

/** `numSamples` distinct draws per row: the largest weights divided by exponential draws. */
function withoutReplacement(probs: Tensor, numSamples: number, generator: Generator): Tensor {
  const u = generator.uniform(probs.numel);
  // Exponential draws, kept above 0 so that weight 0 divides to 0, never NaN.
  const e = u.map((v) => Math.max(-Math.log(1 - v), 2 ** -25));
  const ratio = cachedKernel(
    `multinomialRatio:${probs.dtype}`,
    () => ir.defineKernel([probs.dtype, probs.dtype], [], ([p, q]) => [ir.div(p, q)]),
  );
  const draws = tensor(e, { shape: probs.shape, dtype: probs.dtype, device: probs.device });
  return topk(runKernel(ratio, [probs, draws])[0], numSamples, { dim: 1 })[1];
}

/**
 * `numSamples` category indices (int32) per row of the 1-D or 2-D non-negative `probs` (weights, not necessarily
 * normalised), drawn with probability proportional to the weights, as `torch.multinomial`.
 *
 * @example
 * ```ts
 * import { manualSeed, multinomial, tensor } from "@gradstep/gradstep";
 * manualSeed(0);
 * const tokens = multinomial(tensor([[0.1, 0.6, 0.3]]), 1); // shape [1, 1], most often [[1]]
 * const order = multinomial(tensor([1, 1, 1, 1], { dtype: "float32" }), 4); // a random permutation of 0 … 3
 * ```
 */
export function multinomial(probs: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  const { replacement = false, generator = defaultGenerator } = options;
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new Error("prob_dist must be 1 or 2 dim");
  if (probs.dtype !== "float32" && probs.dtype !== "float16") {
    throw new TypeError(`multinomial only supports floating-point dtypes for input, got: ${probs.dtype}`);
  }
  const n = probs.shape[probs.ndim - 1];
  if (!Number.isInteger(numSamples) || numSamples <= 0) {
    throw new RangeError(`cannot sample n_sample <= 0 samples, got ${numSamples}`);
  }
  if (!replacement && numSamples > n) {
    throw new RangeError(
      `cannot sample n_sample > prob_dist.size(-1) samples without replacement (n_sample ${numSamples}, size ${n})`,
    );
  }
  checkWeights(probs);
  return noGrad(() => {
    const rows = probs.ndim === 1 ? reshape(probs, [1, n]) : probs;
    const picked = replacement
      ? withReplacement(rows, numSamples, generator)
      : withoutReplacement(rows, numSamples, generator);
    return probs.ndim === 1 ? reshape(picked, [numSamples]) : picked;
  });
}
