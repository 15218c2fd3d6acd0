/**
 * Multi-head attention, as `nn.MultiheadAttention`: PyTorch's parameters (`in_proj_weight`, or `q_proj_weight`,
 * `k_proj_weight` and `v_proj_weight` when kdim or vdim differ from embedDim; `in_proj_bias`; the `out_proj`
 * Linear), its initialisation, its mask conventions and its error messages.
 *
 * @module
 */
import { anything, boolean, checkOptions, nullable, number, shown } from "../tensor/validation.ts";
import { getDefaultDevice } from "../backends/device.ts";
import { zeros } from "../tensor/creation.ts";
import { isFloating } from "../tensor/dtype.ts";
import { cast, where } from "../tensor/elementwise.ts";
import { sameShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { scaledDotProductAttention } from "./attention.ts";
import { dropout } from "./dropout.ts";
import { linear } from "./functional.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";
import { constant_, xavierUniform_ } from "./init.ts";
import { Linear } from "./linear.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Whether the input and output projections have biases (default true). */
  bias?: boolean;
  /** Whether inputs and outputs are [N, L, E] (batch first) rather than [L, N, E] (default false). */
  batchFirst?: boolean;
  /** The keys' feature size (default embedDim). */
  kdim?: number | null;
  /** The values' feature size (default embedDim). */
  vdim?: number | null;
}

/** Options of {@link MultiheadAttention.forward}. */
export interface MultiheadAttentionForwardOptions {
  /**
   * [N, S] (or [S] unbatched), bool TRUE WHERE THE KEY IS PADDING (ignored), as PyTorch's MultiheadAttention; a
   * float mask is added to the scores.
   */
  keyPaddingMask?: Tensor | null;
  /** Whether to return the attention weights (default true, as PyTorch). */
  needWeights?: boolean;
  /**
   * [L, S] or [N·numHeads, L, S] ([numHeads, L, S] unbatched): bool TRUE WHERE ATTENTION IS NOT ALLOWED (the
   * opposite of `scaledDotProductAttention`'s bool mask, as in PyTorch); a float mask is added to the scores.
   */
  attnMask?: Tensor | null;
  /** Whether the returned weights are averaged over the heads ([N, L, S]) or per head ([N, H, L, S]) (default true). */
  averageAttnWeights?: boolean;
  /** A hint that `attnMask` is the causal mask (which must then be given, as PyTorch). */
  isCausal?: boolean;
}

function checkDim(name: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`MultiheadAttention: ${name} must be a positive integer, got ${shown(n)}`);
  }
}

function checkMaskDtype(mask: Tensor | null, name: string): void {
  if (mask !== null && mask.dtype !== "bool" && !isFloating(mask.dtype)) {
    throw new TypeError(`only bool and floating types of ${name} are supported`);
  }
}

/** A bool mask (true = masked) as −∞/0 in `like`'s dtype; a float mask as it is. */
function additive(mask: Tensor, like: Tensor): Tensor {
  return mask.dtype === "bool" ? cast(where(mask, -Infinity, 0), like.dtype) : mask;
}

/**
 * Attention over several heads, as `nn.MultiheadAttention`: queries [L, N, E] (batch first: [N, L, E];
 * unbatched: [L, E]), keys [S, N, kdim] and values [S, N, vdim]. `forward` returns `[output, weights | null]`.
 * Bool masks are true where attention is NOT allowed, as PyTorch's MultiheadAttention reads them.
 *
 * @example
 * ```ts
 * import { MultiheadAttention } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const mha = new MultiheadAttention(16, 4, { batchFirst: true });
 * const x = randn([2, 5, 16]);
 * const [y, weights] = mha.forward(x, x, x); // [2, 5, 16] and [2, 5, 5]
 * console.log(Object.keys(mha.stateDict())); // ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
 * ```
 */
export class MultiheadAttention extends Module {
  /** The packed query, key and value projection [3E, E] (null when kdim or vdim differ from E). */
  in_proj_weight: Parameter | null;
  /** The query projection [E, E] when kdim or vdim differ from E, else null. */
  q_proj_weight: Parameter | null;
  /** The key projection [E, kdim] when kdim or vdim differ from E, else null. */
  k_proj_weight: Parameter | null;
  /** The value projection [E, vdim] when kdim or vdim differ from E, else null. */
  v_proj_weight: Parameter | null;
  /** The packed projection bias [3E], or null without bias. */
  in_proj_bias: Parameter | null;
  /** The output projection (E to E). */
  out_proj: Linear;
  /** The keys' feature size. */
  readonly kdim: number;
  /** The values' feature size. */
  readonly vdim: number;
  /** Each head's size, embedDim / numHeads. */
  readonly headDim: number;
  /** The dropout probability on the weights in training mode. */
  readonly dropout: number;
  /** Whether inputs and outputs are batch first. */
  readonly batchFirst: boolean;

