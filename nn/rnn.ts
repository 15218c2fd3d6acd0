/**
 * The multi-layer recurrent layers `nn.RNN`, `nn.LSTM` and `nn.GRU`, with PyTorch's options, defaults, parameter
 * names (`weight_ih_l0`, `bias_hh_l1_reverse`, `weight_hr_l0` …), initialisation (U(−1/√H, 1/√H)), shapes and
 * errors. Each layer and direction runs as one fused node (nn/recurrence.ts); dropout sits between layers.
 *
 * @module
 */
import { anything, boolean, checkOptions, instanceOf } from "../tensor/validation.ts";
import { getDefaultDevice } from "../backends/device.ts";
import { Generator } from "../tensor/random.ts";
import { zeros } from "../tensor/creation.ts";
import { cat, stack } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { dropout as applyDropout } from "./dropout.ts";
import { uniform_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { type LayerWeights, recurrentLayer } from "./recurrence.ts";
import { type Cell, cellFor, type RNNMode } from "./rnn_cells.ts";

/** Options shared by {@link RNN}, {@link LSTM} and {@link GRU} (PyTorch's keyword arguments). */
export interface RNNBaseOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Whether the layers have the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output as [batch, seq, feature] rather than [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on each layer's output but the last's, in training mode (default 0). */
  dropout?: number;
  /** Whether each layer also runs backward in time, its outputs concatenated (default false). */
  bidirectional?: boolean;
  /** The generator for the initial weights and the dropout masks (default: the global one). */
  generator?: Generator;
}

/** {@link RNN}'s options: also the nonlinearity. */
export interface RNNOptions extends RNNBaseOptions {
  /** `"tanh"` (default) or `"relu"`. */
  nonlinearity?: "tanh" | "relu";
}

/** {@link LSTM}'s options: also the projection size. */
export interface LSTMOptions extends RNNBaseOptions {
  /** With projSize > 0, h is projected to this size by `weight_hr_l{k}` (default 0: no projection). */
  projSize?: number;
}

function onlyLSTM(): void {
  throw new TypeError("proj_size argument is only supported for LSTM, not RNN or GRU");
}

function checkSize(name: string, n: unknown): void {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new TypeError(`${name} should be of type int, got: ${typeof n === "number" ? n : typeof n}`);
  }
  if (n <= 0) throw new RangeError(`${name} must be greater than zero`);
}

/**
 * The shared machinery of {@link RNN}, {@link LSTM} and {@link GRU}, PyTorch's `nn.RNNBase`: parameters, checks
 * and the layer loop. Build one of the three; `instanceof RNNBase` tells any of them.
 *
 * @example
 * ```ts
 * import { GRU, RNNBase } from "@gradstep/gradstep/nn";
 * const gru = new GRU(8, 16, { numLayers: 2 });
 * console.log(gru instanceof RNNBase, gru.numLayers); // true 2
 * ```
 */
export abstract class RNNBase extends Module {
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether the layers have biases. */
  readonly bias: boolean;
  /** Whether input and output are batch-first. */
  readonly batchFirst: boolean;
  /** The dropout probability between layers. */
  readonly dropout: number;
  /** Whether the layers are bidirectional. */
  readonly bidirectional: boolean;
  /** The projection size (LSTM), or 0. */
  readonly projSize: number;
  readonly #cell: Cell;
  readonly #generator: Generator | undefined;

