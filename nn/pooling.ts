/**
 * 2-D max and average pooling, as `torch.nn.MaxPool2d`/`AvgPool2d` and their functional forms: the input's
 * windows gathered once (see `unfold.ts`), then a max or a sum over each window. Max pooling then gathers each
 * window's first largest element (PyTorch's indices), so its gradient goes to that element alone, as PyTorch's
 * does; average pooling's is the sum's and the window gather's.
 *
 * @module
 */
import { boolean, checkOptions, integer, nullable, number, pairOf } from "../tensor/validation.ts";
import { noGrad } from "../autograd/node.ts";
import { tensor } from "../tensor/creation.ts";
import { gatherInRange } from "../tensor/indexing.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkTensors } from "./functional_checks.ts";
import { Module } from "./module.ts";
import { type Pair, pair, unfoldWindows, windowCount, type Windows, windowTaps } from "./unfold.ts";

/** Options of {@link maxPool2d} (PyTorch's defaults when omitted). */
export interface MaxPool2dOptions {
  /** Steps between windows (default: the kernel size). */
  stride?: Pair | null;
  /** Implicit −∞ padding on both sides, at most half the kernel (default 0). */
  padding?: Pair;
  /** Steps between a window's taps (default 1). */
  dilation?: Pair;
  /** Count windows with a ceiling, so a partial last window is kept when it starts inside the input (default false). */
  ceilMode?: boolean;
}

/** Options of {@link avgPool2d} (PyTorch's defaults when omitted). */
export interface AvgPool2dOptions {
  /** Steps between windows (default: the kernel size). */
  stride?: Pair | null;
  /** Implicit zero padding on both sides, at most half the kernel (default 0). */
  padding?: Pair;
  /** Count windows with a ceiling, so a partial last window is kept when it starts inside the input (default false). */
  ceilMode?: boolean;
  /** Whether padded positions count in a window's divisor (default true). */
  countIncludePad?: boolean;
  /** A divisor for every window instead of its size (default null). */
  divisorOverride?: number | null;
}

/** The sizes of a pooling. */
type PoolSizes = { stride?: Pair | null; padding?: Pair; dilation?: Pair; ceilMode?: boolean };

/** The types of MaxPool2d's options, and that each size is a number or two (their values: `poolSizes`). */
const MAX_POOL_OPTIONS = {
  stride: nullable(pairOf(number)),
  padding: pairOf(number),
  dilation: pairOf(number),
  ceilMode: boolean,
};

/** The types of AvgPool2d's options, and that each size is a number or two (their values: `poolSizes`). */
const AVG_POOL_OPTIONS = {
  stride: nullable(pairOf(number)),
  padding: pairOf(number),
  ceilMode: boolean,
  countIncludePad: boolean,
  divisorOverride: nullable(integer(-Infinity)),
};

/** A pooling's sizes as [height, width] pairs, with PyTorch's checks of them and their messages. */
function poolSizes(
  name: string,
  kernelSize: Pair,
  options: PoolSizes,
  spec: typeof MAX_POOL_OPTIONS | typeof AVG_POOL_OPTIONS,
): Record<"kernel" | "stride" | "padding" | "dilation", [number, number]> {
  pairOf(number)("kernelSize", kernelSize);
  checkOptions(name, options, spec);
  const kernel = pair(kernelSize);
  const stride = pair(options.stride ?? kernel);
  const padding = pair(options.padding ?? 0);
  const dilation = pair(options.dilation ?? 1);
  const [kh, kw] = kernel;
  const integers = [...kernel, ...stride, ...padding, ...dilation];
  if (integers.some((v) => !Number.isInteger(v))) {
    throw new TypeError(
      `pooling expects integer sizes, got kernelSize [${kernel}], stride [${stride}], padding [${padding}] and dilation [${dilation}]`,
    );
  }
  if (kh <= 0 || kw <= 0) {
    throw new RangeError(`kernel size should be greater than zero, but got kH: ${kh} kW: ${kw}`);
  }
  if (stride[0] <= 0 || stride[1] <= 0) {
    throw new RangeError(`stride should be greater than zero, but got dH: ${stride[0]} dW: ${stride[1]}`);
  }
  if (dilation[0] <= 0 || dilation[1] <= 0) {
    throw new RangeError(
      `dilation should be greater than zero, but got dilationH: ${dilation[0]} dilationW: ${dilation[1]}`,
    );
  }
  for (const [p, k] of [[padding[0], kh], [padding[1], kw]]) {
    if (p < 0) throw new RangeError(`pad must be non-negative, but got pad: ${p}`);
    if (p > Math.floor(k / 2)) {
      throw new RangeError(
        `pad should be at most half of kernel size, but got pad=${p} and kernel_size=${k}`,
      );
    }
  }
  return { kernel, stride, padding, dilation };
}

/** The windows of a pooling over `input` ([N, C, H, W]), with PyTorch's checks and their messages. */
function poolWindows(
  input: Tensor,
  kernelSize: Pair,
  options: PoolSizes,
  name: "maxPool2d" | "avgPool2d",
): Windows {
  const spec = name === "maxPool2d" ? MAX_POOL_OPTIONS : AVG_POOL_OPTIONS;
  const { kernel, stride, padding, dilation } = poolSizes(name, kernelSize, options, spec);
  const [kh, kw] = kernel;
  if (input.ndim !== 4 || input.numel === 0) {
    throw new Error(`non-empty 3D or 4D (batch mode) tensor expected for input, got shape [${input.shape}]`);
  }
  const [, c, h, w] = input.shape;
  const ceil = options.ceilMode ?? false;
  const output: [number, number] = [
    windowCount(h, kh, stride[0], dilation[0], padding[0], padding[0], ceil),
    windowCount(w, kw, stride[1], dilation[1], padding[1], padding[1], ceil),
  ];
  if (output[0] < 1 || output[1] < 1) {
    throw new Error(
      `Given input size: (${c}x${h}x${w}). Calculated output size: (${c}x${output[0]}x${
        output[1]
      }). Output size is too small`,
    );
  }
  return { input: [h, w], kernel, stride, dilation, padBefore: padding, output, mode: "zeros" };
}

