/**
 * nanoGPT's GPT (karpathy/nanoGPT, model.py) in gradstep: token and position embeddings, pre-norm blocks of
 * causal self-attention and a GELU MLP, a final LayerNorm and an output layer tied to the token embedding, with
 * nanoGPT's initialisation, its AdamW parameter groups and its sampling loop. The modules carry model.py's names,
 * so the state-dict keys are nanoGPT's (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`,
 * `lm_head.weight`, …) and a checkpoint loads into the PyTorch model (tools/gpt_torch.py) as it is.
 *
 * It is a recipe, not a library layer: examples/char_gpt.ts trains it on tiny Shakespeare.
 *
 * @module
 */
import {
  AdamW,
  arange,
  cat,
  constant_,
  crossEntropy,
  Dropout,
  Embedding,
  GELU,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  noGrad,
  normal_,
  scaledDotProductAttention,
  type Tensor,
} from "../mod.ts";

/** The model's sizes, as nanoGPT's GPTConfig (its defaults are GPT-2 small's). */
export interface GPTConfig {
  /** The longest sequence, the number of positions (default 1024). */
  blockSize: number;
  /** The number of tokens (default 50304: GPT-2's 50257 padded to a multiple of 64). */
  vocabSize: number;
  /** The number of blocks (default 12). */
  nLayer: number;
  /** The number of attention heads (default 12). */
  nHead: number;
  /** The embedding width (default 768). */
  nEmbd: number;
  /** The dropout probability after the embeddings, in attention and after each residual branch (default 0). */
  dropout: number;
  /** Whether the Linear layers and LayerNorms have biases (default true, as GPT-2). */
  bias: boolean;
}

/** nanoGPT's GPTConfig defaults. */
export const GPT_DEFAULTS: GPTConfig = {
  blockSize: 1024,
  vocabSize: 50304,
  nLayer: 12,
  nHead: 12,
  nEmbd: 768,
  dropout: 0,
  bias: true,
};

/**
 * The character model of nanoGPT's shakespeare_char recipe as its README runs it on a CPU (4 layers, 4 heads,
 * 128 wide, 64 positions, no biases) over tiny Shakespeare's 65 characters: what the benches time.
 *
 * @example
 * ```ts
 * import { GPT, SHAKESPEARE_CHAR_CPU } from "./gpt.ts";
 * const model = new GPT(SHAKESPEARE_CHAR_CPU); // 0.8M parameters
 * ```
 */
export const SHAKESPEARE_CHAR_CPU: GPTConfig = {
  ...GPT_DEFAULTS,
  vocabSize: 65,
  blockSize: 64,
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  bias: false,
};

/** Causal multi-head self-attention: one projection to q, k and v, SDPA with the causal mask, an output projection. */
export class CausalSelfAttention extends Module {
  /** The q, k, v projections of all heads, [3·nEmbd, nEmbd]. */
  c_attn: Linear;
  /** The output projection. */
  c_proj: Linear;
  /** Dropout after the output projection. */
  resid_dropout: Dropout;
  readonly #nHead: number;
  readonly #dropout: number;

  /** The attention of `config`; nEmbd must be divisible by nHead. */
  constructor(config: GPTConfig) {
    super();
    if (config.nEmbd % config.nHead !== 0) {
      throw new Error(`nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead})`);
    }
    this.c_attn = new Linear(config.nEmbd, 3 * config.nEmbd, { bias: config.bias });
    this.c_proj = new Linear(config.nEmbd, config.nEmbd, { bias: config.bias });
    this.resid_dropout = new Dropout(config.dropout);
    this.#nHead = config.nHead;
    this.#dropout = config.dropout;
  }

  /** [B, T, C] → [B, T, C]; position t attends to positions ≤ t. */
  forward(x: Tensor): Tensor {
    const [b, t, c] = x.shape;
    const heads = (u: Tensor): Tensor => u.reshape([b, t, this.#nHead, c / this.#nHead]).transpose(1, 2);
    const [q, k, v] = this.c_attn.forward(x).split(c, 2).map(heads);
    const y = scaledDotProductAttention(q, k, v, {
      isCausal: true,
      dropoutP: this.training ? this.#dropout : 0,
    });
    return this.resid_dropout.forward(this.c_proj.forward(y.transpose(1, 2).reshape([b, t, c])));
  }
}

/** The feed-forward part of a block: nEmbd → 4·nEmbd → GELU (exact) → nEmbd, then dropout. */
export class MLP extends Module {
  /** The widening layer. */
  c_fc: Linear;
  /** The activation. */
  gelu: GELU;
  /** The narrowing layer. */
  c_proj: Linear;
  /** Dropout on the output. */
  dropout: Dropout;

  /** The MLP of `config`. */
  constructor(config: GPTConfig) {
    super();
    this.c_fc = new Linear(config.nEmbd, 4 * config.nEmbd, { bias: config.bias });
    this.gelu = new GELU();
    this.c_proj = new Linear(4 * config.nEmbd, config.nEmbd, { bias: config.bias });
    this.dropout = new Dropout(config.dropout);
  }

  /** [..., C] → [..., C]. */
  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(this.gelu.forward(this.c_fc.forward(x))));
  }
}

