/**
 * One step of a recurrent layer as its own module: `nn.RNNCell`, `nn.LSTMCell` and `nn.GRUCell`, with PyTorch's
 * parameter names (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`), initialisation and errors. A step is the
 * layer's fused node over a sequence of length one.
 *
 * @module
 */
import { anything, boolean, checkOptions, instanceOf, shown } from "../tensor/validation.ts";
import { getDefaultDevice } from "../backends/device.ts";
import { zeros } from "../tensor/creation.ts";
import { Generator } from "../tensor/random.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { uniform_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { recurrentLayer } from "./recurrence.ts";
import { type Cell, cellFor, type RNNMode } from "./rnn_cells.ts";

/** Options of the three cells. */
export interface RNNCellBaseOptions {
  /** Whether the cell has the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** The generator for the initial weights (default: the global one). */
  generator?: Generator;
}

/** {@link RNNCell}'s options: also the nonlinearity. */
export interface RNNCellOptions extends RNNCellBaseOptions {
  /** `"tanh"` (default) or `"relu"`. */
  nonlinearity?: "tanh" | "relu";
}

/**
 * The shared parameters, checks and step of {@link RNNCell}, {@link LSTMCell} and {@link GRUCell}, PyTorch's
 * `nn.RNNCellBase`. Build one of the three; `instanceof RNNCellBase` tells any of them.
 *
 * @example
 * ```ts
 * import { LSTMCell, RNNCellBase } from "@gradstep/gradstep/nn";
 * const cell = new LSTMCell(8, 16);
 * console.log(cell instanceof RNNCellBase, cell.weight_ih.shape); // true [64, 8]
 * ```
 */
export abstract class RNNCellBase extends Module {
  /** [G·H, inputSize] */
  weight_ih: Parameter;
  /** [G·H, hiddenSize] */
  weight_hh: Parameter;
  /** [G·H], or null without biases */
  bias_ih: Parameter | null;
  /** [G·H], or null without biases */
  bias_hh: Parameter | null;
  readonly #cell: Cell;
  readonly #kind: string;

  /** A cell of `mode` from `inputSize` features to `hiddenSize`. */
  constructor(
    mode: RNNMode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RNNCellBaseOptions,
  ) {
    super();
    for (const [name, n] of [["input_size", inputSize], ["hidden_size", hiddenSize]] as const) {
      if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) {
        throw new RangeError(`${name} must be a positive integer, got ${shown(n)}`);
      }
    }
    checkOptions(new.target.name, options, {
      bias: boolean,
      generator: instanceOf(Generator),
      ...(mode === "RNN_TANH" || mode === "RNN_RELU" ? { nonlinearity: anything } : {}),
    });
    const bias = options.bias ?? true;
    this.#cell = cellFor(mode, bias);
    this.#kind = mode === "LSTM" ? "LSTMCell" : mode === "GRU" ? "GRUCell" : "RNNCell";
    const device = getDefaultDevice();
    const bound = 1 / Math.sqrt(hiddenSize);
    const gateSize = this.#cell.gates * hiddenSize;
    const param = (shape: number[]): Parameter =>
      new Parameter(uniform_(zeros(shape, { device }), -bound, bound, options.generator));
    this.weight_ih = param([gateSize, inputSize]);
    this.weight_hh = param([gateSize, hiddenSize]);
    this.bias_ih = bias ? param([gateSize]) : null;
    this.bias_hh = bias ? param([gateSize]) : null;
  }

  #checkInput(input: Tensor): void {
    if (input.ndim !== 1 && input.ndim !== 2) {
      throw new Error(`${this.#kind}: Expected input to be 1-D or 2-D but received ${input.ndim}-D tensor`);
    }
    if (input.dtype !== "float32") {
      throw new TypeError(`${this.#kind}: expected a float32 input, got ${input.dtype}`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(
        `input has inconsistent input_size: got ${input.shape[input.ndim - 1]} expected ${this.inputSize}`,
      );
    }
  }

  #checkHidden(input: Tensor, hx: Tensor, which: string): void {
    if (hx.ndim !== input.ndim) {
      throw new Error(
        `${this.#kind}: Expected hidden to be ${input.ndim}-D, but received ${hx.ndim}-D tensor`,
      );
    }
    if (input.ndim === 2 && hx.shape[0] !== input.shape[0]) {
      throw new Error(`Input batch size ${input.shape[0]} doesn't match ${which} batch size ${hx.shape[0]}`);
    }
    if (hx.shape[hx.ndim - 1] !== this.hiddenSize) {
      throw new Error(
        `${which} has inconsistent hidden_size: got ${hx.shape[hx.ndim - 1]}, expected ${this.hiddenSize}`,
      );
    }
  }

  /** One step from `input` ([B, inputSize] or [inputSize]) and the states (zeros when absent). */
  protected step(input: Tensor, hx: Tensor | null, cx: Tensor | null): [Tensor, Tensor | null] {
    this.#checkInput(input);
    if (hx !== null) this.#checkHidden(input, hx, "hidden0");
    if (cx !== null) this.#checkHidden(input, cx, "hidden1");
    const batched = input.ndim === 2;
    const x = batched ? input : input.unsqueeze(0);
    const state = (t: Tensor | null): Tensor =>
      t === null ? zeros([x.shape[0], this.hiddenSize], { device: x.device }) : batched ? t : t.unsqueeze(0);
    const result = recurrentLayer(
      this.#cell,
      x.unsqueeze(0),
      {
        wIh: this.weight_ih,
        wHh: this.weight_hh,
        bIh: this.bias_ih,
        bHh: this.bias_hh,
        wHr: null,
      },
      { h0: state(hx), c0: this.#cell.hasCell ? state(cx) : null },
      false,
    );
    const finish = (t: Tensor): Tensor => batched ? t : t.squeeze(0);
    return [finish(result.hN), result.cN === null ? null : finish(result.cN)];
  }
}