  /** A layer of `mode` from `inputSize` features to `hiddenSize`. */
  constructor(
    mode: RNNMode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RNNBaseOptions & { projSize?: number },
  ) {
    super();
    const {
      numLayers = 1,
      bias = true,
      batchFirst = false,
      dropout = 0,
      bidirectional = false,
      projSize = 0,
    } = options;
    checkOptions(new.target.name, options, {
      numLayers: anything,
      bias: boolean,
      batchFirst: boolean,
      dropout: anything,
      bidirectional: boolean,
      generator: instanceOf(Generator),
      // Each layer knows only its own options: nonlinearity is RNN's, projSize LSTM's (PyTorch's words for it).
      ...(mode === "RNN_TANH" || mode === "RNN_RELU" ? { nonlinearity: anything } : {}),
      projSize: mode === "LSTM" ? anything : onlyLSTM,
    });
    checkSize("input_size", inputSize);
    checkSize("hidden_size", hiddenSize);
    checkSize("num_layers", numLayers);
    if (typeof dropout !== "number" || !(dropout >= 0 && dropout <= 1)) {
      throw new RangeError(
        `dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${dropout}`,
      );
    }
    if (dropout > 0 && numLayers === 1) {
      console.warn(
        `dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${dropout} and num_layers=1`,
      );
    }
    if (typeof projSize !== "number" || !Number.isInteger(projSize) || projSize < 0) {
      throw new RangeError(
        `proj_size should be a positive integer or zero to disable projections, got ${projSize}`,
      );
    }
    if (projSize >= hiddenSize) throw new RangeError("proj_size has to be smaller than hidden_size");
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = dropout;
    this.bidirectional = bidirectional;
    this.projSize = projSize;
    this.#cell = cellFor(mode, bias);
    this.#generator = options.generator;
    const gateSize = this.#cell.gates * hiddenSize;
    const real = projSize > 0 ? projSize : hiddenSize;
    const directions = bidirectional ? 2 : 1;
    const device = getDefaultDevice();
    const bound = 1 / Math.sqrt(hiddenSize);
    const param = (shape: number[]): Parameter =>
      new Parameter(uniform_(zeros(shape, { device }), -bound, bound, this.#generator));
    const fields = this as unknown as Record<string, Parameter>;
    for (let layer = 0; layer < numLayers; layer++) {
      for (let d = 0; d < directions; d++) {
        const suffix = `_l${layer}${d === 1 ? "_reverse" : ""}`;
        const layerInput = layer === 0 ? inputSize : real * directions;
        fields[`weight_ih${suffix}`] = param([gateSize, layerInput]);
        fields[`weight_hh${suffix}`] = param([gateSize, real]);
        if (bias) {
          fields[`bias_ih${suffix}`] = param([gateSize]);
          fields[`bias_hh${suffix}`] = param([gateSize]);
        }
        if (projSize > 0) fields[`weight_hr${suffix}`] = param([projSize, hiddenSize]);
      }
    }
  }

  /** The number of directions, 1 or 2. */
  get #directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  #weights(layer: number, reverse: boolean): LayerWeights {
    const fields = this as unknown as Record<string, Parameter | undefined>;
    const suffix = `_l${layer}${reverse ? "_reverse" : ""}`;
    const get = (name: string): Tensor | null => fields[`${name}${suffix}`] ?? null;
    return {
      wIh: get("weight_ih")!,
      wHh: get("weight_hh")!,
      bIh: get("bias_ih"),
      bHh: get("bias_hh"),
      wHr: get("weight_hr"),
    };
  }

  /** PyTorch's input check: rank 2 or 3 and the feature size. */
  #checkInput(input: Tensor): void {
    const name = this.#cell.name.startsWith("RNN") ? "RNN" : this.#cell.name;
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new Error(`${name}: Expected input to be 2D or 3D, got ${input.ndim}D tensor instead`);
    }
    if (input.dtype !== "float32") {
      throw new TypeError(`${name}: expected a float32 input, got ${input.dtype}`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(
        `input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${
          input.shape[input.ndim - 1]
        }`,
      );
    }
  }

