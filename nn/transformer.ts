/**
 * The transformer encoder, as `nn.TransformerEncoderLayer` and `nn.TransformerEncoder`: self-attention and a
 * feed-forward block, each with a residual connection and a LayerNorm (after it, or before it with `normFirst`),
 * with PyTorch's submodule names (`self_attn`, `linear1`, `norm1`, `layers.0.…`) so state dicts interoperate.
 *
 * @module
 */
import {
  anything,
  boolean,
  checkOptions,
  instanceOf,
  integer,
  nullable,
  number,
} from "../tensor/validation.ts";
import { noGrad } from "../autograd/node.ts";
import { copyInto } from "../tensor/elementwise.ts";
import { empty } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { gelu } from "./activation.ts";
import { ModuleList } from "./container.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";
import { Dropout } from "./dropout.ts";
import { Linear } from "./linear.ts";
import { Module } from "./module.ts";
import { MultiheadAttention } from "./multihead_attention.ts";
import { LayerNorm } from "./normalization.ts";

/** The feed-forward block's activation: PyTorch's two names, or any elementwise function. */
export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor);

/** Options of {@link TransformerEncoderLayer}. */
export interface TransformerEncoderLayerOptions {
  /** The feed-forward block's hidden size (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on the attention weights (default 0.1). */
  dropout?: number;
  /** The feed-forward block's activation (default "relu"). */
  activation?: TransformerActivation;
  /** The LayerNorms' eps (default 1e-5). */
  layerNormEps?: number;
  /** Whether inputs and outputs are [N, S, E] rather than [S, N, E] (default false). */
  batchFirst?: boolean;
  /** Whether each block normalises its input (pre-norm) rather than its residual sum (default false). */
  normFirst?: boolean;
  /** Whether the Linears, the attention projections and the LayerNorms have biases (default true). */
  bias?: boolean;
}

/** Options of {@link TransformerEncoderLayer.forward}. */
export interface TransformerEncoderLayerForwardOptions {
  /** The attention mask ([S, S] or [N·nhead, S, S]; bool true = not allowed, float added), as MultiheadAttention. */
  srcMask?: Tensor | null;
  /** [N, S]: bool true where the position is padding, as MultiheadAttention's keyPaddingMask. */
  srcKeyPaddingMask?: Tensor | null;
  /** A hint that srcMask is the causal mask (which must then be given, as PyTorch). */
  isCausal?: boolean;
}

function activationFn(activation: TransformerActivation): (x: Tensor) => Tensor {
  if (typeof activation === "function") return activation;
  if (activation === "relu") return (x) => x.relu();
  if (activation === "gelu") return (x) => gelu(x);
  throw new Error(`activation should be relu/gelu, not ${activation}`);
}

/**
 * One encoder layer, as `nn.TransformerEncoderLayer`: self-attention (`self_attn`) and the feed-forward block
 * `linear2(dropout(activation(linear1(x))))`, each added back to its input through `dropout1`/`dropout2`; `norm1`
 * and `norm2` normalise the sums (post-norm, PyTorch's default) or, with `normFirst`, each block's input.
 *
 * @example
 * ```ts
 * import { TransformerEncoderLayer } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const layer = new TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true, normFirst: true });
 * const y = layer.forward(randn([2, 10, 32])); // [2, 10, 32]
 * console.log(Object.keys(layer.stateDict())[0]); // "self_attn.in_proj_weight"
 * ```
 */
export class TransformerEncoderLayer extends Module {
  /** The self-attention. */
  self_attn: MultiheadAttention;
  /** The feed-forward block's first Linear (dModel → dimFeedforward). */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** The feed-forward block's second Linear (dimFeedforward → dModel). */
  linear2: Linear;
  /** The LayerNorm around the attention block. */
  norm1: LayerNorm;
  /** The LayerNorm around the feed-forward block. */
  norm2: LayerNorm;
  /** Dropout on the attention block's output. */
  dropout1: Dropout;
  /** Dropout on the feed-forward block's output. */
  dropout2: Dropout;
  /** Whether the LayerNorms come before the blocks. */
  readonly normFirst: boolean;
  /** The options the layer was built with (TransformerEncoder copies layers from them). */
  readonly options: Readonly<TransformerEncoderLayerOptions>;
  readonly #activation: (x: Tensor) => Tensor;

