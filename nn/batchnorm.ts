/**
 * Batch normalisation, as `torch.nn.BatchNorm1d`/`BatchNorm2d` and `torch.nn.functional.batch_norm`: in training
 * the batch's statistics normalise the input and update running ones (in place, on the device); in evaluation the
 * running statistics are used.
 *
 * @module
 */
import { boolean, checkOptions, nullable, number, shown } from "../tensor/validation.ts";
import { noGrad } from "../autograd/node.ts";
import { getDefaultDevice } from "../backends/device.ts";
import { full, ones, zeros } from "../tensor/creation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** The per-channel scale γ (default: none). */
  weight?: Tensor | null;
  /** The per-channel shift β (default: none). */
  bias?: Tensor | null;
  /** Normalise with the batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** How far each training step moves the running statistics toward the batch's (default 0.1). */
  momentum?: number;
  /** Added to the variance before its square root (default 1e-5). */
  eps?: number;
}

/** The per-channel tensors' names, as PyTorch's checks name them. */
const CHANNEL_TENSORS = ["running_mean", "running_var", "weight", "bias"] as const;

function checkInput(input: Tensor, channelTensors: readonly (Tensor | null)[], training: boolean): void {
  if (input.ndim < 2) {
    throw new Error(
      `batchNorm expects an input of at least 2 dimensions [N, C, …], got shape [${input.shape}]`,
    );
  }
  const channels = input.shape[1];
  channelTensors.forEach((t, i) => {
    if (t !== null && t.numel !== channels) {
      throw new Error(`${CHANNEL_TENSORS[i]} should contain ${channels} elements not ${t.numel}`);
    }
  });
  if (training && input.numel / channels <= 1) {
    throw new Error(
      `Expected more than 1 value per channel when training, got input size [${input.shape}]`,
    );
  }
}

/**
 * Normalises `input` ([N, C, …]) per channel, then scales and shifts it; in training, with the batch's mean and
 * biased variance, moving the running statistics (when given) by `factor` toward the batch's mean and unbiased
 * variance. `factor` may be a 0-d tensor (the cumulative average's 1 / batches), so nothing is read to the host.
 */
function normalize(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  factor: number | Tensor,
  eps: number,
): Tensor {
  checkInput(input, [runningMean, runningVar, weight, bias], training);
  const perChannel = input.shape.map((s, i) => (i === 1 ? s : 1));
  const dims = input.shape.map((_, i) => i).filter((i) => i !== 1);
  let centered: Tensor;
  let variance: Tensor;
  if (training) {
    const mean = input.mean(dims, { keepdim: true });
    centered = input.sub(mean);
    variance = centered.mul(centered).mean(dims, { keepdim: true });
    noGrad(() => {
      const count = input.numel / input.shape[1];
      runningMean?.add_(mean.reshape([-1]).sub(runningMean).mul(factor));
      runningVar?.add_(variance.reshape([-1]).mul(count / (count - 1)).sub(runningVar).mul(factor));
    });
  } else {
    if (runningMean === null || runningVar === null) {
      throw new Error("batchNorm needs runningMean and runningVar when not training");
    }
    centered = input.sub(runningMean.reshape(perChannel));
    variance = runningVar.reshape(perChannel);
  }
  let out = centered.div(variance.add(eps).sqrt());
  if (weight !== null) out = out.mul(weight.reshape(perChannel));
  if (bias !== null) out = out.add(bias.reshape(perChannel));
  return out;
}

/**
 * Batch normalisation of `input` ([N, C, …]) per channel, as `torch.nn.functional.batch_norm`: with `training`,
 * the batch's statistics are used and `runningMean`/`runningVar` (when given) are updated in place; otherwise the
 * running statistics are used.
 *
 * @example
 * ```ts
 * import { batchNorm } from "@gradstep/gradstep/nn";
 * import { ones, randn, zeros } from "@gradstep/gradstep";
 * const runningMean = zeros([3]);
 * const runningVar = ones([3]);
 * const y = batchNorm(randn([8, 3]), runningMean, runningVar, { training: true }); // each column ~ mean 0, var 1
 * ```
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  checkTensors("batchNorm", { input, runningMean, runningVar }, ["runningMean", "runningVar"]);
  checkOptions("batchNorm", options, OPTION_SPECS.batchNorm);
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  return normalize(input, runningMean, runningVar, weight, bias, training, momentum, eps);
}

/** Options of the {@link BatchNorm} layers (PyTorch's defaults when omitted). */
export interface BatchNormModuleOptions {
  /** Added to the variance before its square root (default 1e-5). */
  eps?: number;
  /** The running statistics' update factor (default 0.1); null keeps a cumulative (equal-weight) average. */
  momentum?: number | null;
  /** Whether the layer learns a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Whether the layer keeps running statistics for evaluation (default true). */
  trackRunningStats?: boolean;
}

/**
 * The base of {@link BatchNorm1d} and {@link BatchNorm2d} (PyTorch's `_BatchNorm`), for code that treats every
 * batch-norm layer alike, e.g. re-estimating running statistics after weight averaging. Its buffers carry
 * PyTorch's names (`running_mean`, `running_var`, `num_batches_tracked`), so state dicts interoperate.
 *
 * @example
 * ```ts
 * import { BatchNorm, BatchNorm2d, Sequential } from "@gradstep/gradstep/nn";
 * const model = new Sequential(new BatchNorm2d(8));
 * for (const m of model.children()) if (m instanceof BatchNorm) m.resetRunningStats();
 * ```
 */
