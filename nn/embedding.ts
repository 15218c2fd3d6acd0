/**
 * The lookup table of a language model's tokens, as `nn.Embedding` and `torch.nn.functional.embedding`: rows of a
 * weight picked by integer indices. Backward adds each output row's gradient into its row (repeated indices
 * accumulate); the padding row gets none; `maxNorm` renormalises the rows looked up, in place, as PyTorch.
 *
 * @module
 */
import { boolean, checkOptions, instanceOf, shown } from "../tensor/validation.ts";
import { fusedOp } from "../autograd/function.ts";
import { noGrad } from "../autograd/node.ts";
import { getDefaultDevice } from "../backends/device.ts";
import * as ir from "../backends/kernel_ir.ts";
import { ones, zeros } from "../tensor/creation.ts";
import { int32Hint } from "../tensor/dtype.ts";
import { cachedKernel, runKernel } from "../tensor/elementwise.ts";
import { checkIndexValues, indexSelectInRange, scatterAddInRange } from "../tensor/indexing.ts";
import { tidy } from "../tensor/memory.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";
import { normal_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/** Options of {@link embedding}. */
export interface EmbeddingOptions {
  /** A row that gets no gradient (negative counts from the end; default none). */
  paddingIdx?: number | null;
  /** Rows looked up whose norm exceeds this are scaled, in the weight itself, to this norm (default none). */
  maxNorm?: number | null;
  /** The p of the p-norm compared with maxNorm (default 2; Infinity for the largest magnitude). */
  normType?: number;
  /** Divides each row's gradient by how often the input looks it up (default false). */
  scaleGradByFreq?: boolean;
}

/** `paddingIdx` as a row of a table of `rows` (negative counts from the end), as PyTorch checks it. */
function paddingRow(paddingIdx: number | null, rows: number): number | null {
  if (paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx >= rows || paddingIdx < -rows) {
    throw new RangeError(
      `Padding_idx must be within num_embeddings, got ${paddingIdx} for ${rows} embeddings`,
    );
  }
  return paddingIdx < 0 ? rows + paddingIdx : paddingIdx;
}

/** Checks that `input` is an int32 tensor of indices in [0, rows) (values on its device: see `checkIndexValues`). */
function checkIndices(input: Tensor, rows: number): void {
  if (input.dtype !== "int32") {
    throw new TypeError(
      `Expected tensor for argument #1 'indices' to have one of the following scalar types: int32; but got ${input.dtype} instead (while checking arguments for embedding)${
        int32Hint(input.dtype)
      }`,
    );
  }
  const fail = (i: number): Error =>
    new RangeError(`index out of range in self: index ${i} is not in [0, ${rows}) (num_embeddings ${rows})`);
  checkIndexValues(input, { size: rows }, fail);
}

/** How many times `flat` looks up each of `rows` rows, as float32 [rows]. */
function lookups(flat: Tensor, rows: number): Tensor {
  return scatterAddInRange(
    zeros([rows], { device: flat.device }),
    0,
    flat,
    ones(flat.shape, { device: flat.device }),
  );
}

/**
 * Scales, in place and unrecorded, each row of `weight` that `flat` looks up and whose `normType`-norm exceeds
 * `maxNorm` by maxNorm / (norm + 1e-7), as PyTorch's `embedding_renorm_`. One pass over the table: rows not
 * looked up keep a scale of 1, so repeated indices are renormalised once.
 */
function renorm(weight: Tensor, flat: Tensor, maxNorm: number, normType: number): void {
  // tidy: the counts, norms and scales are given back at once.
  noGrad(() =>
    tidy(() => {
      const [rows] = weight.shape;
      const hits = lookups(flat, rows);
      const magnitude = weight.abs();
      const norm = normType === Infinity
        ? magnitude.max(1)
        : magnitude.pow(normType).sum(1).pow(1 / normType);
      const kernel = cachedKernel(
        "nn.embedding.renorm",
        () =>
          ir.defineKernel(["float32", "float32"], ["float32"], ([count, n], [limit]) => [
            ir.where(ir.and(ir.gt(count, 0), ir.gt(n, limit)), ir.div(limit, ir.add(n, 1e-7)), 1),
          ]),
      );
      const [scale] = runKernel(kernel, [hits, norm.float()], [maxNorm]);
      weight.mul_(scale.unsqueeze(1));
    })
  );
}

/**
 * The rows of `weight` ([numEmbeddings, embeddingDim]) at the int32 `input` indices (any shape), shaped
 * [...input.shape, embeddingDim], as `torch.nn.functional.embedding`.
 *
 * @example
 * ```ts
 * import { embedding } from "@gradstep/gradstep/nn";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const table = randn([10, 3]);
 * const rows = embedding(tensor([[1, 2], [4, 9]], { dtype: "int32" }), table); // [2, 2, 3]
 * ```
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  checkTensors("embedding", { input, weight });
  checkOptions("embedding", options, OPTION_SPECS.embedding);
  const { maxNorm = null, normType = 2, scaleGradByFreq = false } = options;
  if (weight.ndim !== 2) throw new Error(`'weight' must be 2-D, got shape [${weight.shape}]`);
  const [rows, dim] = weight.shape;
  const pad = paddingRow(options.paddingIdx ?? null, rows);
  checkIndices(input, rows);
  const flat = input.reshape([input.numel]);
  if (maxNorm !== null) renorm(weight, flat, maxNorm, normType);
  return fusedOp(
    "embedding",
    [weight],
    () => ({ output: indexSelectInRange(weight, 0, flat).reshape([...input.shape, dim]) }),
    (g) => {
      const spread = flat.reshape([flat.numel, 1]).expand([flat.numel, dim]);
      const grad = scatterAddInRange(
        zeros(weight.shape, { dtype: weight.dtype, device: weight.device }),
        0,
        spread,
        g.reshape([flat.numel, dim]),
      );
      if (pad !== null) grad.narrow(0, pad, 1).zero_();
      return [scaleGradByFreq ? grad.div(lookups(flat, rows).maximum(1).unsqueeze(1)) : grad];
    },
  );
}

/** Options of {@link Embedding}. */
export interface EmbeddingModuleOptions extends EmbeddingOptions {
  /** Whether `fromPretrained`'s weight stays fixed (default true there). */
  freeze?: boolean;
}

/**
 * A table of `numEmbeddings` learnt vectors of size `embeddingDim`, as `nn.Embedding`: weight ~ N(0, 1) with the
 * padding row zeroed, state-dict key `weight`.
 *
 * @example
 * ```ts
 * import { Embedding } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * const wte = new Embedding(65, 128);
 * const x = wte.forward(tensor([[0, 5, 64]], { dtype: "int32" })); // [1, 3, 128]
 * ```
 */
export class Embedding extends Module {
  /** The vectors, [numEmbeddings, embeddingDim]; assignable, to share it with an output layer. */
  weight: Parameter;
  /** The row that gets no gradient (non-negative), or null. */
  readonly paddingIdx: number | null;
  /** The norm rows looked up are limited to, or null. */
  readonly maxNorm: number | null;
  /** The p of the norm compared with maxNorm. */
  readonly normType: number;
  /** Whether each row's gradient is divided by how often the input looks it up. */
  readonly scaleGradByFreq: boolean;

  /** A table of `numEmbeddings` rows of size `embeddingDim`. */
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkOptions("Embedding", options, { ...OPTION_SPECS.embedding, freeze: boolean });
    for (const [name, n] of [["numEmbeddings", numEmbeddings], ["embeddingDim", embeddingDim]] as const) {
      if (!Number.isInteger(n) || n < 0) {
        throw new RangeError(`Embedding: ${name} must be a non-negative integer, got ${shown(n)}`);
      }
    }
    this.paddingIdx = paddingRow(options.paddingIdx ?? null, numEmbeddings);
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    this.weight = new Parameter(
      normal_(zeros([numEmbeddings, embeddingDim], { device: getDefaultDevice() })),
    );
    if (this.paddingIdx !== null) noGrad(() => this.weight.narrow(0, this.paddingIdx!, 1).zero_());
  }

  /**
   * An Embedding holding `embeddings` ([numEmbeddings, embeddingDim], shared, not copied), fixed unless
   * `freeze: false`, as `nn.Embedding.from_pretrained`.
   *
   * @example
   * ```ts
   * import { Embedding } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const glove = Embedding.fromPretrained(randn([100, 8]));
   * console.log(glove.weight.requiresGrad); // false
   * ```
   */
  static fromPretrained(embeddings: Tensor, options: EmbeddingModuleOptions = {}): Embedding {
    instanceOf(Tensor)("embeddings", embeddings);
    if (embeddings.ndim !== 2) {
      throw new Error(
        `Embeddings parameter is expected to be 2-dimensional, got shape [${embeddings.shape}]`,
      );
    }
    const [rows, dim] = embeddings.shape;
    const layer = new Embedding(rows, dim, options);
    layer.weight = new Parameter(embeddings, !(options.freeze ?? true));
    return layer;
  }

  /** The rows at the int32 `input` indices: [...input.shape, embeddingDim]. */
  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, {
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType,
      scaleGradByFreq: this.scaleGradByFreq,
    });
  }
}