  /** A layer over `dModel` features with `nhead` attention heads (which must divide dModel). */
  constructor(readonly dModel: number, readonly nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    checkOptions("TransformerEncoderLayer", options, {
      dimFeedforward: integer(0),
      dropout: anything,
      activation: anything,
      layerNormEps: number,
      batchFirst: boolean,
      normFirst: boolean,
      bias: boolean,
    });
    const { dimFeedforward = 2048, dropout = 0.1, layerNormEps = 1e-5, batchFirst = false, bias = true } =
      options;
    this.#activation = activationFn(options.activation ?? "relu");
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout, bias, batchFirst });
    this.linear1 = new Linear(dModel, dimFeedforward, { bias });
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel, { bias });
    this.norm1 = new LayerNorm(dModel, { eps: layerNormEps, bias });
    this.norm2 = new LayerNorm(dModel, { eps: layerNormEps, bias });
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
    this.normFirst = options.normFirst ?? false;
    this.options = { ...options };
  }

  /** The layer applied to `src` ([S, N, E], or [N, S, E] batch first, or [S, E] unbatched). */
  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    checkTensors("TransformerEncoderLayer.forward", { src });
    checkOptions("TransformerEncoderLayer.forward", options, OPTION_SPECS.encoderLayerForward);
    const { srcMask = null, srcKeyPaddingMask = null, isCausal = false } = options;
    const attend = (x: Tensor): Tensor => {
      const [y] = this.self_attn.forward(x, x, x, {
        attnMask: srcMask,
        keyPaddingMask: srcKeyPaddingMask,
        needWeights: false,
        isCausal,
      });
      return this.dropout1.forward(y);
    };
    const feedForward = (x: Tensor): Tensor =>
      this.dropout2.forward(
        this.linear2.forward(this.dropout.forward(this.#activation(this.linear1.forward(x)))),
      );
    if (this.normFirst) {
      const x = src.add(attend(this.norm1.forward(src)));
      return x.add(feedForward(this.norm2.forward(x)));
    }
    const x = this.norm1.forward(src.add(attend(src)));
    return this.norm2.forward(x.add(feedForward(x)));
  }
}

/** `layer` copied: a new layer of the same options holding copies of its parameters, on its device. */
function copyLayer(layer: TransformerEncoderLayer): TransformerEncoderLayer {
  const copy = new TransformerEncoderLayer(layer.dModel, layer.nhead, layer.options);
  const sources = layer.parameters();
  noGrad(() =>
    copy.parameters().forEach((p, i) => {
      p.setData(copyInto(empty(sources[i].shape, sources[i]), sources[i]));
      p.requiresGrad_(sources[i].requiresGrad);
    })
  );
  return copy.train(layer.training);
}

/** Options of {@link TransformerEncoder}. */
export interface TransformerEncoderOptions {
  /** A module applied to the last layer's output, e.g. a LayerNorm (default none). */
  norm?: Module | null;
}

/** Options of {@link TransformerEncoder.forward}. */
export interface TransformerEncoderForwardOptions {
  /** The attention mask given to every layer (its srcMask). */
  mask?: Tensor | null;
  /** The key padding mask given to every layer. */
  srcKeyPaddingMask?: Tensor | null;
  /** A hint that mask is the causal mask. */
  isCausal?: boolean;
}

/**
 * A stack of `numLayers` copies of `encoderLayer` (each starting from its weights, as PyTorch's deep copies) and
 * an optional final `norm`, as `nn.TransformerEncoder`; state-dict keys `layers.0.self_attn.in_proj_weight`, …,
 * `norm.weight`.
 *
 * @example
 * ```ts
 * import { LayerNorm, TransformerEncoder, TransformerEncoderLayer } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const layer = new TransformerEncoderLayer(16, 2, { dimFeedforward: 32, batchFirst: true });
 * const encoder = new TransformerEncoder(layer, 2, { norm: new LayerNorm(16) });
 * const y = encoder.forward(randn([3, 7, 16])); // [3, 7, 16]
 * console.log(Object.keys(encoder.stateDict()).at(-1)); // "norm.bias"
 * ```
 */
export class TransformerEncoder extends Module {
  /** The layers, "0", "1", …. */
  layers: ModuleList<TransformerEncoderLayer>;
  /** The final module, or null. */
  norm: Module | null;

  /** `numLayers` copies of `encoderLayer`, then `norm`. */
  constructor(
    encoderLayer: TransformerEncoderLayer,
    readonly numLayers: number,
    options: TransformerEncoderOptions = {},
  ) {
    super();
    if (!(encoderLayer instanceof TransformerEncoderLayer)) {
      throw new TypeError("TransformerEncoder: encoderLayer must be a TransformerEncoderLayer");
    }
    if (!Number.isInteger(numLayers) || numLayers < 0) {
      throw new RangeError(`TransformerEncoder: numLayers must be a non-negative integer, got ${numLayers}`);
    }
    checkOptions("TransformerEncoder", options, { norm: nullable(instanceOf(Module)) });
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => copyLayer(encoderLayer)));
    this.norm = options.norm ?? null;
  }

  /** `src` through every layer with the same masks, then the final norm. */
  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    checkTensors("TransformerEncoder.forward", { src });
    checkOptions("TransformerEncoder.forward", options, OPTION_SPECS.encoderForward);
    const { mask = null, srcKeyPaddingMask = null, isCausal = false } = options;
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, { srcMask: mask, srcKeyPaddingMask, isCausal });
    return this.norm === null ? x : this.norm.forward(x);
  }
}
