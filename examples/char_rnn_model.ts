/**
 * The char-rnn model and its data order, shared by examples/char_rnn.ts, its test and bench/char_rnn_bench.ts:
 * Embedding → multi-layer LSTM → Linear over characters, and the text cut into `batchSize` contiguous streams read
 * `seqLength` characters at a time, so that the state after one window is the start of the next (truncated
 * backpropagation through time, as karpathy/char-rnn and PyTorch's word_language_model read their text).
 *
 * @module
 */
import { crossEntropy, Embedding, Linear, LSTM, Module } from "../nn/mod.ts";
import { type Device, type Tensor, tensor } from "../mod.ts";

/** The model's sizes. */
export interface CharRNNConfig {
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
}

/** What {@link CharRNN.forward} returns: the logits, the loss when targets are given, and the next state. */
export interface CharRNNOutput {
  logits: Tensor;
  loss: Tensor | null;
  state: [Tensor, Tensor];
}

/**
 * Embedding → LSTM → Linear: next-character logits for every position of [B, T] character ids.
 *
 * @example
 * ```ts
 * import { CharRNN } from "./char_rnn_model.ts";
 * import { tensor } from "../mod.ts";
 * const model = new CharRNN({ vocabSize: 65, embeddingSize: 16, hiddenSize: 32, numLayers: 2, dropout: 0 });
 * const x = tensor(new Int32Array([1, 2, 3, 4]), { shape: [1, 4] });
 * const { logits, state } = model.forward(x); // logits [1, 4, 65]; state [h, c], each [2, 1, 32]
 * ```
 */
export class CharRNN extends Module {
  /** The character embedding. */
  encoder: Embedding;
  /** The recurrent layers, batch-first. */
  rnn: LSTM;
  /** The output layer. */
  decoder: Linear;

  /** A model of `config`'s sizes. */
  constructor(readonly config: CharRNNConfig) {
    super();
    this.encoder = new Embedding(config.vocabSize, config.embeddingSize);
    this.rnn = new LSTM(config.embeddingSize, config.hiddenSize, {
      numLayers: config.numLayers,
      dropout: config.dropout,
      batchFirst: true,
    });
    this.decoder = new Linear(config.hiddenSize, config.vocabSize);
  }

  /** Logits [B, T, vocab] for `ids` [B, T] from `state` (zeros when absent), and the loss against `targets`. */
  forward(ids: Tensor, targets?: Tensor, state?: [Tensor, Tensor]): CharRNNOutput {
    const [out, next] = this.rnn.forward(this.encoder.forward(ids), state);
    const logits = this.decoder.forward(out);
    const loss = targets === undefined
      ? null
      : crossEntropy(logits.reshape([-1, this.config.vocabSize]), targets.reshape([-1]));
    return { logits, loss, state: next };
  }
}

/**
 * `ids` cut into `batchSize` contiguous streams (the remainder dropped), read as windows of `seqLength` inputs
 * and their next characters: window k is columns [k·T, (k+1)·T) of every stream.
 *
 * @example
 * ```ts
 * import { TextStreams } from "./char_rnn_model.ts";
 * const streams = new TextStreams(new Int32Array(1000).map((_, i) => i % 65), { batchSize: 4, seqLength: 16 });
 * const [x, y] = streams.window(0); // int32 [4, 16] each; y is x shifted by one character
 * console.log(streams.windows); // 15
 * ```
 */
export class TextStreams {
  /** The number of whole windows. */
  readonly windows: number;
  readonly #streams: Int32Array[];

  /** The streams of `ids`. */
  constructor(ids: Int32Array, readonly options: { batchSize: number; seqLength: number; device?: Device }) {
    const { batchSize, seqLength } = options;
    const length = Math.floor((ids.length - 1) / batchSize);
    this.windows = Math.floor(length / seqLength);
    if (this.windows < 1) {
      throw new RangeError(
        `TextStreams: ${ids.length} ids make streams of ${length}, shorter than seqLength ${seqLength}`,
      );
    }
    // Each stream keeps one character past its end: the target of its last input.
    this.#streams = Array.from(
      { length: batchSize },
      (_, b) => ids.subarray(b * length, (b + 1) * length + 1),
    );
  }

  /** Window `k` (taken modulo the number of windows) as [inputs, targets], int32 [batchSize, seqLength]. */
  window(k: number): [Tensor, Tensor] {
    const { batchSize, seqLength, device } = this.options;
    const start = (k % this.windows) * seqLength;
    const x = new Int32Array(batchSize * seqLength);
    const y = new Int32Array(batchSize * seqLength);
    this.#streams.forEach((s, b) => {
      x.set(s.subarray(start, start + seqLength), b * seqLength);
      y.set(s.subarray(start + 1, start + seqLength + 1), b * seqLength);
    });
    const shape = [batchSize, seqLength];
    return [tensor(x, { shape, device }), tensor(y, { shape, device })];
  }
}
