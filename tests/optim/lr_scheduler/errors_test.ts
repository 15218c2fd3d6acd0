/**
 * Bad input gets PyTorch's errors (lr_scheduler.json's, made by PyTorch 1.13), in gradstep's names, naming the
 * offending value.
 */
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  OneCycleLR,
  Optimizer,
  type ParamGroup,
  ReduceLROnPlateau,
  SequentialLR,
  type State,
  StepLR,
  SWALR,
  type Tensor,
  zeros,
} from "../../../mod.ts";
import { assert, assertThrows } from "../../../deps.ts";
import { FIXTURE, FUNCTIONS, makeOptimizer, type PyTorchError } from "./fixture.ts";

/** An optimizer with neither momentum nor betas (PyTorch's tests use Adagrad). */
class PlainSGD extends Optimizer<{ lr: number }> {
  constructor() {
    super([zeros([2], { requiresGrad: true })], { lr: 0.1 });
  }
  protected validate(): void {}
  protected initState(): State {
    return {};
  }
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<{ lr: number }>): void {
    p.sub_(grad, { alpha: group.lr });
  }
}

const sgd = (): Optimizer<{ lr: number }> => makeOptimizer("sgd2");

function stepPastTotal(): void {
  const opt = sgd();
  const scheduler = new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 5 });
  for (let k = 0; k < 6; k++) {
    opt.step();
    scheduler.step();
  }
}

/** The gradstep call for each of lr_scheduler.json's error cases, and the offending value its message names. */
const CALLS: Record<string, { call: () => unknown; names: string }> = {
  "a missing initialLr when resuming": {
    call: () => new StepLR(sgd(), { stepSize: 2, lastEpoch: 3 }),
    names: "3",
  },
  "LambdaLR with the wrong number of lambdas": {
    call: () => new LambdaLR(sgd(), { lrLambda: [FUNCTIONS.inverse, FUNCTIONS.inverse, FUNCTIONS.inverse] }),
    names: "3",
  },
  "ConstantLR factor above 1": { call: () => new ConstantLR(sgd(), { factor: 1.5 }), names: "1.5" },
  "LinearLR startFactor above 1": { call: () => new LinearLR(sgd(), { startFactor: 1.5 }), names: "1.5" },
  "LinearLR endFactor below 0": { call: () => new LinearLR(sgd(), { endFactor: -0.5 }), names: "-0.5" },
  "SequentialLR with the wrong number of milestones": {
    call: () => {
      const o = sgd();
      const schedulers = [new StepLR(o, { stepSize: 2 }), new ExponentialLR(o, { gamma: 0.9 })];
      return new SequentialLR(o, { schedulers, milestones: [2, 4] });
    },
    names: "2",
  },
  "SequentialLR with a scheduler of another optimizer": {
    call: () =>
      new SequentialLR(sgd(), {
        schedulers: [new StepLR(sgd(), { stepSize: 2 }), new ExponentialLR(sgd(), { gamma: 0.9 })],
        milestones: [2],
      }),
    names: "index 0",
  },
  "ChainedScheduler over two optimizers": {
    call: () =>
      new ChainedScheduler([new StepLR(sgd(), { stepSize: 2 }), new ExponentialLR(sgd(), { gamma: 0.9 })]),
    names: "1",
  },
  "ReduceLROnPlateau factor 1": { call: () => new ReduceLROnPlateau(sgd(), { factor: 1 }), names: "1" },
  "ReduceLROnPlateau factor above 1": {
    call: () => new ReduceLROnPlateau(sgd(), { factor: 1.5 }),
    names: "1.5",
  },
  "ReduceLROnPlateau unknown mode": {
    call: () => new ReduceLROnPlateau(sgd(), { mode: "average" as "min" }),
    names: "average",
  },
  "ReduceLROnPlateau unknown thresholdMode": {
    call: () => new ReduceLROnPlateau(sgd(), { thresholdMode: "relative" as "rel" }),
    names: "relative",
  },
  "ReduceLROnPlateau minLr of the wrong length": {
    call: () => new ReduceLROnPlateau(sgd(), { minLr: [0.1, 0.2, 0.3] }),
    names: "3",
  },
  "CyclicLR unknown mode": {
    call: () => new CyclicLR(sgd(), { baseLr: 0.01, maxLr: 0.1, mode: "triangle" as "triangular" }),
    names: "triangle",
  },
  "CyclicLR baseLr of the wrong length": {
    call: () => new CyclicLR(sgd(), { baseLr: [0.01, 0.02, 0.03], maxLr: 0.1 }),
    names: "3",
  },
  "CyclicLR cycleMomentum without momentum": {
    call: () => new CyclicLR(new PlainSGD(), { baseLr: 0.01, maxLr: 0.1 }),
    names: "PlainSGD",
  },
  "OneCycleLR without totalSteps or epochs": { call: () => new OneCycleLR(sgd(), { maxLr: 0.1 }), names: "" },
  "OneCycleLR totalSteps 0": { call: () => new OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 0 }), names: "0" },
  "OneCycleLR epochs 0": {
    call: () => new OneCycleLR(sgd(), { maxLr: 0.1, epochs: 0, stepsPerEpoch: 5 }),
    names: "0",
  },
  "OneCycleLR stepsPerEpoch 0": {
    call: () => new OneCycleLR(sgd(), { maxLr: 0.1, epochs: 3, stepsPerEpoch: 0 }),
    names: "0",
  },
  "OneCycleLR pctStart above 1": {
    call: () => new OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }),
    names: "1.5",
  },
  "OneCycleLR unknown annealStrategy": {
    call: () => new OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, annealStrategy: "cosine" as "cos" }),
    names: "cosine",
  },
  "OneCycleLR maxLr of the wrong length": {
    call: () => new OneCycleLR(sgd(), { maxLr: [0.1], totalSteps: 10 }),
    names: "1",
  },
  "OneCycleLR cycleMomentum without momentum": {
    call: () => new OneCycleLR(new PlainSGD(), { maxLr: 0.1, totalSteps: 10 }),
    names: "PlainSGD",
  },
  "OneCycleLR stepped past totalSteps": { call: stepPastTotal, names: "7" },
  "CosineAnnealingWarmRestarts t0 0": {
    call: () => new CosineAnnealingWarmRestarts(sgd(), { t0: 0 }),
    names: "0",
  },
  "CosineAnnealingWarmRestarts t0 not an integer": {
    call: () => new CosineAnnealingWarmRestarts(sgd(), { t0: 2.5 }),
    names: "2.5",
  },
  "CosineAnnealingWarmRestarts tMult 0": {
    call: () => new CosineAnnealingWarmRestarts(sgd(), { t0: 3, tMult: 0 }),
    names: "0",
  },
  "CosineAnnealingWarmRestarts a negative epoch": {
    call: () => new CosineAnnealingWarmRestarts(sgd(), { t0: 3 }).step(-1),
    names: "-1",
  },
  "SWALR unknown annealStrategy": {
    call: () => new SWALR(sgd(), { swaLr: 0.05, annealStrategy: "cosine" as "cos" }),
    names: "cosine",
  },
  "SWALR negative annealEpochs": {
    call: () => new SWALR(sgd(), { swaLr: 0.05, annealEpochs: -1 }),
    names: "-1",
  },
  "SWALR swaLr of the wrong length": {
    call: () => new SWALR(sgd(), { swaLr: [0.05, 0.01, 0.02] }),
    names: "3",
  },
};