/** A pre-norm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class Block extends Module {
  /** The norm before attention. */
  ln_1: LayerNorm;
  /** The attention. */
  attn: CausalSelfAttention;
  /** The norm before the MLP. */
  ln_2: LayerNorm;
  /** The MLP. */
  mlp: MLP;

  /** The block of `config`. */
  constructor(config: GPTConfig) {
    super();
    this.ln_1 = new LayerNorm(config.nEmbd, { bias: config.bias });
    this.attn = new CausalSelfAttention(config);
    this.ln_2 = new LayerNorm(config.nEmbd, { bias: config.bias });
    this.mlp = new MLP(config);
  }

  /** [B, T, C] → [B, T, C]. */
  forward(x: Tensor): Tensor {
    const h = x.add(this.attn.forward(this.ln_1.forward(x)));
    return h.add(this.mlp.forward(this.ln_2.forward(h)));
  }
}

/** The trunk, nanoGPT's `transformer` ModuleDict written as a class so its parts are typed; same keys. */
export class Transformer extends Module {
  /** Token embedding. */
  wte: Embedding;
  /** Position embedding. */
  wpe: Embedding;
  /** Dropout on the summed embeddings. */
  drop: Dropout;
  /** The blocks. */
  h: ModuleList<Block>;
  /** The final norm. */
  ln_f: LayerNorm;

  /** The trunk of `config`. */
  constructor(config: GPTConfig) {
    super();
    this.wte = new Embedding(config.vocabSize, config.nEmbd);
    this.wpe = new Embedding(config.blockSize, config.nEmbd);
    this.drop = new Dropout(config.dropout);
    this.h = new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config)));
    this.ln_f = new LayerNorm(config.nEmbd, { bias: config.bias });
  }

  /** A ModuleDict has no forward; {@link GPT.forward} runs the parts. */
  forward(): Tensor {
    throw new Error("Transformer holds the GPT's parts; call GPT.forward");
  }
}

/** What {@link GPT.forward} returns: the logits and, given targets, the loss. */
export interface GPTOutput {
  /** [B, T, vocab] with targets; [B, 1, vocab] (the last position only) without, as nanoGPT's inference path. */
  logits: Tensor;
  /** The mean cross-entropy over all B·T positions (targets −1 ignored), or null without targets. */
  loss: Tensor | null;
}

/** Options of {@link GPT.configureOptimizers}. */
export interface ConfigureOptimizersOptions {
  /** The decoupled weight decay of the 2-D (and larger) parameters. */
  weightDecay: number;
  /** The learning rate. */
  learningRate: number;
  /** Adam's betas. */
  betas: [number, number];
}

/** Options of {@link GPT.generate}. */
export interface GenerateOptions {
  /** Divides the logits before the softmax (default 1; lower is more conservative). */
  temperature?: number;
  /** Samples among the topK most likely tokens only (default: all). */
  topK?: number | null;
}

/**
 * nanoGPT's GPT: a language model over `config.vocabSize` tokens and up to `config.blockSize` positions.
 * Weights ~ N(0, 0.02), the residual projections (`c_proj.weight`) ~ N(0, 0.02/√(2·nLayer)), biases zero,
 * `lm_head.weight` is `transformer.wte.weight` (one parameter under both state-dict names).
 *
 * @example
 * ```ts
 * import { GPT, GPT_DEFAULTS } from "./gpt.ts";
 * import { tensor } from "../mod.ts";
 * const model = new GPT({ ...GPT_DEFAULTS, vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, bias: false });
 * const idx = tensor(new Int32Array(2 * 8), { shape: [2, 8] });
 * const { logits, loss } = model.forward(idx, idx); // logits [2, 8, 65], loss ≈ ln 65
 * ```
 */
