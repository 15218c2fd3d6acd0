/**
 * OneCycleLR: the 1cycle policy, as `torch.optim.lr_scheduler.OneCycleLR`.
 *
 * @module
 */
import { anything, boolean, checkOptions, number, oneOrMany, string } from "../../tensor/validation.ts";
import { checkOptimizer, LAST_EPOCH, LRScheduler, perGroup, type ScheduledGroup } from "./lr_scheduler.ts";
import { setMomentum, usesBeta1 } from "./momentum.ts";
import type { AnyOptimizer } from "./step_order.ts";

/** OneCycleLR's options (PyTorch's defaults); give `totalSteps`, or `epochs` and `stepsPerEpoch`. */
export interface OneCycleLROptions {
  /** The peak lr, for every group or per group. */
  maxLr: number | readonly number[];
  /** The steps of the whole cycle. */
  totalSteps?: number;
  /** With `stepsPerEpoch`, gives totalSteps = epochs × stepsPerEpoch. */
  epochs?: number;
  /** With `epochs`, gives totalSteps = epochs × stepsPerEpoch. */
  stepsPerEpoch?: number;
  /** The share of the cycle spent raising the lr (default 0.3). */
  pctStart?: number;
  /** "cos" (default) or "linear" annealing. */
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (or Adam's beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the lr's peak (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** The momentum at the start and end (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Use the paper's three phases instead of fastai's two (default false). */
  threePhase?: boolean;
  /** The index of the last batch when resuming (default -1: a new schedule). */
  lastEpoch?: number;
}

/** The group fields a phase anneals the lr between. */
export type LrField = "initialLr" | "maxLr" | "minLr";
/** The group fields a phase anneals the momentum between. */
export type MomentumField = "maxMomentum" | "baseMomentum";

/** One phase of OneCycleLR's cycle: up to step `endStep`, from one group field's value to another's. */
export interface OneCycleLRPhase {
  /** The last step of the phase (fractional when pctStart × totalSteps is). */
  endStep: number;
  /** The group field the lr starts the phase at. */
  startLr: LrField;
  /** The group field the lr ends the phase at. */
  endLr: LrField;
  /** The group field the momentum starts the phase at. */
  startMomentum: MomentumField;
  /** The group field the momentum ends the phase at. */
  endMomentum: MomentumField;
}

function positiveInteger(name: string, value: number | undefined): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`Expected positive integer ${name}, but got ${value}`);
  }
  return value;
}

function makePhases(totalSteps: number, pctStart: number, threePhase: boolean): OneCycleLRPhase[] {
  const up = pctStart * totalSteps - 1;
  const rise: OneCycleLRPhase = {
    endStep: up,
    startLr: "initialLr",
    endLr: "maxLr",
    startMomentum: "maxMomentum",
    endMomentum: "baseMomentum",
  };
  if (!threePhase) {
    return [rise, {
      endStep: totalSteps - 1,
      startLr: "maxLr",
      endLr: "minLr",
      startMomentum: "baseMomentum",
      endMomentum: "maxMomentum",
    }];
  }
  return [rise, {
    endStep: 2 * pctStart * totalSteps - 2,
    startLr: "maxLr",
    endLr: "initialLr",
    startMomentum: "baseMomentum",
    endMomentum: "maxMomentum",
  }, {
    endStep: totalSteps - 1,
    startLr: "initialLr",
    endLr: "minLr",
    startMomentum: "maxMomentum",
    endMomentum: "maxMomentum",
  }];
}

const ANNEAL = {
  cos: (start: number, end: number, pct: number): number =>
    end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1),
  linear: (start: number, end: number, pct: number): number => (end - start) * pct + start,
};

/**
 * The 1cycle policy (Smith & Topin, "Super-Convergence"), stepped after every batch: the lr rises from
 * maxLr / divFactor to maxLr over pctStart of the steps, then anneals to initial lr / finalDivFactor (with
 * `threePhase`, back down to the initial lr first, then to the minimum); momentum — or beta1 for optimizers with
 * betas — moves inversely between maxMomentum and baseMomentum. Stepping past totalSteps throws PyTorch's error.
 * The groups keep `initialLr`, `maxLr`, `minLr`, `maxMomentum` and `baseMomentum`, as PyTorch's do.
 *
 * @example
 * ```ts
 * import { OneCycleLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { Adam, zeros } from "@gradstep/gradstep";
 * const optimizer = new Adam([zeros([2], { requiresGrad: true })]);
 * const scheduler = new OneCycleLR(optimizer, { maxLr: 0.01, epochs: 10, stepsPerEpoch: 938 });
 * ```
 */