/** `pool` applied to `input` as a batch of one when it is unbatched ([C, H, W]). */
function batched(input: Tensor, pool: (x: Tensor) => Tensor): Tensor {
  return input.ndim === 3 ? pool(input.unsqueeze(0)).squeeze(0) : pool(input);
}

/**
 * The largest element of each window of `input` ([N, C, H, W] or [C, H, W]), as
 * `torch.nn.functional.max_pool2d`.
 *
 * @example
 * ```ts
 * import { maxPool2d } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = maxPool2d(randn([8, 16, 28, 28]), 2); // [8, 16, 14, 14]
 * ```
 */
export function maxPool2d(input: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): Tensor {
  checkTensors("maxPool2d", { input });
  return batched(input, (x) => {
    const w = poolWindows(x, kernelSize, options, "maxPool2d");
    const [n, c] = x.shape;
    const [taps, windows] = [w.kernel[0] * w.kernel[1], w.output[0] * w.output[1]];
    const { planes, taps: at } = windowTaps(x, w, -Infinity);
    // Where each window's first largest element lies (PyTorch's indices): the output gathers those alone, so the
    // gradient scatters only to them.
    const winners = noGrad(() => {
      const first = gatherInRange(planes, 2, at).reshape([n, c, taps, windows]).argmax(2, { keepdim: true });
      return gatherInRange(at.reshape([n, c, taps, windows]), 2, first).reshape([n, c, windows]);
    });
    return gatherInRange(planes, 2, winners).reshape([n, c, ...w.output]);
  });
}

/** Each window's divisor: the override, or its size counting or not the padding (not what lies past it). */
function divisors(w: Windows, countIncludePad: boolean): Float32Array {
  const along = (d: 0 | 1): number[] =>
    Array.from({ length: w.output[d] }, (_, o) => {
      const start = o * w.stride[d] - w.padBefore[d];
      const end = Math.min(start + w.kernel[d], w.input[d] + w.padBefore[d]);
      return countIncludePad ? end - start : Math.min(end, w.input[d]) - Math.max(start, 0);
    });
  const [rows, cols] = [along(0), along(1)];
  return Float32Array.from(rows.flatMap((r) => cols.map((c) => r * c)));
}

/**
 * The mean of each window of `input` ([N, C, H, W] or [C, H, W]), as `torch.nn.functional.avg_pool2d`.
 *
 * @example
 * ```ts
 * import { avgPool2d } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = avgPool2d(randn([8, 16, 28, 28]), 3, { stride: 2, padding: 1, countIncludePad: false }); // [8, 16, 14, 14]
 * ```
 */
export function avgPool2d(input: Tensor, kernelSize: Pair, options: AvgPool2dOptions = {}): Tensor {
  checkTensors("avgPool2d", { input });
  const { countIncludePad = true, divisorOverride = null } = options;
  if (divisorOverride === 0) throw new RangeError("divisor must be not zero");
  return batched(input, (x) => {
    const w = poolWindows(x, kernelSize, options, "avgPool2d");
    const sums = unfoldWindows(x, w, 0).sum(2);
    const each = divisors(w, countIncludePad);
    const divisor = divisorOverride ??
      (each.every((d) => d === each[0]) ? each[0] : tensor(each, { dtype: x.dtype, device: x.device }));
    return sums.div(divisor).reshape([x.shape[0], x.shape[1], ...w.output]);
  });
}

/**
 * Max pooling over 2-D windows, as `nn.MaxPool2d`.
 *
 * @example
 * ```ts
 * import { MaxPool2d } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const pool = new MaxPool2d(2);
 * const y = pool.forward(randn([64, 16, 28, 28])); // [64, 16, 14, 14]
 * ```
 */
export class MaxPool2d extends Module {
  /** A pooling over `kernelSize` windows. */
  constructor(readonly kernelSize: Pair, readonly options: MaxPool2dOptions = {}) {
    super();
    poolSizes("MaxPool2d", kernelSize, options, MAX_POOL_OPTIONS);
  }
  /** Pools `input` ([N, C, H, W] or [C, H, W]). */
  forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, this.options);
  }
}

/**
 * Average pooling over 2-D windows, as `nn.AvgPool2d`.
 *
 * @example
 * ```ts
 * import { AvgPool2d } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const pool = new AvgPool2d(2, { ceilMode: true });
 * const y = pool.forward(randn([4, 3, 7, 7])); // [4, 3, 4, 4]
 * ```
 */
export class AvgPool2d extends Module {
  /** A pooling over `kernelSize` windows. */
  constructor(readonly kernelSize: Pair, readonly options: AvgPool2dOptions = {}) {
    super();
    poolSizes("AvgPool2d", kernelSize, options, AVG_POOL_OPTIONS);
    if (options.divisorOverride === 0) throw new RangeError("divisor must be not zero");
  }
  /** Pools `input` ([N, C, H, W] or [C, H, W]). */
  forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, this.options);
  }
}
