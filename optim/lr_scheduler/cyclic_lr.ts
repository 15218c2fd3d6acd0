/**
 * CyclicLR: cyclical learning rates (and inverse momentum), as `torch.optim.lr_scheduler.CyclicLR`.
 *
 * @module
 */
import { boolean, checkOptions, func, integer, number, oneOrMany, string } from "../../tensor/validation.ts";
import { checkOptimizer, LAST_EPOCH, LRScheduler, perGroup, type ScheduledGroup } from "./lr_scheduler.ts";
import { setMomentum, usesBeta1 } from "./momentum.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** CyclicLR's policies. */
export type CyclicMode = "triangular" | "triangular2" | "exp_range";

/** CyclicLR's options (PyTorch's defaults). */
export interface CyclicLROptions {
  /** The lower lr of the cycle, for every group or per group. */
  baseLr: number | readonly number[];
  /** The upper lr of the cycle, for every group or per group. */
  maxLr: number | readonly number[];
  /** Steps in the rising half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Steps in the falling half (default: stepSizeUp). */
  stepSizeDown?: number;
  /** The amplitude policy, ignored with a scaleFn (default "triangular"). */
  mode?: CyclicMode;
  /** exp_range's factor per step (default 1). */
  gamma?: number;
  /** A custom amplitude factor of the cycle number or the step, in [0, 1]; replaces `mode`. */
  scaleFn?: (x: number) => number;
  /** What scaleFn takes: the cycle number or the step (default "cycle"). */
  scaleMode?: "cycle" | "iterations";
  /** Cycle momentum (or Adam's beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the lr's peak (default 0.8). */
  baseMomentum?: number | readonly number[];
  /** The momentum at the lr's trough (default 0.9). */
  maxMomentum?: number | readonly number[];
  /** The index of the last batch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

const MODES: readonly string[] = ["triangular", "triangular2", "exp_range"];

/**
 * Cycles each group's lr between `baseLr` and `maxLr` (Smith, "Cyclical Learning Rates for Training Neural
 * Networks"), stepped after every batch; with `cycleMomentum`, cycles momentum — or beta1 for optimizers with
 * betas, as PyTorch 2 does — between `maxMomentum` and `baseMomentum`, inversely. The amplitude is scaled by
 * `mode` ("triangular": 1; "triangular2": 1 / 2^(cycle − 1); "exp_range": gamma^step) or by `scaleFn`.
 *
 * @example
 * ```ts
 * import { CyclicLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const scheduler = new CyclicLR(optimizer, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 10 });
 * ```
 */
export class CyclicLR extends LRScheduler {
  /** The upper lr of each group. */
  maxLrs: number[];
  /** Steps in a whole cycle. */
  totalSize: number;
  /** The rising share of a cycle. */
  stepRatio: number;
  /** The amplitude policy. */
  mode: string;
  /** exp_range's factor per step. */
  gamma: number;
  /** What the scale function takes. */
  scaleMode: "cycle" | "iterations";
  /** Whether momentum (or beta1) is cycled. */
  cycleMomentum: boolean;
  /** Whether beta1 is cycled rather than momentum. */
  useBeta1: boolean;
  /** The lower momentum of each group. */
  baseMomentums: number[] = [];
  /** The upper momentum of each group. */
  maxMomentums: number[] = [];
  readonly #scaleFn: ((x: number) => number) | undefined;

  /** A schedule of `optimizer`'s groups; throws PyTorch's errors for bad options. */
  constructor(optimizer: AnyOptimizer, options: CyclicLROptions) {
    checkOptimizer(optimizer);
    checkOptions("CyclicLR", options, {
      ...LAST_EPOCH,
      baseLr: oneOrMany(number),
      maxLr: oneOrMany(number),
      stepSizeUp: integer(1),
      stepSizeDown: integer(1),
      mode: string,
      gamma: number,
      scaleFn: func,
      scaleMode: string,
      cycleMomentum: boolean,
      baseMomentum: oneOrMany(number),
      maxMomentum: oneOrMany(number),
    }, ["baseLr", "maxLr"]);
    const { lastEpoch = -1, mode = "triangular", scaleFn, cycleMomentum = true } = options;
    const groups: ScheduledGroup[] = optimizer.paramGroups;
    const baseLrs = perGroup("baseLr", options.baseLr, optimizer);
    const maxLrs = perGroup("maxLr", options.maxLr, optimizer);
    if (!MODES.includes(mode) && scaleFn === undefined) {
      throw new RangeError(
        `mode is invalid and scaleFn is None: mode ${mode} is not one of ${MODES.join(", ")}`,
      );
    }
    const useBeta1 = cycleMomentum && usesBeta1(optimizer);
    const baseMomentums = cycleMomentum
      ? perGroup("baseMomentum", options.baseMomentum ?? 0.8, optimizer)
      : [];
    const maxMomentums = cycleMomentum ? perGroup("maxMomentum", options.maxMomentum ?? 0.9, optimizer) : [];
    if (lastEpoch === -1) {
      groups.forEach((group, i) => {
        group.lr = baseLrs[i];
        if (!cycleMomentum) return;
        setMomentum(group, useBeta1, maxMomentums[i]);
        group.maxMomentum = maxMomentums[i];
        group.baseMomentum = baseMomentums[i];
      });
    }
    super(optimizer, lastEpoch);
    const up = options.stepSizeUp ?? 2000;
    this.maxLrs = maxLrs;
    this.totalSize = up + (options.stepSizeDown ?? up);
    this.stepRatio = up / this.totalSize;
    this.mode = mode;
    this.gamma = options.gamma ?? 1;
    this.#scaleFn = scaleFn;
    this.scaleMode = scaleFn !== undefined
      ? options.scaleMode ?? "cycle"
      : mode === "exp_range"
      ? "iterations"
      : "cycle";
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    this.initialStep();
    this.baseLrs = baseLrs;
  }

  #scale(x: number): number {
    if (this.#scaleFn !== undefined) return this.#scaleFn(x);
    if (this.mode === "triangular2") return 1 / 2 ** (x - 1);
    return this.mode === "exp_range" ? this.gamma ** x : 1;
  }

  /** The lr (and momentum) at batch `lastEpoch` of the cycle. */
  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.#scale(this.scaleMode === "cycle" ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i] - base) * scaleFactor * scale);
    if (this.cycleMomentum) {
      this.optimizer.paramGroups.forEach((group, i) => {
        const max = this.maxMomentums[i];
        setMomentum(group, this.useBeta1, max - (max - this.baseMomentums[i]) * scaleFactor * scale);
      });
    }
    return lrs;
  }
}