/**
 * One Elman RNN step, h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or ReLU), as PyTorch's `nn.RNNCell`.
 *
 * @example
 * ```ts
 * import { RNNCell } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const cell = new RNNCell(10, 20);
 * const h = cell.forward(randn([3, 10])); // [3, 20]
 * ```
 */
export class RNNCell extends RNNCellBase {
  /** The nonlinearity, `"tanh"` or `"relu"`. */
  readonly nonlinearity: "tanh" | "relu";

  /** A cell from `inputSize` features to `hiddenSize`. */
  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    const { nonlinearity = "tanh" } = options;
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new Error(`Unknown nonlinearity: ${nonlinearity}. Select from 'tanh' or 'relu'.`);
    }
    super(nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  /** The next hidden state; `hx` defaults to zeros. */
  forward(input: Tensor, hx?: Tensor): Tensor {
    return this.step(input, hx ?? null, null)[0];
  }
}

/**
 * One LSTM step, PyTorch's `nn.LSTMCell`: returns the next [h, c].
 *
 * @example
 * ```ts
 * import { LSTMCell } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const cell = new LSTMCell(10, 20);
 * let [h, c] = cell.forward(randn([3, 10]));
 * [h, c] = cell.forward(randn([3, 10]), [h, c]);
 * ```
 */
export class LSTMCell extends RNNCellBase {
  /** A cell from `inputSize` features to `hiddenSize`. */
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}) {
    super("LSTM", inputSize, hiddenSize, options);
  }

  /** The next [h, c]; `hx` defaults to zeros. */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor]): [Tensor, Tensor] {
    const [h, c] = this.step(input, hx?.[0] ?? null, hx?.[1] ?? null);
    return [h, c!];
  }
}

/**
 * One GRU step, PyTorch's `nn.GRUCell`.
 *
 * @example
 * ```ts
 * import { GRUCell } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const cell = new GRUCell(10, 20);
 * const h = cell.forward(randn([3, 10])); // [3, 20]
 * ```
 */
export class GRUCell extends RNNCellBase {
  /** A cell from `inputSize` features to `hiddenSize`. */
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }

  /** The next hidden state; `hx` defaults to zeros. */
  forward(input: Tensor, hx?: Tensor): Tensor {
    return this.step(input, hx ?? null, null)[0];
  }
}