export class GPT extends Module {
  /** The sizes the model was built with. */
  readonly config: GPTConfig;
  /** Embeddings, blocks and the final norm. */
  transformer: Transformer;
  /** The output layer, its weight tied to the token embedding's. */
  lm_head: Linear;

  /** A freshly initialised model of `config`. */
  constructor(config: GPTConfig) {
    super();
    this.config = { ...config };
    this.transformer = new Transformer(config);
    this.lm_head = new Linear(config.nEmbd, config.vocabSize, { bias: false });
    this.lm_head.weight = this.transformer.wte.weight; // weight tying
    this.apply((m) => {
      if (m instanceof Linear) {
        normal_(m.weight, 0, 0.02);
        if (m.bias !== null) constant_(m.bias, 0);
      } else if (m instanceof Embedding) {
        normal_(m.weight, 0, 0.02);
      }
    });
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith("c_proj.weight")) normal_(p, 0, 0.02 / Math.sqrt(2 * config.nLayer));
    }
  }

  /**
   * The number of parameters, each shared one once; without `nonEmbedding: false` the position embedding is not
   * counted (the token embedding is, being the output layer too), as nanoGPT's get_num_params.
   */
  getNumParams(options: { nonEmbedding?: boolean } = {}): number {
    const total = this.parameters().reduce((n, p) => n + p.numel, 0);
    return (options.nonEmbedding ?? true) ? total - this.transformer.wpe.weight.numel : total;
  }

  /**
   * Token ids `idx` (int32 [B, T], T ≤ blockSize) to next-token logits; with `targets` (int32 [B, T]) also the
   * mean cross-entropy over the B·T positions.
   */
  forward(idx: Tensor, targets?: Tensor): GPTOutput {
    const [b, t] = idx.shape;
    if (idx.ndim !== 2) throw new Error(`GPT.forward expects idx of shape [B, T], got [${idx.shape}]`);
    if (t > this.config.blockSize) {
      throw new Error(`Cannot forward sequence of length ${t}, block size is only ${this.config.blockSize}`);
    }
    const { wte, wpe, drop, h, ln_f } = this.transformer;
    const pos = arange(0, t, 1, { device: idx.device });
    let x = drop.forward(wte.forward(idx).add(wpe.forward(pos)));
    for (const block of h) x = block.forward(x);
    x = ln_f.forward(x);
    if (targets === undefined) return { logits: this.lm_head.forward(x.narrow(1, t - 1, 1)), loss: null };
    const logits = this.lm_head.forward(x);
    const vocab = this.config.vocabSize;
    const loss = crossEntropy(logits.reshape([b * t, vocab]), targets.reshape([b * t]), { ignoreIndex: -1 });
    return { logits, loss };
  }

  /**
   * AdamW over two groups, as nanoGPT's configure_optimizers: the parameters of two or more dimensions (matrices,
   * embeddings) with `weightDecay`, the others (norm weights, biases) without.
   */
  configureOptimizers(options: ConfigureOptimizersOptions): AdamW {
    const params = this.parameters().filter((p) => p.requiresGrad);
    return new AdamW([
      { params: params.filter((p) => p.ndim >= 2), weightDecay: options.weightDecay },
      { params: params.filter((p) => p.ndim < 2), weightDecay: 0 },
    ], { lr: options.learningRate, betas: options.betas });
  }

  /**
   * Continues each row of `idx` (int32 [B, T]) by `maxNewTokens` sampled tokens, feeding the model at most its
   * last blockSize tokens, as nanoGPT's generate: logits / temperature, optionally cut to the topK largest,
   * softmax, one multinomial draw (from the generator `manualSeed` seeds). Runs without gradients; put the model
   * in eval mode first.
   */
  generate(idx: Tensor, maxNewTokens: number, options: GenerateOptions = {}): Tensor {
    const { temperature = 1, topK = null } = options;
    if (!(temperature > 0)) throw new RangeError(`temperature must be positive, got ${temperature}`);
    return noGrad(() => {
      let out = idx;
      for (let i = 0; i < maxNewTokens; i++) {
        const t = out.shape[1];
        const context = t <= this.config.blockSize
          ? out
          : out.narrow(1, t - this.config.blockSize, this.config.blockSize);
        let logits = this.forward(context).logits.squeeze(1).div(temperature);
        if (topK !== null) {
          const k = Math.min(topK, logits.shape[1]);
          const [values] = logits.topk(k);
          logits = logits.maskedFill(logits.lt(values.narrow(1, k - 1, 1)), -Infinity);
        }
        out = cat([out, logits.softmax(-1).multinomial(1)], 1);
      }
      return out;
    });
  }
}
