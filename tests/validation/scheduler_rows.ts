/**
 * Bad inputs for tests/validation/options_test.ts: the epoch schedulers (StepLR … MultiplicativeLR) and the
 * schedule functions (`schedules.*`).
 *
 * @module
 */
import {
  ConstantLR,
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiplicativeLR,
  MultiStepLR,
  PolynomialLR,
  schedules,
  StepLR,
} from "../../mod.ts";
import { type Row, row } from "./row.ts";

export const SCHEDULER_ROWS: Row[] = [
  row(
    "StepLR stepSize 0",
    (c) => new StepLR(c.optimizer, { stepSize: 0 }),
    RangeError,
    "Invalid stepSize: expected an integer >= 1, got 0",
  ),
  row(
    'StepLR stepSize "7"',
    (c) => new StepLR(c.optimizer, { stepSize: "7" as never }),
    TypeError,
    'stepSize: expected an integer >= 1, got the string "7"',
  ),
  row("StepLR stepSize 2.5", (c) => new StepLR(c.optimizer, { stepSize: 2.5 }), RangeError, "got 2.5"),
  row(
    "StepLR gamma NaN",
    (c) => new StepLR(c.optimizer, { stepSize: 2, gamma: NaN }),
    RangeError,
    "Invalid gamma: expected a number, got NaN",
  ),
  row(
    "StepLR without stepSize",
    (c) => new StepLR(c.optimizer, {} as never),
    TypeError,
    "missing required option stepSize",
  ),
  row(
    "StepLR lastEpoch -2",
    (c) => new StepLR(c.optimizer, { stepSize: 2, lastEpoch: -2 }),
    RangeError,
    "Invalid lastEpoch: expected an integer >= -1, got -2",
  ),
  row(
    "StepLR unknown option step_size",
    (c) => new StepLR(c.optimizer, { stepSize: 2, step_size: 2 } as never),
    TypeError,
    "unexpected option step_size",
  ),
  row(
    "StepLR of a non-optimizer",
    () => new StepLR({} as never, { stepSize: 2 }),
    TypeError,
    "Object is not an Optimizer",
  ),
  row(
    "MultiStepLR milestones 3",
    (c) => new MultiStepLR(c.optimizer, { milestones: 3 as never }),
    TypeError,
    "Invalid milestones: expected an array, got 3",
  ),
  row(
    "MultiStepLR milestones [2, -1]",
    (c) => new MultiStepLR(c.optimizer, { milestones: [2, -1] }),
    RangeError,
    "Invalid milestones[1]: expected an integer >= 0, got -1",
  ),
  row(
    'MultiStepLR gamma "0.1"',
    (c) => new MultiStepLR(c.optimizer, { milestones: [2], gamma: "0.1" as never }),
    TypeError,
    "Invalid gamma",
  ),
  row(
    'ExponentialLR gamma "0.9"',
    (c) => new ExponentialLR(c.optimizer, { gamma: "0.9" as never }),
    TypeError,
    'Invalid gamma: expected a number, got the string "0.9"',
  ),
  row(
    "ExponentialLR without gamma",
    (c) => new ExponentialLR(c.optimizer, {} as never),
    TypeError,
    "missing required option gamma",
  ),
  row(
    "CosineAnnealingLR tMax 0",
    (c) => new CosineAnnealingLR(c.optimizer, { tMax: 0 }),
    RangeError,
    "Invalid tMax",
  ),
  row(
    "CosineAnnealingLR etaMin NaN",
    (c) => new CosineAnnealingLR(c.optimizer, { tMax: 10, etaMin: NaN }),
    RangeError,
    "Invalid etaMin",
  ),
  row(
    "PolynomialLR totalIters -5",
    (c) => new PolynomialLR(c.optimizer, { totalIters: -5 }),
    RangeError,
    "Invalid totalIters",
  ),
  row(
    'PolynomialLR power "2"',
    (c) => new PolynomialLR(c.optimizer, { power: "2" as never }),
    TypeError,
    "Invalid power",
  ),
  row(
    "ConstantLR factor 2",
    (c) => new ConstantLR(c.optimizer, { factor: 2 }),
    RangeError,
    "Constant multiplicative factor expected to be between 0 and 1",
  ),
  row(
    "ConstantLR factor NaN",
    (c) => new ConstantLR(c.optimizer, { factor: NaN }),
    RangeError,
    "Invalid factor",
  ),
  row(
    "ConstantLR totalIters 1.5",
    (c) => new ConstantLR(c.optimizer, { totalIters: 1.5 }),
    RangeError,
    "Invalid totalIters",
  ),
  row(
    "LinearLR startFactor 1.5",
    (c) => new LinearLR(c.optimizer, { startFactor: 1.5 }),
    RangeError,
    "Starting multiplicative factor expected to be between 0 and 1",
  ),
  row(
    'LinearLR endFactor "1"',
    (c) => new LinearLR(c.optimizer, { endFactor: "1" as never }),
    TypeError,
    "Invalid endFactor",
  ),
  row(
    "LinearLR totalIters 0",
    (c) => new LinearLR(c.optimizer, { totalIters: 0 }),
    RangeError,
    "Invalid totalIters",
  ),
  row(
    "LambdaLR lrLambda 0.9",
    (c) => new LambdaLR(c.optimizer, { lrLambda: 0.9 as never }),
    TypeError,
    "Invalid lrLambda: expected a function, got 0.9",
  ),
  row(
    "LambdaLR two lrLambdas for one group",
    (c) => new LambdaLR(c.optimizer, { lrLambda: [() => 1, () => 1] }),
    RangeError,
    "Expected 1 lrLambdas, but got 2",
  ),
  row(
    'MultiplicativeLR lrLambda "x"',
    (c) => new MultiplicativeLR(c.optimizer, { lrLambda: "x" as never }),
    TypeError,
    "Invalid lrLambda",
  ),
  row('schedules.constant("1")', () => schedules.constant("1" as never), TypeError, "Invalid value"),
  row(
    'schedules.linear from "0"',
    () => schedules.linear({ from: "0" as never, to: 1, steps: 4 }),
    TypeError,
    "Invalid from",
  ),
  row(
    "schedules.linear steps -1",
    () => schedules.linear({ from: 0, to: 1, steps: -1 }),
    RangeError,
    "linear: steps must be a finite number >= 0, got -1",
  ),
  row(
    "schedules.cosine without to",
    () => schedules.cosine({ from: 1, steps: 4 } as never),
    TypeError,
    "cosine: missing required option to",
  ),
  row(
    "schedules.oneMinusSqrt steps NaN",
    () => schedules.oneMinusSqrt({ from: 1, to: 0, steps: NaN }),
    RangeError,
    "Invalid steps",
  ),
  row(
    'schedules.exponential rate "0.5"',
    () => schedules.exponential({ rate: "0.5" as never }),
    TypeError,
    "Invalid rate",
  ),
  row(
    "schedules.exponential steps 0",
    () => schedules.exponential({ rate: 0.5, steps: 0 }),
    RangeError,
    "exponential: steps must be > 0, got 0",
  ),
  row(
    "schedules.join boundaries [5] for one schedule",
    () => schedules.join([() => 1], [5]),
    RangeError,
    "join expects one boundary fewer than schedules",
  ),
  row(
    "schedules.join schedules [1]",
    () => schedules.join([1] as never, []),
    TypeError,
    "Invalid schedules[0]: expected a function, got 1",
  ),
  row(
    "schedules.warmup then 0.1",
    () => schedules.warmup({ steps: 5 }, 0.1 as never),
    TypeError,
    "Invalid then: expected a function, got 0.1",
  ),
  row(
    'schedules.warmupCosine totalSteps "100"',
    () => schedules.warmupCosine({ warmupSteps: 1, totalSteps: "100" as never }),
    TypeError,
    "Invalid totalSteps",
  ),
];