/** PyTorch's names as gradstep spells them. */
const NAMES: Record<string, string> = { T_0: "t0", T_mult: "tMult", T_max: "tMax" };

/** PyTorch's message in gradstep's words: camelCase names, no final full stop. */
function inGradstepWords(message: string): string {
  return message.replace(/T_0|T_mult|T_max/g, (name) => NAMES[name])
    .replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
    .replace(/\.$/, "");
}

function check(name: string, expected: PyTorchError | null): void {
  const { call, names } = CALLS[name] ?? {};
  assert(call !== undefined, `no gradstep call for "${name}"`);
  assert(expected !== null, `PyTorch accepted "${name}"`);
  const error = assertThrows(call, expected.type === "TypeError" ? TypeError : Error);
  const wording = inGradstepWords(expected.message);
  assert(error.message.includes(wording), `"${error.message}" does not say "${wording}"`);
  assert(error.message.includes(names), `"${error.message}" does not name ${names}`);
}

for (const [name, expected] of Object.entries(FIXTURE.errors)) {
  Deno.test(`lr_scheduler errors match PyTorch's for ${name}`, () => check(name, expected));
}

Deno.test("A failed scheduler constructor leaves the optimizer's groups as they were", () => {
  const opt = sgd();
  const before = JSON.stringify(opt.paramGroups.map(({ params: _, ...values }) => values));
  assertThrows(() => new OneCycleLR(opt, { maxLr: [0.1], totalSteps: 10 }));
  assertThrows(() => new CyclicLR(opt, { baseLr: 0.01, maxLr: [0.1, 0.2, 0.3] }));
  assertThrows(() => new SWALR(opt, { swaLr: 0.05, annealEpochs: -1 }));
  const after = JSON.stringify(opt.paramGroups.map(({ params: _, ...values }) => values));
  assert(before === after, `groups changed: ${before} → ${after}`);
});