export abstract class BatchNorm extends Module {
  /** The learned per-channel scale γ (ones at first), or null when not affine. */
  readonly weight: Parameter | null;
  /** The learned per-channel shift β (zeros at first), or null when not affine. */
  readonly bias: Parameter | null;
  /** Added to the variance before its square root. */
  readonly eps: number;
  /** The running statistics' update factor; null for a cumulative average. Writable, as in PyTorch. */
  momentum: number | null;
  /** Whether the layer has `weight` and `bias`. */
  readonly affine: boolean;
  /** Whether the layer keeps running statistics. */
  readonly trackRunningStats: boolean;

  /** A layer over `numFeatures` channels. */
  constructor(readonly numFeatures: number, options: BatchNormModuleOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new RangeError(
        `${new.target.name}: numFeatures must be a positive integer, got ${shown(numFeatures)}`,
      );
    }
    checkOptions(new.target.name, options, {
      eps: number,
      momentum: nullable(number),
      affine: boolean,
      trackRunningStats: boolean,
    });
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    const device = getDefaultDevice();
    this.weight = affine ? new Parameter(ones([numFeatures], { device })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { device })) : null;
    const track = (t: Tensor): Tensor | null => (trackRunningStats ? t : null);
    this.registerBuffer("running_mean", track(zeros([numFeatures], { device })));
    this.registerBuffer("running_var", track(ones([numFeatures], { device })));
    this.registerBuffer("num_batches_tracked", track(zeros([], { dtype: "int32", device })));
  }

  /** The running mean per channel (buffer `running_mean`), or null without running statistics. */
  get runningMean(): Tensor | null {
    return this.trackRunningStats ? this.getBuffer("running_mean") : null;
  }
  /** The running unbiased variance per channel (buffer `running_var`), or null without running statistics. */
  get runningVar(): Tensor | null {
    return this.trackRunningStats ? this.getBuffer("running_var") : null;
  }
  /** Training batches seen, a 0-d int32 tensor (buffer `num_batches_tracked`), or null without running statistics. */
  get numBatchesTracked(): Tensor | null {
    return this.trackRunningStats ? this.getBuffer("num_batches_tracked") : null;
  }

  /** Running mean 0, running variance 1, no batches tracked. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.fill_(0);
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.fill_(0);
    });
  }

  /**
   * Resets the running statistics, and the scale to 1 and shift to 0.
   *
   * @example
   * ```ts
   * import { BatchNorm1d } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const bn = new BatchNorm1d(8);
   * bn.forward(randn([16, 8])); // updates the running statistics
   * bn.resetParameters(); // running mean 0, variance 1, weight 1, bias 0
   * ```
   */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.fill_(0);
    });
  }

  /** Throws unless `input` has the rank this layer normalises. */
  protected abstract checkInputDim(input: Tensor): void;

  /**
   * Normalises `input` ([N, C, …]); in training also updates the running statistics.
   *
   * @example
   * ```ts
   * import { BatchNorm1d } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const bn = new BatchNorm1d(8);
   * const y = bn.forward(randn([16, 8])); // each feature with mean 0 and variance 1 over the batch
   * ```
   */
  forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    const tracked = this.numBatchesTracked;
    let factor: number | Tensor = 0;
    if (this.training && tracked !== null) {
      noGrad(() => tracked.add_(1));
      factor = this.momentum ?? noGrad(() => full([], 1, { device: tracked.device }).div(tracked));
    }
    const useBatchStats = this.training || !this.trackRunningStats;
    return normalize(
      input,
      this.runningMean,
      this.runningVar,
      this.weight,
      this.bias,
      useBatchStats,
      factor,
      this.eps,
    );
  }
}

/**
 * Batch normalisation over [N, C] or [N, C, L] inputs, as `nn.BatchNorm1d`.
 *
 * @example
 * ```ts
 * import { BatchNorm1d } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const bn = new BatchNorm1d(16);
 * const y = bn.forward(randn([32, 16])); // and bn.runningMean has moved toward the batch mean
 * bn.eval();
 * const z = bn.forward(randn([4, 16])); // normalised with the running statistics
 * ```
 */
export class BatchNorm1d extends BatchNorm {
  /** Throws unless `input` is 2-D or 3-D. */
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new Error(`expected 2D or 3D input (got ${input.ndim}D input)`);
    }
  }
}

/**
 * Batch normalisation over [N, C, H, W] inputs, as `nn.BatchNorm2d`.
 *
 * @example
 * ```ts
 * import { BatchNorm2d } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const bn = new BatchNorm2d(8, { momentum: null }); // a cumulative average of the batches' statistics
 * const y = bn.forward(randn([4, 8, 5, 5]));
 * ```
 */
export class BatchNorm2d extends BatchNorm {
  /** Throws unless `input` is 4-D. */
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new Error(`expected 4D input (got ${input.ndim}D input)`);
  }
}