export class OneCycleLR extends LRScheduler {
  /** The steps of the whole cycle. */
  totalSteps: number;
  /** The phases of the cycle. */
  schedulePhases: OneCycleLRPhase[];
  /** "cos" or "linear". */
  annealStrategy: "cos" | "linear";
  /** Whether momentum (or beta1) is cycled. */
  cycleMomentum: boolean;
  /** Whether beta1 is cycled rather than momentum. */
  useBeta1: boolean;

  /** A schedule of `optimizer`'s groups; throws PyTorch's errors for bad options. */
  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    checkOptimizer(optimizer);
    // totalSteps, epochs and stepsPerEpoch are checked below, in PyTorch's words.
    checkOptions("OneCycleLR", options, {
      ...LAST_EPOCH,
      maxLr: oneOrMany(number),
      totalSteps: anything,
      epochs: anything,
      stepsPerEpoch: anything,
      pctStart: number,
      annealStrategy: string,
      cycleMomentum: boolean,
      baseMomentum: oneOrMany(number),
      maxMomentum: oneOrMany(number),
      divFactor: number,
      finalDivFactor: number,
      threePhase: boolean,
    }, ["maxLr"]);
    const { pctStart = 0.3, annealStrategy = "cos", cycleMomentum = true, lastEpoch = -1 } = options;
    const { divFactor = 25, finalDivFactor = 1e4 } = options;
    let totalSteps: number;
    if (options.totalSteps !== undefined) {
      totalSteps = positiveInteger("totalSteps", options.totalSteps);
    } else if (options.epochs === undefined && options.stepsPerEpoch === undefined) {
      throw new RangeError("You must define either totalSteps OR (epochs AND stepsPerEpoch)");
    } else {
      totalSteps = positiveInteger("epochs", options.epochs) *
        positiveInteger("stepsPerEpoch", options.stepsPerEpoch);
    }
    if (!(pctStart >= 0 && pctStart <= 1)) {
      throw new RangeError(`Expected float between 0 and 1 pctStart, but got ${pctStart}`);
    }
    if (!Object.hasOwn(ANNEAL, annealStrategy)) {
      throw new RangeError(`annealStrategy must by one of 'cos' or 'linear', instead got ${annealStrategy}`);
    }
    const maxLrs = perGroup("maxLr", options.maxLr, optimizer);
    const useBeta1 = cycleMomentum && usesBeta1(optimizer);
    const maxMomentums = cycleMomentum ? perGroup("maxMomentum", options.maxMomentum ?? 0.95, optimizer) : [];
    const baseMomentums = cycleMomentum
      ? perGroup("baseMomentum", options.baseMomentum ?? 0.85, optimizer)
      : [];
    if (lastEpoch === -1) {
      optimizer.paramGroups.forEach((group: ScheduledGroup, i) => {
        group.initialLr = maxLrs[i] / divFactor;
        group.maxLr = maxLrs[i];
        group.minLr = group.initialLr / finalDivFactor;
        if (!cycleMomentum) return;
        setMomentum(group, useBeta1, maxMomentums[i]);
        group.maxMomentum = maxMomentums[i];
        group.baseMomentum = baseMomentums[i];
      });
    }
    super(optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    this.schedulePhases = makePhases(totalSteps, pctStart, options.threePhase ?? false);
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.initialStep();
  }

  /** Each group's lr (and momentum) at step `lastEpoch` of the cycle. */
  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(
        `Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`,
      );
    }
    const anneal = ANNEAL[this.annealStrategy];
    const phases = this.schedulePhases;
    const i = phases.findIndex((phase, k) => stepNum <= phase.endStep || k === phases.length - 1);
    const { endStep, startLr, endLr, startMomentum, endMomentum } = phases[i];
    const startStep = i === 0 ? 0 : phases[i - 1].endStep;
    const pct = (stepNum - startStep) / (endStep - startStep);
    return this.optimizer.paramGroups.map((group: ScheduledGroup) => {
      if (this.cycleMomentum) {
        setMomentum(group, this.useBeta1, anneal(group[startMomentum]!, group[endMomentum]!, pct));
      }
      return anneal(group[startLr]!, group[endLr]!, pct);
    });
  }
}
