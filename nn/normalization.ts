/**
 * Layer normalisation and RMS normalisation over the last dimensions, as `nn.LayerNorm`/`F.layer_norm` and
 * `nn.RMSNorm`/`F.rms_norm` (PyTorch 2.4). Both are one fused node: LayerNorm's forward is two row sums and two
 * elementwise kernels (RMSNorm's one of each), backward one kernel for the terms, one reduction taking both of
 * their row sums, one kernel for the input's gradient and the weight and bias sums.
 *
 * @module
 */
import { boolean, checkOptions, integer, nullable, number, oneOrMany } from "../tensor/validation.ts";
import { fusedOp } from "../autograd/function.ts";
import { getDefaultDevice } from "../backends/device.ts";
import * as ir from "../backends/kernel_ir.ts";
import type { Expr, Kernel } from "../backends/kernel_ir.ts";
import { autocastArgs } from "../tensor/autocast_policy.ts";
import { ones, zeros } from "../tensor/creation.ts";
import { type DType, isFloating } from "../tensor/dtype.ts";
import { cachedKernel, runKernel, runKernelInto } from "../tensor/elementwise.ts";
import { sum } from "../tensor/reduce.ts";
import { empty, numel, sameShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/** Which normalisation: LayerNorm subtracts the mean before dividing by the deviation, RMSNorm does not. */
interface Norm {
  readonly name: "layerNorm" | "rmsNorm";
  readonly centered: boolean;
}
const LAYER: Norm = { name: "layerNorm", centered: true };
const RMS: Norm = { name: "rmsNorm", centered: false };

const f32 = (e: Expr): Expr => ir.cast(e, "float32");

/** The runtime scalars of the kernels that use the row statistics: 1/n and eps. */
const SCALARS: DType[] = ["float32", "float32"];

/** The kernels of one normalisation for one combination of dtypes. */
interface NormKernels {
  /** (x − s/n)² per element (LayerNorm's deviations), from x and its row sum s. */
  deviation(): Kernel;
  /** x² per element (RMSNorm's squares). */
  square(): Kernel;
  /** y = xhat·w + b. */
  output(): Kernel;
  /** [g·w, g·w·xhat, g·xhat]: the terms of the row means and of the weight's gradient. */
  terms(gd: DType): Kernel;
  /**
   * dx = rstd·(g·w − mean(g·w) − xhat·mean(g·w·xhat)); RMSNorm has no mean(g·w) term. With `accumulate`, a last
   * input, the input's gradient accumulated so far, is added to it.
   */
  gradInput(gd: DType, accumulate: boolean): Kernel;
}

/**
 * The shared kernels, built on first use per dtype combination. Inputs are read as float32. Each kernel that needs
 * the row statistics computes them from the row sums it reads, [s, q] (LayerNorm: Σx and Σ(x − mean)²) or [q]
 * (RMSNorm: Σx²), with the runtime scalars 1/n and eps: mean = s/n and rstd = 1/√(q/n + eps), rounded as a kernel
 * of their own would round them, so no kernel (and no dispatch) computes them apart. `xhat` is (x − mean)·rstd, or
 * x·rstd for RMSNorm.
 */
function kernels(norm: Norm, dtypes: { x: DType; w: DType | null; b: DType | null }): NormKernels {
  const { x: xd, w: wd, b: bd } = dtypes;
  const key = `nn.${norm.name}:${xd}:${wd}:${bd}`;
  const stats = norm.centered ? ["float32", "float32"] as DType[] : ["float32"] as DType[];
  /** rstd, and xhat from x, from the row sums and the scalars [1/n, eps]. */
  const rstdOf = (sums: Expr[], [invN, eps]: Expr[]): Expr =>
    ir.recip(ir.sqrt(ir.add(ir.mul(sums[sums.length - 1], invN), eps)));
  const xhat = (x: Expr, sums: Expr[], scalars: Expr[]): Expr =>
    norm.centered
      ? ir.mul(ir.sub(f32(x), ir.mul(sums[0], scalars[0])), rstdOf(sums, scalars))
      : ir.mul(f32(x), rstdOf(sums, scalars));
  return {
    deviation: () =>
      cachedKernel(`${key}:dev`, () =>
        ir.defineKernel([xd, "float32"], ["float32"], ([x, s], [invN]) => {
          const d = ir.sub(f32(x), ir.mul(s, invN));
          return [ir.mul(d, d)];
        })),
    square: () =>
      cachedKernel(`${key}:sq`, () => ir.defineKernel([xd], [], ([x]) => [ir.mul(f32(x), f32(x))])),
    output: () =>
      cachedKernel(
        `${key}:out`,
        () =>
          ir.defineKernel([xd, ...stats, ...(wd ? [wd] : []), ...(bd ? [bd] : [])], SCALARS, (ins, sc) => {
            let y = xhat(ins[0], ins.slice(1, 1 + stats.length), sc);
            if (wd) y = ir.mul(y, f32(ins[1 + stats.length]));
            if (bd) y = ir.add(y, f32(ins[ins.length - 1]));
            return [ir.cast(y, xd)];
          }),
      ),
    terms: (gd: DType) =>
      cachedKernel(
        `${key}:terms:${gd}`,
        () =>
          ir.defineKernel([gd, xd, ...stats, ...(wd ? [wd] : [])], SCALARS, ([g, x, ...rest], sc) => {
            const h = xhat(x, rest.slice(0, stats.length), sc);
            const gw = wd ? ir.mul(f32(g), f32(rest[stats.length])) : f32(g);
            return [gw, ir.mul(gw, h), ir.mul(f32(g), h)];
          }),
      ),
    gradInput: (gd: DType, accumulate: boolean) =>
      cachedKernel(`${key}:dx:${gd}:${accumulate}`, () =>
        ir.defineKernel(
          [gd, xd, ...stats, ...(wd ? [wd] : []), "float32", "float32", ...(accumulate ? [xd] : [])],
          SCALARS,
          (all, sc) => {
            const ins = accumulate ? all.slice(0, -1) : all;
            const [g, x] = ins;
            const st = ins.slice(2, 2 + stats.length);
            const [sumGw, sumGwx] = ins.slice(ins.length - 2);
            const [invN] = sc;
            const rstd = rstdOf(st, sc);
            const gw = wd ? ir.mul(f32(g), f32(ins[2 + stats.length])) : f32(g);
            let inner = ir.sub(gw, ir.mul(xhat(x, st, sc), ir.mul(sumGwx, invN)));
            if (norm.centered) inner = ir.sub(inner, ir.mul(sumGw, invN));
            const dx = ir.cast(ir.mul(rstd, inner), xd);
            return [accumulate ? ir.add(all[all.length - 1], dx) : dx];
          },
        )),
  };
}

function normalized(normalizedShape: number | readonly number[]): number[] {
  return typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
}

function checkShapes(
  input: Tensor,
  shape: readonly number[],
  weight: Tensor | null,
  bias: Tensor | null,
): void {
  if (!isFloating(input.dtype)) {
    throw new TypeError(`Expected a floating-point input for normalization, got ${input.dtype}`);
  }
  const trailing = input.shape.slice(input.ndim - shape.length);
  if (shape.length === 0 || input.ndim < shape.length || !sameShape(trailing, shape)) {
    throw new Error(
      `Given normalized_shape=[${shape}], expected input with shape [*, ${
        shape.join(", ")
      }], but got input of size[${input.shape}]`,
    );
  }
  for (const [what, t] of [["weight", weight], ["bias", bias]] as const) {
    if (t !== null && !sameShape(t.shape, shape)) {
      throw new Error(
        `Expected ${what} to be of same shape as normalized_shape, but got ${what} of shape [${t.shape}] and normalized_shape = [${shape}]`,
      );
    }
  }
}

/**
 * The column sums of `t` ([rows, n]) as [n], by a product with a row of ones: the backends run a matrix product far
 * faster than a reduction over the leading dimension (on the CPU, 0.13 against 1.2 ms for [768, 128]).
 */
function columnSums(t: Tensor): Tensor {
  return ones([1, t.shape[0]], { dtype: t.dtype, device: t.device }).matmul(t).reshape([t.shape[1]]);
}

/** The normalisation `norm` of `input` over `shape`, then ·weight + bias, as one fused node. */
function normalize(
  norm: Norm,
  input: Tensor,
  shape: readonly number[],
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor {
  // Autocast runs layer_norm in float32, as PyTorch (rms_norm's mean of squares too: pow is on the float32 list).
  [input, weight, bias] = autocastArgs("float32", [input, weight, bias]);
  checkShapes(input, shape, weight, bias);
  const n = numel(shape);
  const rows = input.numel / n;
  const k = kernels(norm, { x: input.dtype, w: weight?.dtype ?? null, b: bias?.dtype ?? null });
  const params = [weight, bias].filter((t): t is Tensor => t !== null);
  const x = input.reshape([rows, n]);
  const flat = params.map((t) => t.reshape([n]));
  const scalars = [1 / n, eps];
  return fusedOp(norm.name, [input, ...params], () => {
    let rowSums: Tensor[], squares: Tensor;
    if (norm.centered) {
      const s = sum(x.float(), 1, true);
      squares = runKernel(k.deviation(), [x, s], [1 / n])[0];
      rowSums = [s, sum(squares, 1, true)];
    } else {
      squares = runKernel(k.square(), [x])[0];
      rowSums = [sum(squares, 1, true)];
    }
    const [y] = runKernel(k.output(), [x, ...rowSums, ...flat], scalars);
    // The temporary goes back now, while its memory is in cache for the next layer's.
    squares.dispose();
    return { output: y.reshape(input.shape), saved: rowSums };
  }, (g, { saved: stats, needed, takeAccumulated }) => {
    const g2 = g.reshape([rows, n]);
    const w = weight === null ? [] : [flat[0]];
    // g·w and g·w·xhat into one buffer, so that one reduction takes both row sums.
    const both = empty([2, rows, n], { dtype: "float32", device: g.device }, false);
    const gx = empty([rows, n], { dtype: "float32", device: g.device }, false);
    const [gw, gwx] = [0, 1].map((i) => both.narrow(0, i, 1).reshape([rows, n]));
    runKernelInto(k.terms(g.dtype), [g2, x, ...stats, ...w], [gw, gwx, gx], scalars);
    const summed = needed[0] ? sum(both, 2, true) : null;
    const rowSums = summed === null ? [] : [0, 1].map((i) => summed.narrow(0, i, 1).reshape([rows, 1]));
    // The residual stream's gradient so far is added in the same kernel.
    const prior = needed[0] ? takeAccumulated(0) : null;
    const dx = needed[0]
      ? runKernel(k.gradInput(g.dtype, prior !== null), [
        g2,
        x,
        ...stats,
        ...w,
        ...rowSums,
        ...(prior === null ? [] : [prior.reshape([rows, n])]),
      ], scalars)[0].reshape(input.shape)
      : null;
    const grads: (Tensor | null)[] = [dx];
    if (weight !== null) grads.push(needed[1] ? columnSums(gx).reshape(shape).to(weight.dtype) : null);
    if (bias !== null) grads.push(needed[grads.length] ? columnSums(g2).reshape(shape).to(bias.dtype) : null);
    [both, gx, ...(summed === null ? [] : [summed])].forEach((t) => t.dispose());
    return grads;
  });
}

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** Multiplies the normalised values, shaped as normalizedShape (default: none). */
  weight?: Tensor | null;
  /** Added after the weight, shaped as normalizedShape (default: none). */
  bias?: Tensor | null;
  /** Added to the variance before its square root (default 1e-5). */
  eps?: number;
}

/**
 * Normalises `input` over its last dimensions (`normalizedShape`) to zero mean and unit variance (biased), then
 * applies `weight` and `bias`, as `torch.nn.functional.layer_norm`.
 *
 * @example
 * ```ts
 * import { layerNorm } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = layerNorm(randn([2, 3, 8]), [8]); // each row of 8: mean 0, variance 1
 * ```
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | readonly number[],
  options: LayerNormOptions = {},
): Tensor {
  checkTensors("layerNorm", { input });
  oneOrMany(integer(0))("normalizedShape", normalizedShape);
  checkOptions("layerNorm", options, OPTION_SPECS.layerNorm);
  const { weight = null, bias = null, eps = 1e-5 } = options;
  return normalize(LAYER, input, normalized(normalizedShape), weight, bias, eps);
}

/** Options of {@link rmsNorm}. */
export interface RMSNormOptions {
  /** Multiplies the normalised values, shaped as normalizedShape (default: none). */
  weight?: Tensor | null;
  /** Added to the mean square (default: the input dtype's machine epsilon, as PyTorch's `eps=None`). */
  eps?: number | null;
}

/** The machine epsilon of a floating dtype, as `torch.finfo(dtype).eps`. */
function finfoEps(dtype: DType): number {
  return dtype === "float16" ? 2 ** -10 : 2 ** -23;
}

/**
 * x / √(mean(x²) + eps) over the last dimensions (`normalizedShape`), times `weight`, as
 * `torch.nn.functional.rms_norm` (PyTorch 2.4).
 *
 * @example
 * ```ts
 * import { rmsNorm } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = rmsNorm(randn([2, 8]), 8); // each row's mean square is 1
 * ```
 */
export function rmsNorm(
  input: Tensor,
  normalizedShape: number | readonly number[],
  options: RMSNormOptions = {},
): Tensor {
  checkTensors("rmsNorm", { input });
  oneOrMany(integer(0))("normalizedShape", normalizedShape);
  checkOptions("rmsNorm", options, OPTION_SPECS.rmsNorm);
  const { weight = null, eps = null } = options;
  return normalize(RMS, input, normalized(normalizedShape), weight, null, eps ?? finfoEps(input.dtype));
}

function checkNormalizedShape(layer: string, shape: readonly number[]): void {
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new RangeError(`${layer}: normalizedShape must be non-negative integers, got [${shape}]`);
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormModuleOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Whether to learn a weight (initialised to ones) and a bias (zeros) (default true). */
  elementwiseAffine?: boolean;
  /** Whether to learn the bias when elementwiseAffine (default true; false as PyTorch 2.1+'s bias=False). */
  bias?: boolean;
}

/**
 * Layer normalisation over the last dimensions, as `nn.LayerNorm`: state-dict keys `weight` and `bias` (none
 * without elementwiseAffine, no `bias` with `bias: false`).
 *
 * @example
 * ```ts
 * import { LayerNorm } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const ln = new LayerNorm(128, { bias: false });
 * const y = ln.forward(randn([12, 64, 128]));
 * console.log(Object.keys(ln.stateDict())); // ["weight"]
 * ```
 */
export class LayerNorm extends Module {
  /** The normalised trailing shape. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance. */
  readonly eps: number;
  /** Whether weight (and bias) are learnt. */
  readonly elementwiseAffine: boolean;
  /** The weight, shaped as normalizedShape, or null. */
  weight: Parameter | null;
  /** The bias, shaped as normalizedShape, or null. */
  bias: Parameter | null;

  /** A layer normalising over `normalizedShape` (an int for the last dimension alone). */
  constructor(normalizedShape: number | readonly number[], options: LayerNormModuleOptions = {}) {
    super();
    checkOptions("LayerNorm", options, { eps: number, elementwiseAffine: boolean, bias: boolean });
    this.normalizedShape = normalized(normalizedShape);
    checkNormalizedShape("LayerNorm", this.normalizedShape);
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const device = getDefaultDevice();
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape, { device })) : null;
    this.bias = this.elementwiseAffine && (options.bias ?? true)
      ? new Parameter(zeros(this.normalizedShape, { device }))
      : null;
  }

  /** Normalises `input` ([*, ...normalizedShape]). */
  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}

