/**
 * SWALR: anneal the lr to a fixed SWA lr, as `torch.optim.swa_utils.SWALR`.
 *
 * @module
 */
import { anything, checkOptions, number, oneOrMany, string } from "../../tensor/validation.ts";
import {
  checkOptimizer,
  LAST_EPOCH,
  LRScheduler,
  perGroup,
  type ScheduledGroup,
} from "../lr_scheduler/lr_scheduler.ts";
import type { AnyOptimizer } from "../lr_scheduler/step_order.ts";

/** SWALR's options (PyTorch's defaults: annealEpochs 10, annealStrategy "cos"). */
export interface SWALROptions {
  /** The lr to anneal to, for every group or per group. */
  swaLr: number | readonly number[];
  /** The epochs of the annealing, an integer ≥ 0 (default 10). */
  annealEpochs?: number;
  /** "cos" (default) or "linear" annealing. */
  annealStrategy?: "cos" | "linear";
  /** The index of the last epoch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

const ANNEAL = {
  cos: (t: number): number => (1 - Math.cos(Math.PI * t)) / 2,
  linear: (t: number): number => t,
};

/**
 * Anneals each group's lr from its current value to `swaLr` over `annealEpochs` epochs, then holds it: the
 * scheduler for the averaging phase of Stochastic Weight Averaging (see {@link AveragedModel}). Each group keeps
 * its target as `swaLr`, as PyTorch's keep `swa_lr`.
 *
 * @example
 * ```ts
 * import { CosineAnnealingLR, SWALR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new CosineAnnealingLR(optimizer, { tMax: 100 });
 * const swaScheduler = new SWALR(optimizer, { swaLr: 0.05, annealEpochs: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   optimizer.step(); // a training epoch
 *   if (epoch >= 75) swaScheduler.step();
 *   else scheduler.step();
 * }
 * ```
 */
export class SWALR extends LRScheduler {
  /** The epochs of the annealing. */
  annealEpochs: number;
  /** "cos" or "linear". */
  annealStrategy: "cos" | "linear";

  /** A schedule of `optimizer`'s groups; throws PyTorch's errors for bad options. */
  constructor(optimizer: AnyOptimizer, options: SWALROptions) {
    checkOptimizer(optimizer);
    // annealEpochs is checked below, in PyTorch's words.
    const spec = { ...LAST_EPOCH, swaLr: oneOrMany(number), annealEpochs: anything, annealStrategy: string };
    checkOptions("SWALR", options, spec, ["swaLr"]);
    const { annealEpochs = 10, annealStrategy = "cos" } = options;
    const groups = optimizer.paramGroups.length;
    if (typeof options.swaLr !== "number" && options.swaLr.length !== groups) {
      throw new RangeError(
        `swaLr must have the same length as optimizer.paramGroups: swaLr has ${options.swaLr.length}, optimizer.paramGroups has ${groups}`,
      );
    }
    if (!Object.hasOwn(ANNEAL, annealStrategy)) {
      throw new RangeError(`annealStrategy must by one of 'cos' or 'linear', instead got ${annealStrategy}`);
    }
    if (!Number.isInteger(annealEpochs) || annealEpochs < 0) {
      throw new RangeError(`annealEpochs must be equal or greater than 0, got ${annealEpochs}`);
    }
    const swaLrs = perGroup("swaLr", options.swaLr, optimizer);
    optimizer.paramGroups.forEach((group: ScheduledGroup, i) => (group.swaLr = swaLrs[i]));
    super(optimizer, options.lastEpoch);
    this.annealEpochs = annealEpochs;
    this.annealStrategy = annealStrategy;
    this.initialStep();
  }

  /** PyTorch's form: the lr the previous step started from, moved by this step's share of the annealing. */
  protected getLr(): number[] {
    const anneal = ANNEAL[this.annealStrategy];
    let step = this.stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const span = Math.max(1, this.annealEpochs);
    const prevAlpha = anneal(Math.max(0, Math.min(1, (step - 1) / span)));
    const alpha = anneal(Math.max(0, Math.min(1, step / span)));
    return this.optimizer.paramGroups.map((group: ScheduledGroup) => {
      const swaLr = group.swaLr!;
      const prevLr = prevAlpha === 1 ? swaLr : (group.lr - prevAlpha * swaLr) / (1 - prevAlpha);
      return swaLr * alpha + prevLr * (1 - alpha);
    });
  }
}
