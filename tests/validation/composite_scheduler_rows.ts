/**
 * Bad inputs for tests/validation/options_test.ts: CyclicLR, OneCycleLR, ReduceLROnPlateau, SequentialLR, ChainedScheduler, CosineAnnealingWarmRestarts, the warm-up schedulers, SWA and schedulers' loadStateDict.
 *
 * @module
 */
import {
  AveragedModel,
  ChainedScheduler,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  getEmaMultiAvgFn,
  OneCycleLR,
  ReduceLROnPlateau,
  SequentialLR,
  SWALR,
  WarmupCosineLR,
  WarmupStableDecayLR,
} from "../../mod.ts";
import { type Row, row } from "./row.ts";

export const COMPOSITE_SCHEDULER_ROWS: Row[] = [
  row(
    'CyclicLR baseLr "0.01"',
    (c) => new CyclicLR(c.optimizer, { baseLr: "0.01" as never, maxLr: 0.1 }),
    TypeError,
    "Invalid baseLr",
  ),
  row(
    "CyclicLR maxLr [0.1, 0.2] for one group",
    (c) => new CyclicLR(c.optimizer, { baseLr: 0.01, maxLr: [0.1, 0.2] }),
    RangeError,
    "expected 1 values for maxLr, got 2",
  ),
  row(
    "CyclicLR stepSizeUp 0",
    (c) => new CyclicLR(c.optimizer, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 0 }),
    RangeError,
    "Invalid stepSizeUp",
  ),
  row(
    'CyclicLR mode "sine"',
    (c) => new CyclicLR(c.optimizer, { baseLr: 0.01, maxLr: 0.1, mode: "sine" as never }),
    RangeError,
    "mode is invalid and scaleFn is None",
  ),
  row(
    'CyclicLR cycleMomentum "no"',
    (c) => new CyclicLR(c.optimizer, { baseLr: 0.01, maxLr: 0.1, cycleMomentum: "no" as never }),
    TypeError,
    "Invalid cycleMomentum",
  ),
  row(
    "OneCycleLR totalSteps 0",
    (c) => new OneCycleLR(c.optimizer, { maxLr: 0.1, totalSteps: 0 }),
    RangeError,
    "Expected positive integer totalSteps, but got 0",
  ),
  row(
    'OneCycleLR totalSteps "100"',
    (c) => new OneCycleLR(c.optimizer, { maxLr: 0.1, totalSteps: "100" as never }),
    RangeError,
    "Expected positive integer totalSteps",
  ),
  row(
    "OneCycleLR without totalSteps or epochs",
    (c) => new OneCycleLR(c.optimizer, { maxLr: 0.1 }),
    RangeError,
    "You must define either totalSteps OR (epochs AND stepsPerEpoch)",
  ),
  row(
    "OneCycleLR pctStart 1.5",
    (c) => new OneCycleLR(c.optimizer, { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }),
    RangeError,
    "Expected float between 0 and 1 pctStart, but got 1.5",
  ),
  row(
    'OneCycleLR annealStrategy "step"',
    (c) => new OneCycleLR(c.optimizer, { maxLr: 0.1, totalSteps: 10, annealStrategy: "step" as never }),
    RangeError,
    "annealStrategy must by one of 'cos' or 'linear', instead got step",
  ),
  row(
    'OneCycleLR divFactor "25"',
    (c) => new OneCycleLR(c.optimizer, { maxLr: 0.1, totalSteps: 10, divFactor: "25" as never }),
    TypeError,
    "Invalid divFactor",
  ),
  row(
    "ReduceLROnPlateau factor 1",
    (c) => new ReduceLROnPlateau(c.optimizer, { factor: 1 }),
    RangeError,
    "Factor should be < 1.0",
  ),
  row(
    'ReduceLROnPlateau mode "up"',
    (c) => new ReduceLROnPlateau(c.optimizer, { mode: "up" as never }),
    RangeError,
    "mode up is unknown!",
  ),
  row(
    "ReduceLROnPlateau patience -1",
    (c) => new ReduceLROnPlateau(c.optimizer, { patience: -1 }),
    RangeError,
    "Invalid patience",
  ),
  row(
    "ReduceLROnPlateau minLr [0, 0] for one group",
    (c) => new ReduceLROnPlateau(c.optimizer, { minLr: [0, 0] }),
    RangeError,
    "expected 1 minLrs, got 2",
  ),
  row(
    'ReduceLROnPlateau.step("0.5")',
    (c) => c.plateau.step("0.5" as never),
    TypeError,
    'Invalid metric: expected a number, got the string "0.5"',
  ),
  row(
    "SequentialLR milestones [] for two schedulers",
    (c) => new SequentialLR(c.optimizer, { schedulers: [c.scheduler, c.scheduler], milestones: [] }),
    RangeError,
    "number of schedulers 2 and the number of milestones to be equal to 0",
  ),
  row(
    "SequentialLR schedulers [1]",
    (c) => new SequentialLR(c.optimizer, { schedulers: [1] as never, milestones: [] }),
    TypeError,
    "Invalid schedulers[0]: expected an LRScheduler, got 1",
  ),
  row(
    'SequentialLR milestones ["2"]',
    (c) =>
      new SequentialLR(c.optimizer, { schedulers: [c.scheduler, c.scheduler], milestones: ["2"] as never }),
    TypeError,
    "Invalid milestones[0]",
  ),
  row(
    "ChainedScheduler of no schedulers",
    () => new ChainedScheduler([]),
    RangeError,
    "at least one scheduler",
  ),
  row(
    "ChainedScheduler of a number",
    () => new ChainedScheduler(3 as never),
    TypeError,
    "Invalid schedulers: expected an array, got 3",
  ),
  row(
    "ChainedScheduler of [{}]",
    () => new ChainedScheduler([{}] as never),
    TypeError,
    "Invalid schedulers[0]: expected a scheduler",
  ),
  row(
    "CosineAnnealingWarmRestarts t0 0",
    (c) => new CosineAnnealingWarmRestarts(c.optimizer, { t0: 0 }),
    RangeError,
    "Expected positive integer t0, but got 0",
  ),
  row(
    "CosineAnnealingWarmRestarts tMult 1.5",
    (c) => new CosineAnnealingWarmRestarts(c.optimizer, { t0: 10, tMult: 1.5 }),
    RangeError,
    "Expected integer tMult >= 1, but got 1.5",
  ),
  row(
    'CosineAnnealingWarmRestarts etaMin "0"',
    (c) => new CosineAnnealingWarmRestarts(c.optimizer, { t0: 10, etaMin: "0" as never }),
    TypeError,
    "Expected float or int etaMin",
  ),
  row(
    'WarmupCosineLR warmupSteps "10"',
    (c) => new WarmupCosineLR(c.optimizer, { warmupSteps: "10" as never, totalSteps: 100 }),
    TypeError,
    "Invalid warmupSteps",
  ),
  row(
    "WarmupCosineLR totalSteps < warmupSteps",
    (c) => new WarmupCosineLR(c.optimizer, { warmupSteps: 10, totalSteps: 5 }),
    RangeError,
    "totalSteps (5) must be >= warmupSteps (10)",
  ),
  row(
    "WarmupStableDecayLR decayShape 1",
    (c) =>
      new WarmupStableDecayLR(c.optimizer, {
        warmupSteps: 1,
        decaySteps: 1,
        totalSteps: 5,
        decayShape: 1 as never,
      }),
    TypeError,
    "Invalid decayShape",
  ),
  row(
    "WarmupStableDecayLR decaySteps -1",
    (c) => new WarmupStableDecayLR(c.optimizer, { warmupSteps: 1, decaySteps: -1, totalSteps: 5 }),
    RangeError,
    "expected 0 <= warmupSteps + decaySteps <= totalSteps",
  ),
  row(
    'SWALR swaLr "0.05"',
    (c) => new SWALR(c.optimizer, { swaLr: "0.05" as never }),
    TypeError,
    "Invalid swaLr",
  ),
  row(
    "SWALR annealEpochs -1",
    (c) => new SWALR(c.optimizer, { swaLr: 0.05, annealEpochs: -1 }),
    RangeError,
    "annealEpochs must be equal or greater than 0, got -1",
  ),
  row(
    "SWALR swaLr [0.1, 0.2] for one group",
    (c) => new SWALR(c.optimizer, { swaLr: [0.1, 0.2] }),
    RangeError,
    "swaLr must have the same length as optimizer.paramGroups",
  ),
  row(
    'scheduler.loadStateDict lastEpoch "3"',
    (c) => c.scheduler.loadStateDict({ lastEpoch: "3" }),
    TypeError,
    'Invalid "lastEpoch" in the state dict of StepLR: expected a number, got a string',
  ),
  row(
    "scheduler.loadStateDict unknown key",
    (c) => c.scheduler.loadStateDict({ last_epoch: 3 }),
    Error,
    'Unexpected key "last_epoch"',
  ),
  row(
    "scheduler.loadStateDict(null)",
    (c) => c.scheduler.loadStateDict(null as never),
    TypeError,
    "expects a state dict object, got null",
  ),
  row(
    "AveragedModel of a number",
    () => new AveragedModel(3 as never),
    TypeError,
    "Invalid model: expected a Module, got 3",
  ),
  row(
    'AveragedModel useBuffers "yes"',
    (c) => new AveragedModel(c.model, { useBuffers: "yes" as never }),
    TypeError,
    "Invalid useBuffers",
  ),
  row(
    "getEmaMultiAvgFn decay 1.5",
    () => getEmaMultiAvgFn(1.5),
    RangeError,
    "Invalid decay value 1.5 provided. Please provide a value in [0,1] range.",
  ),
];