  /** PyTorch's hidden-state check against [layers·directions, batch, size] (without the batch when unbatched). */
  #checkHidden(hx: Tensor, expected: number[], batched: boolean, which: string): void {
    if (hx.ndim !== expected.length) {
      throw new Error(
        batched
          ? `For batched 3-D input, hx should also be 3-D but got ${hx.ndim}-D tensor`
          : `For unbatched 2-D input, hx should also be 2-D but got ${hx.ndim}-D tensor`,
      );
    }
    if (hx.shape.some((s, i) => s !== expected[i])) {
      throw new Error(`Expected ${which} size (${expected.join(", ")}), got [${hx.shape.join(", ")}]`);
    }
  }

  /**
   * Runs the layers over `input` ([T, B, inputSize], [B, T, inputSize] with batchFirst, or unbatched [T, inputSize])
   * from `hx` (zeros when absent): the output sequence and the final states, each [layers·directions, B, size].
   */
  protected run(input: Tensor, hx: Tensor | null, cx: Tensor | null): [Tensor, Tensor, Tensor | null] {
    this.#checkInput(input);
    const batched = input.ndim === 3;
    const hasCell = this.#cell.hasCell;
    const states = this.numLayers * this.#directions;
    const real = this.projSize > 0 ? this.projSize : this.hiddenSize;
    let x = batched ? (this.batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
    const batch = x.shape[1];
    const shapeOf = (size: number): number[] => batched ? [states, batch, size] : [states, size];
    const lstm = hasCell ? ["hidden[0]", "hidden[1]"] : ["hidden", ""];
    if (hx !== null) this.#checkHidden(hx, shapeOf(real), batched, lstm[0]);
    if (cx !== null) this.#checkHidden(cx, shapeOf(this.hiddenSize), batched, lstm[1]);
    const device = input.device;
    const h0 = hx === null ? zeros([states, batch, real], { device }) : batched ? hx : hx.unsqueeze(1);
    const c0 = !hasCell
      ? null
      : cx === null
      ? zeros([states, batch, this.hiddenSize], { device })
      : batched
      ? cx
      : cx.unsqueeze(1);
    x = x.contiguous();
    const hN: Tensor[] = [];
    const cN: Tensor[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let d = 0; d < this.#directions; d++) {
        const k = layer * this.#directions + d;
        const result = recurrentLayer(this.#cell, x, this.#weights(layer, d === 1), {
          h0: h0.narrow(0, k, 1).squeeze(0),
          c0: c0 === null ? null : c0.narrow(0, k, 1).squeeze(0),
        }, d === 1);
        outputs.push(result.output);
        hN.push(result.hN);
        if (result.cN !== null) cN.push(result.cN);
      }
      x = outputs.length === 1 ? outputs[0] : cat(outputs, 2);
      if (layer < this.numLayers - 1 && this.dropout > 0 && this.training) {
        x = applyDropout(x, { p: this.dropout, training: true, generator: this.#generator });
      }
    }
    const finish = (t: Tensor): Tensor => batched ? t : t.squeeze(1);
    const output = batched ? (this.batchFirst ? x.transpose(0, 1) : x) : x.squeeze(1);
    return [output, finish(stack(hN)), hasCell ? finish(stack(cN)) : null];
  }
}

/**
 * An Elman RNN, h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) (or ReLU), as PyTorch's `nn.RNN`.
 *
 * @example
 * ```ts
 * import { RNN } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const rnn = new RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.forward(randn([5, 3, 10])); // [5, 3, 20], [2, 3, 20]
 * ```
 */
export class RNN extends RNNBase {
  /** The nonlinearity, `"tanh"` or `"relu"`. */
  readonly nonlinearity: "tanh" | "relu";

  /** A layer from `inputSize` features to `hiddenSize`. */
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const { nonlinearity = "tanh" } = options;
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new Error(`Unknown nonlinearity '${nonlinearity}'. Select from 'tanh' or 'relu'.`);
    }
    super(nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  /** The output sequence and the final hidden state; `hx` defaults to zeros. */
  forward(input: Tensor, hx?: Tensor): [Tensor, Tensor] {
    const [output, hN] = this.run(input, hx ?? null, null);
    return [output, hN];
  }
}

/**
 * A long short-term memory layer, PyTorch's `nn.LSTM` (gates i, f, g, o; optional projection of h).
 *
 * @example
 * ```ts
 * import { LSTM } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const lstm = new LSTM(10, 20, { numLayers: 2, batchFirst: true });
 * const [output, [hN, cN]] = lstm.forward(randn([3, 5, 10])); // [3, 5, 20], [2, 3, 20] each
 * ```
 */
export class LSTM extends RNNBase {
  /** A layer from `inputSize` features to `hiddenSize` (or `projSize`). */
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super("LSTM", inputSize, hiddenSize, options);
  }

  /** The output sequence and the final [h, c]; `hx` defaults to zeros. */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const [output, hN, cN] = this.run(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return [output, [hN, cN!]];
  }
}

/**
 * A gated recurrent unit layer, PyTorch's `nn.GRU` (gates r, z, n).
 *
 * @example
 * ```ts
 * import { GRU } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const gru = new GRU(10, 20, { bidirectional: true });
 * const [output, hN] = gru.forward(randn([5, 3, 10])); // [5, 3, 40], [2, 3, 20]
 * ```
 */
export class GRU extends RNNBase {
  /** A layer from `inputSize` features to `hiddenSize`. */
  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }

  /** The output sequence and the final hidden state; `hx` defaults to zeros. */
  forward(input: Tensor, hx?: Tensor): [Tensor, Tensor] {
    const [output, hN] = this.run(input, hx ?? null, null);
    return [output, hN];
  }
}