  /** Attention of `numHeads` heads over `embedDim` features (which numHeads must divide). */
  constructor(readonly embedDim: number, readonly numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    if (!(embedDim > 0 && numHeads > 0)) {
      throw new RangeError(
        `embed_dim and num_heads must be greater than 0, got embed_dim=${embedDim} and num_heads=${numHeads} instead`,
      );
    }
    checkDim("embedDim", embedDim);
    checkDim("numHeads", numHeads);
    checkOptions("MultiheadAttention", options, {
      dropout: number,
      bias: boolean,
      batchFirst: boolean,
      kdim: nullable(anything),
      vdim: nullable(anything),
    });
    if (embedDim % numHeads !== 0) {
      throw new RangeError(
        `embed_dim must be divisible by num_heads, got embed_dim=${embedDim} and num_heads=${numHeads}`,
      );
    }
    const { dropout = 0, bias = true, batchFirst = false } = options;
    if (!(dropout >= 0 && dropout <= 1)) {
      throw new RangeError(`dropout probability has to be between 0 and 1, but got ${dropout}`);
    }
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    checkDim("kdim", this.kdim);
    checkDim("vdim", this.vdim);
    this.headDim = embedDim / numHeads;
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    const device = getDefaultDevice();
    const weight = (rows: number, cols: number): Parameter =>
      new Parameter(xavierUniform_(zeros([rows, cols], { device })));
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    this.in_proj_weight = packed ? weight(3 * embedDim, embedDim) : null;
    this.q_proj_weight = packed ? null : weight(embedDim, embedDim);
    this.k_proj_weight = packed ? null : weight(embedDim, this.kdim);
    this.v_proj_weight = packed ? null : weight(embedDim, this.vdim);
    this.in_proj_bias = bias ? new Parameter(zeros([3 * embedDim], { device })) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias });
    if (this.out_proj.bias !== null) constant_(this.out_proj.bias, 0);
  }

  /** The query, key and value projections, each [N, ·, E]: one matrix product when all three are one tensor. */
  #project(query: Tensor, key: Tensor, value: Tensor): Tensor[] {
    const e = this.embedDim;
    const b = this.in_proj_bias;
    const bias = (i: number): Tensor | null => (b === null ? null : b.narrow(0, i * e, e));
    if (this.in_proj_weight === null) {
      return [this.q_proj_weight!, this.k_proj_weight!, this.v_proj_weight!].map((w, i) =>
        linear([query, key, value][i], w, bias(i))
      );
    }
    if (query === key && key === value) {
      const qkv = linear(query, this.in_proj_weight, b);
      return [0, 1, 2].map((i) => qkv.narrow(-1, i * e, e));
    }
    return [query, key, value].map((x, i) => linear(x, this.in_proj_weight!.narrow(0, i * e, e), bias(i)));
  }

  /**
   * Attends from `query` to `key`/`value`; returns `[output, weights | null]` as PyTorch: output shaped like the
   * query, weights [N, L, S] averaged over heads or [N, numHeads, L, S] (batch dimension absent when unbatched).
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    checkTensors("MultiheadAttention.forward", { query, key, value });
    checkOptions("MultiheadAttention.forward", options, OPTION_SPECS.multiheadAttentionForward);
    const { keyPaddingMask = null, needWeights = true, attnMask = null, averageAttnWeights = true } = options;
    const isCausal = options.isCausal ?? false;
    checkMaskDtype(keyPaddingMask, "key_padding_mask");
    checkMaskDtype(attnMask, "attn_mask");
    const batched = checkShapes(query, key, value, keyPaddingMask, attnMask);
    if (isCausal && attnMask === null) {
      throw new Error(
        "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask.",
      );
    }
    // Internally batch first: [N, L, E].
    const toBatchFirst = (
      t: Tensor,
    ): Tensor => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const [q0, k0, v0] = [query, key, value].map(toBatchFirst);
    const selfAttention = query === key && key === value;
    const [n, l, e] = q0.shape;
    const s = k0.shape[1];
    if (e !== this.embedDim) {
      throw new Error(`was expecting embedding dimension of ${this.embedDim}, but got ${e}`);
    }
    if (this.in_proj_weight !== null && !sameShape(key.shape, value.shape)) {
      throw new Error(`key shape [${key.shape}] does not match value shape [${value.shape}]`);
    }
    if (this.in_proj_weight === null && !sameShape(k0.shape.slice(0, 2), v0.shape.slice(0, 2))) {
      throw new Error(
        `key's sequence and batch dims [${key.shape.slice(0, 2)}] do not match value's [${
          value.shape.slice(0, 2)
        }]`,
      );
    }
    const [q, k, v] = this.#project(q0, selfAttention ? q0 : k0, selfAttention ? q0 : v0).map((t) =>
      t.reshape([n, t.shape[1], this.numHeads, this.headDim]).transpose(1, 2)
    );
    const mask = this.#mask(attnMask, keyPaddingMask, { n, l, s, batched, like: q });
    const p = this.training ? this.dropout : 0;
    let out: Tensor;
    let weights: Tensor | null = null;
    if (needWeights) {
      let scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(this.headDim));
      if (mask !== null) scores = scores.add(mask);
      const probs = dropout(scores.softmax(-1), { p, training: p > 0 });
      out = probs.matmul(v);
      weights = averageAttnWeights ? probs.mean(1) : probs;
      if (!batched) weights = weights.squeeze(0);
    } else {
      // As PyTorch: the causal hint replaces the mask unless key padding had to be merged into it.
      const causal = isCausal && keyPaddingMask === null;
      out = scaledDotProductAttention(q, k, v, {
        attnMask: causal ? null : mask,
        isCausal: causal,
        dropoutP: p,
      });
    }
    let y = this.out_proj.forward(out.transpose(1, 2).reshape([n, l, e]));
    y = !batched ? y.squeeze(0) : this.batchFirst ? y : y.transpose(0, 1);
    return [y, weights];
  }

  /** The attention and key padding masks merged into one additive mask broadcastable to [N, H, L, S], or null. */
  #mask(
    attnMask: Tensor | null,
    keyPaddingMask: Tensor | null,
    dims: { n: number; l: number; s: number; batched: boolean; like: Tensor },
  ): Tensor | null {
    const { n, l, s, batched, like } = dims;
    const h = this.numHeads;
    let mask: Tensor | null = null;
    if (attnMask !== null) {
      if (attnMask.ndim === 2) {
        if (!sameShape(attnMask.shape, [l, s])) {
          throw new Error(
            `The shape of the 2D attn_mask is [${attnMask.shape}], but should be [${l}, ${s}].`,
          );
        }
        mask = additive(attnMask, like);
      } else {
        const expected = batched ? [n * h, l, s] : [h, l, s];
        if (!sameShape(attnMask.shape, expected)) {
          throw new Error(
            batched
              ? `The shape of the 3D attn_mask is [${attnMask.shape}], but should be [${
                expected.join(", ")
              }].`
              : `Expected \`attn_mask\` shape to be [${expected.join(", ")}] but got [${attnMask.shape}]`,
          );
        }
        mask = additive(attnMask, like).reshape([n, h, l, s]);
      }
    }
    if (keyPaddingMask !== null) {
      if (!sameShape(keyPaddingMask.shape, batched ? [n, s] : [s])) {
        throw new Error(
          `expecting key_padding_mask shape of [${
            batched ? `${n}, ` : ""
          }${s}], but got [${keyPaddingMask.shape}]`,
        );
      }
      const padding = additive(keyPaddingMask, like).reshape([n, 1, 1, s]);
      mask = mask === null ? padding : mask.add(padding);
    }
    return mask;
  }
}

/** PyTorch's `_mha_shape_check`: whether the input is batched, or an Error naming the mismatched dimensions. */
function checkShapes(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  keyPaddingMask: Tensor | null,
  attnMask: Tensor | null,
): boolean {
  if (query.ndim !== 2 && query.ndim !== 3) {
    throw new Error(
      `query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`,
    );
  }
  const batched = query.ndim === 3;
  const kind = batched ? "batched (3-D)" : "unbatched (2-D)";
  if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new Error(
      `For ${kind} \`query\`, expected \`key\` and \`value\` to be ${query.ndim}-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`,
    );
  }
  if (keyPaddingMask !== null && keyPaddingMask.ndim !== query.ndim - 1) {
    throw new Error(
      `For ${kind} \`query\`, expected \`key_padding_mask\` to be \`None\` or ${
        query.ndim - 1
      }-D but found ${keyPaddingMask.ndim}-D tensor instead`,
    );
  }
  if (attnMask !== null && attnMask.ndim !== 2 && attnMask.ndim !== 3) {
    throw new Error(
      `For ${kind} \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`,
    );
  }
  return batched;
}
