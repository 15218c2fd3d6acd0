/**
 * ReduceLROnPlateau: lower the lr when a metric stops improving, as
 * `torch.optim.lr_scheduler.ReduceLROnPlateau`.
 *
 * @module
 */
import { checkOptions, integer, number, oneOrMany, shown, string } from "../../tensor/validation.ts";
import { checkOptimizer, type Scheduler } from "./lr_scheduler.ts";
import { loadState, type SchedulerStateDict, stateOf } from "./state.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** ReduceLROnPlateau's options (PyTorch's defaults). */
export interface ReduceLROnPlateauOptions {
  /** "min": the metric should fall (default); "max": rise. */
  mode?: "min" | "max";
  /** The factor of each reduction, < 1 (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** How much better a metric must be to count as an improvement (default 1e-4). */
  threshold?: number;
  /** "rel": better than best × (1 ∓ threshold) (default); "abs": better than best ∓ threshold. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** The lowest lr, for every group or per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Multiplies each group's lr by `factor` (not below `minLr`) once the metric given to `step(metric)` has not
 * improved for more than `patience` epochs, then waits `cooldown` epochs. Not chainable: it is stepped with the
 * metric, after validation. Its state dict survives JSON (a best of ±Infinity, which JSON writes as null, is
 * restored).
 *
 * @example
 * ```ts
 * import { ReduceLROnPlateau } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const scheduler = new ReduceLROnPlateau(optimizer, { mode: "min", patience: 2 });
 * for (const validationLoss of [0.9, 0.8, 0.85, 0.86, 0.87]) scheduler.step(validationLoss);
 * console.log(scheduler.getLastLr()); // [0.01]
 * ```
 */
export class ReduceLROnPlateau implements Scheduler {
  /** The optimizer whose param groups this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** The factor of each reduction. */
  factor: number;
  /** The lowest lr of each group. */
  minLrs: number[];
  /** Epochs without improvement tolerated before reducing. */
  patience: number;
  /** Epochs to wait after a reduction. */
  cooldown: number;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** "min" or "max". */
  mode: "min" | "max";
  /** How much better a metric must be to count as an improvement. */
  threshold: number;
  /** "rel" or "abs". */
  thresholdMode: "rel" | "abs";
  /** The best metric so far. */
  best: number;
  /** Epochs since the last improvement (outside cooldown). */
  numBadEpochs = 0;
  /** The worst value for the mode: Infinity for "min", -Infinity for "max". */
  modeWorse: number;
  /** Reductions smaller than this are skipped. */
  eps: number;
  /** The number of `step()` calls. */
  lastEpoch = 0;
  /** The lrs after the last step. */
  protected lastLr: number[];

  /** A scheduler of `optimizer`'s groups; throws PyTorch's errors for bad options. */
  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    checkOptions("ReduceLROnPlateau", options, {
      mode: string,
      factor: number,
      patience: integer(0),
      threshold: number,
      thresholdMode: string,
      cooldown: integer(0),
      minLr: oneOrMany(number),
      eps: number,
    });
    const { mode = "min", factor = 0.1, threshold = 1e-4, thresholdMode = "rel", minLr = 0 } = options;
    if (factor >= 1) throw new RangeError(`Factor should be < 1.0, got ${factor}`);
    checkOptimizer(optimizer);
    const groups = optimizer.paramGroups.length;
    if (typeof minLr !== "number" && minLr.length !== groups) {
      throw new RangeError(`expected ${groups} minLrs, got ${minLr.length}`);
    }
    this.modeWorse = worstFor(mode, thresholdMode);
    this.optimizer = optimizer;
    this.factor = factor;
    this.minLrs = typeof minLr === "number" ? new Array(groups).fill(minLr) : [...minLr];
    this.patience = options.patience ?? 10;
    this.cooldown = options.cooldown ?? 0;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.eps = options.eps ?? 1e-8;
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map((group) => group.lr);
  }

  /** Whether `a` is better than `best` by the threshold. */
  #isBetter(a: number, best: number): boolean {
    if (this.mode === "min") {
      return this.thresholdMode === "rel" ? a < best * (1 - this.threshold) : a < best - this.threshold;
    }
    return this.thresholdMode === "rel" ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** Records this epoch's `metric` and reduces the lrs when it has not improved for more than `patience` epochs. */
  step(metric: number): void {
    if (typeof metric !== "number") {
      throw new TypeError(`Invalid metric: expected a number, got ${shown(metric)}`);
    }
    const current = metric;
    this.lastEpoch += 1;
    if (this.#isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((group, i) => {
        const newLr = Math.max(group.lr * this.factor, this.minLrs[i]);
        if (group.lr - newLr > this.eps) group.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  /** The lr of each param group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * The scheduler's state: a copy of its plain fields.
   *
   * @example
   * ```ts
   * import { ReduceLROnPlateau } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const scheduler = new ReduceLROnPlateau(optimizer, { patience: 2 });
   * scheduler.step(0.5); // a validation loss
   * const saved = JSON.stringify(scheduler.stateDict()); // best 0.5, numBadEpochs 0, …
   * ```
   */
  stateDict(): SchedulerStateDict {
    return stateOf(this);
  }

  /**
   * Restores a {@link ReduceLROnPlateau.stateDict}, also one that went through JSON.
   *
   * @example
   * ```ts
   * import { ReduceLROnPlateau } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const optimizer = new SGD(new Linear(4, 2).parameters(), { lr: 0.1 });
   * const scheduler = new ReduceLROnPlateau(optimizer, { patience: 2 });
   * scheduler.step(0.5);
   * const resumed = new ReduceLROnPlateau(optimizer, { patience: 2 });
   * resumed.loadStateDict(JSON.parse(JSON.stringify(scheduler.stateDict()))); // resumed.best: 0.5
   * ```
   */
  loadStateDict(state: SchedulerStateDict): void {
    loadState(this, state);
    this.modeWorse = worstFor(this.mode, this.thresholdMode);
    this.best ??= this.modeWorse;
  }
}

/** PyTorch's checks of mode and thresholdMode; the worst metric for the mode. */
function worstFor(mode: string, thresholdMode: string): number {
  if (mode !== "min" && mode !== "max") {
    throw new RangeError(`mode ${mode} is unknown! (expected min or max)`);
  }
  if (thresholdMode !== "rel" && thresholdMode !== "abs") {
    throw new RangeError(`threshold mode ${thresholdMode} is unknown! (expected rel or abs)`);
  }
  return mode === "min" ? Infinity : -Infinity;
}
