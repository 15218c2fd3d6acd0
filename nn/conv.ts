/**
 * 2-D convolution, as `torch.nn.Conv2d` and `torch.nn.functional.conv2d`: the input's windows gathered once
 * (im2col, see `unfold.ts`), then one batched matrix product with the weight per group. Backward is the matrix
 * product's and the gather's gradients; no convolution-specific rule is needed.
 *
 * @module
 */
import { anything, boolean, checkOptions, number, pairOf, shown, string } from "../tensor/validation.ts";
import { getDefaultDevice } from "../backends/device.ts";
import { autocastArgs } from "../tensor/autocast_policy.ts";
import { zeros } from "../tensor/creation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkTensors } from "./functional_checks.ts";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { type PaddingMode, type Pair, pair, unfoldWindows, windowCount } from "./unfold.ts";

/** Options of {@link conv2d} (PyTorch's defaults when omitted). */
export interface Conv2dOptions {
  /** Steps between windows (default 1). */
  stride?: Pair;
  /**
   * Padding on both sides of each spatial dimension (default 0); "valid" is none, and "same" keeps the input's
   * size (stride 1 only), padding one more after than before where the total is odd, as PyTorch does.
   */
  padding?: Pair | "same" | "valid";
  /** Steps between a window's taps (default 1). */
  dilation?: Pair;
  /** Input and output channels split into this many independent groups (default 1). */
  groups?: number;
  /**
   * How padding is filled (default "zeros"); "reflect", "replicate" and "circular" as Conv2d's `paddingMode`
   * (PyTorch's functional form takes them through `F.pad` instead).
   */
  paddingMode?: PaddingMode;
}

const PADDING_MODES: readonly string[] = ["zeros", "reflect", "replicate", "circular"];

/**
 * The types of conv2d's options and that each size is a number or two; the values themselves are checked with
 * PyTorch's messages (`checkSizes`, `resolvePadding`, `checkOperands`).
 */
const CONV_OPTIONS = {
  stride: pairOf(number),
  padding: (
    name: string,
    value: unknown,
  ): void => (typeof value === "string" ? undefined : pairOf(number)(name, value)),
  dilation: pairOf(number),
  groups: anything,
  paddingMode: string,
};

function checkSizes(name: string, values: readonly number[], min: 0 | 1): void {
  if (values.some((v) => !Number.isInteger(v))) {
    throw new TypeError(`${name} must be an integer or a pair of integers, got [${values}]`);
  }
  if (values.some((v) => v < min)) {
    throw new RangeError(
      `${min === 0 ? "negative" : "non-positive"} ${name} is not supported, got [${values}]`,
    );
  }
}

/** The padding before and after each dimension, [top, bottom, left, right], with PyTorch's checks. */
function resolvePadding(
  padding: Pair | "same" | "valid",
  kernel: readonly [number, number],
  stride: readonly [number, number],
  dilation: readonly [number, number],
): [number, number, number, number] {
  if (padding === "valid") return [0, 0, 0, 0];
  if (padding === "same") {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new Error(`padding='same' is not supported for strided convolutions, got stride [${stride}]`);
    }
    const [th, tw] = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)];
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  if (typeof padding === "string") {
    throw new Error(`Invalid padding string '${padding}', should be one of {'valid', 'same'}`);
  }
  const [ph, pw] = pair(padding);
  checkSizes("padding", [ph, pw], 0);
  return [ph, ph, pw, pw];
}

/** Throws unless reflect/circular padding stays within what the input can supply, as PyTorch's `F.pad`. */
function checkModePadding(mode: PaddingMode, pads: readonly number[], input: Tensor): void {
  if (mode !== "reflect" && mode !== "circular") return;
  pads.forEach((p, i) => {
    const dim = i < 2 ? 2 : 3;
    const size = input.shape[dim];
    if (mode === "reflect" ? p >= size : p > size) {
      throw new Error(
        `Padding size should be ${mode === "reflect" ? "less than" : "at most"} the corresponding input ` +
          `dimension for ${mode} padding, but got: padding ${p} at dimension ${dim} of input [${input.shape}]`,
      );
    }
  });
}