/** Options of {@link RMSNorm}. */
export interface RMSNormModuleOptions {
  /** Added to the mean square (default null: the input dtype's machine epsilon). */
  eps?: number | null;
  /** Whether to learn a weight, initialised to ones (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Root-mean-square normalisation over the last dimensions, as `nn.RMSNorm` (PyTorch 2.4): state-dict key
 * `weight` (none without elementwiseAffine).
 *
 * @example
 * ```ts
 * import { RMSNorm } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = new RMSNorm([4, 8]).forward(randn([2, 4, 8]));
 * ```
 */
export class RMSNorm extends Module {
  /** The normalised trailing shape. */
  readonly normalizedShape: readonly number[];
  /** Added to the mean square; null for the input dtype's machine epsilon. */
  readonly eps: number | null;
  /** Whether the weight is learnt. */
  readonly elementwiseAffine: boolean;
  /** The weight, shaped as normalizedShape, or null. */
  weight: Parameter | null;

  /** A layer normalising over `normalizedShape` (an int for the last dimension alone). */
  constructor(normalizedShape: number | readonly number[], options: RMSNormModuleOptions = {}) {
    super();
    checkOptions("RMSNorm", options, { eps: nullable(number), elementwiseAffine: boolean });
    this.normalizedShape = normalized(normalizedShape);
    checkNormalizedShape("RMSNorm", this.normalizedShape);
    this.eps = options.eps ?? null;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine
      ? new Parameter(ones(this.normalizedShape, { device: getDefaultDevice() }))
      : null;
  }

  /** Normalises `input` ([*, ...normalizedShape]). */
  forward(input: Tensor): Tensor {
    return rmsNorm(input, this.normalizedShape, { weight: this.weight, eps: this.eps });
  }
}