function checkOperands(input: Tensor, weight: Tensor, bias: Tensor | null, groups: number): void {
  if (weight.ndim !== 4) {
    throw new Error(
      `conv2d expects a 4-D weight [outChannels, inChannels / groups, kH, kW], got [${weight.shape}]`,
    );
  }
  if (!Number.isInteger(groups) || groups <= 0) {
    throw new RangeError(`non-positive groups is not supported, got ${groups}`);
  }
  if (weight.shape[0] % groups !== 0) {
    throw new Error(
      `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${weight.shape}] instead`,
    );
  }
  if (input.shape[1] !== weight.shape[1] * groups) {
    throw new Error(
      `Given groups=${groups}, weight of size [${weight.shape}], expected input[${input.shape}] to have ${
        weight.shape[1] * groups
      } channels, but got ${input.shape[1]} channels instead`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(
      `Given weight of size [${weight.shape}], expected bias to be 1-dimensional with ${
        weight.shape[0]
      } elements, but got bias of size [${bias.shape}] instead`,
    );
  }
}

/**
 * The 2-D convolution (cross-correlation, as in PyTorch) of `input` ([N, C, H, W] or unbatched [C, H, W]) with
 * `weight` ([outChannels, C / groups, kH, kW]) plus `bias`, as `torch.nn.functional.conv2d`.
 *
 * @example
 * ```ts
 * import { conv2d } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = conv2d(randn([8, 3, 32, 32]), randn([16, 3, 3, 3]), randn([16]), { padding: 1 }); // [8, 16, 32, 32]
 * ```
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions = {},
): Tensor {
  checkTensors("conv2d", { input, weight, bias }, ["bias"]);
  checkOptions("conv2d", options, CONV_OPTIONS);
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new Error(
      `Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [${input.shape}]`,
    );
  }
  [input, weight, bias] = autocastArgs("lower", [input, weight, bias]);
  if (input.ndim === 3) return conv2d(input.unsqueeze(0), weight, bias, options).squeeze(0);
  const { groups = 1, paddingMode = "zeros" } = options;
  const [stride, dilation] = [pair(options.stride ?? 1), pair(options.dilation ?? 1)];
  checkSizes("stride", stride, 1);
  checkSizes("dilation", dilation, 1);
  checkOperands(input, weight, bias, groups);
  const [n, , h, w] = input.shape;
  const [out, perGroup, kh, kw] = weight.shape;
  const pads = resolvePadding(options.padding ?? 0, [kh, kw], stride, dilation);
  const [padH, padW] = [h + pads[0] + pads[1], w + pads[2] + pads[3]];
  const [spanH, spanW] = [dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1];
  if (padH < spanH || padW < spanW) {
    throw new Error(
      `Calculated padded input size per channel: (${padH} x ${padW}). Kernel size: (${spanH} x ${spanW}). ` +
        "Kernel size can't be greater than actual input size",
    );
  }
  if (!PADDING_MODES.includes(paddingMode)) throw new Error(paddingModeMessage(paddingMode));
  checkModePadding(paddingMode, pads, input);
  const output: [number, number] = [
    windowCount(h, kh, stride[0], dilation[0], pads[0], pads[1]),
    windowCount(w, kw, stride[1], dilation[1], pads[2], pads[3]),
  ];
  const windows = unfoldWindows(input, {
    input: [h, w],
    kernel: [kh, kw],
    stride,
    dilation,
    padBefore: [pads[0], pads[2]],
    output,
    mode: paddingMode,
  });
  const taps = perGroup * kh * kw;
  const columns = windows.reshape([n, groups, taps, output[0] * output[1]]);
  const y = weight.reshape([groups, out / groups, taps]).matmul(columns).reshape([n, out, ...output]);
  return bias === null ? y : y.add(bias.reshape([out, 1, 1]));
}

function paddingModeMessage(mode: string): string {
  return `paddingMode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got paddingMode='${mode}'`;
}

/** Options of {@link Conv2d}: those of {@link conv2d} and whether the layer has a bias. */
export interface Conv2dModuleOptions extends Conv2dOptions {
  /** Whether the layer learns a bias (default true). */
  bias?: boolean;
}

/**
 * A 2-D convolution layer, as `nn.Conv2d`, with PyTorch's default initialisation: weight Kaiming-uniform with
 * a = √5 and bias U(-1/√fanIn, 1/√fanIn), fanIn = inChannels / groups · kH · kW.
 *
 * @example
 * ```ts
 * import { Conv2d } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const conv = new Conv2d(1, 16, 3, { padding: 1 });
 * const y = conv.forward(randn([64, 1, 28, 28])); // [64, 16, 28, 28]
 * ```
 */
export class Conv2d extends Module {
  /** The weight, [outChannels, inChannels / groups, kH, kW]. */
  readonly weight: Parameter;
  /** The bias, [outChannels], or null without one. */
  readonly bias: Parameter | null;
  /** The window, [kH, kW]. */
  readonly kernelSize: [number, number];
  /** The options the layer convolves with (PyTorch's defaults filled in). */
  readonly options: Required<Conv2dOptions>;

  /** A layer from `inChannels` to `outChannels` with a `kernelSize` window. */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dModuleOptions = {},
  ) {
    super();
    checkOptions("Conv2d", options, { ...CONV_OPTIONS, bias: boolean });
    pairOf(number)("kernelSize", kernelSize);
    const { stride = 1, padding = 0, dilation = 1, groups = 1, paddingMode = "zeros", bias = true } = options;
    for (const [name, n] of [["inChannels", inChannels], ["outChannels", outChannels]] as const) {
      if (!Number.isInteger(n) || n <= 0) {
        throw new RangeError(`Conv2d: ${name} must be a positive integer, got ${shown(n)}`);
      }
    }
    if (!Number.isInteger(groups) || groups <= 0) {
      throw new RangeError(`groups must be a positive integer, got ${groups}`);
    }
    if (inChannels % groups !== 0) {
      throw new Error(
        `inChannels must be divisible by groups, got inChannels ${inChannels} and groups ${groups}`,
      );
    }
    if (outChannels % groups !== 0) {
      throw new Error(
        `outChannels must be divisible by groups, got outChannels ${outChannels} and groups ${groups}`,
      );
    }
    if (!PADDING_MODES.includes(paddingMode)) throw new Error(paddingModeMessage(paddingMode));
    this.kernelSize = pair(kernelSize);
    checkSizes("kernelSize", this.kernelSize, 1);
    checkSizes("stride", pair(stride), 1);
    checkSizes("dilation", pair(dilation), 1);
    resolvePadding(padding, this.kernelSize, pair(stride), pair(dilation));
    this.options = { stride, padding, dilation, groups, paddingMode };
    const device = getDefaultDevice();
    const shape = [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(kaimingUniform_(zeros(shape, { device }), { a: Math.sqrt(5) }));
    if (bias) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = 1 / Math.sqrt(fanIn);
      this.bias = new Parameter(uniform_(zeros([outChannels], { device }), -bound, bound));
    } else {
      this.bias = null;
    }
  }

  /** Convolves `input` ([N, inChannels, H, W] or [inChannels, H, W]). */
  forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, this.options);
  }
}
