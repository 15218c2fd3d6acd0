/**
 * Bad inputs for tests/validation/options_test.ts: Every optimizer's constructor, addParamGroup and loadStateDict.
 *
 * @module
 */
import {
  Adadelta,
  Adafactor,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  ASGD,
  LAMB,
  LBFGS,
  Lion,
  Muon,
  NAdam,
  RAdam,
  RMSprop,
  Rprop,
  ScheduleFreeAdamW,
  SGD,
  tensor,
} from "../../mod.ts";
import { type Context, type Row, row } from "./row.ts";

/** Every optimizer, made over the context's parameters with `options`. */
const OPTIMIZERS: Record<string, (c: Context, options: Record<string, unknown>) => unknown> = {
  SGD: (c, o) => new SGD(c.params, o),
  Adam: (c, o) => new Adam(c.params, o),
  AdamW: (c, o) => new AdamW(c.params, o),
  Adagrad: (c, o) => new Adagrad(c.params, o),
  Adadelta: (c, o) => new Adadelta(c.params, o),
  Adamax: (c, o) => new Adamax(c.params, o),
  NAdam: (c, o) => new NAdam(c.params, o),
  RAdam: (c, o) => new RAdam(c.params, o),
  RMSprop: (c, o) => new RMSprop(c.params, o),
  Rprop: (c, o) => new Rprop(c.params, o),
  ASGD: (c, o) => new ASGD(c.params, o),
  LBFGS: (c, o) => new LBFGS(c.params, o),
  Lion: (c, o) => new Lion(c.params, o),
  LAMB: (c, o) => new LAMB(c.params, o),
  Adafactor: (c, o) => new Adafactor(c.params, o),
  Muon: (c, o) => new Muon(c.params, o),
  ScheduleFreeAdamW: (c, o) => new ScheduleFreeAdamW(c.params, o),
};

export const OPTIMIZER_ROWS: Row[] = Object.entries(OPTIMIZERS).flatMap(([name, make]) => [
  row(
    `${name} lr "0.1"`,
    (c) => make(c, { lr: "0.1" }),
    TypeError,
    'Invalid lr: expected a number, got the string "0.1"',
  ),
  row(`${name} lr NaN`, (c) => make(c, { lr: NaN }), RangeError, "NaN"),
  row(
    `${name} unknown option learningRate`,
    (c) => make(c, { learningRate: 0.1 }),
    TypeError,
    "learningRate",
  ),
]).concat([
  row("Adam betas of length 1", (c) => new Adam(c.params, { betas: [0.9] as never }), RangeError, "betas"),
  row(
    "Adam betas [0.9, 1.5]",
    (c) => new Adam(c.params, { betas: [0.9, 1.5] }),
    RangeError,
    "beta parameter at index 1: 1.5",
  ),
  row("SGD momentum -0.9", (c) => new SGD(c.params, { lr: 0.1, momentum: -0.9 }), RangeError, "momentum"),
  row("Adam eps -1", (c) => new Adam(c.params, { eps: -1 }), RangeError, "epsilon value: -1"),
  row("Optimizer of no parameters", () => new SGD([], { lr: 0.1 }), Error, "empty parameter list"),
  row("Optimizer of numbers", () => new SGD([1, 2] as never, { lr: 0.1 }), TypeError, "params"),
  row(
    'optimizer.addParamGroup lr "x"',
    (c) =>
      c.optimizer.addParamGroup({
        params: [tensor([1], { requiresGrad: true, device: c.dev })],
        lr: "x" as never,
      }),
    TypeError,
    "Invalid lr",
  ),
  row(
    'optimizer.loadStateDict lr "x"',
    async (c) => {
      const saved = await c.optimizer.stateDict();
      c.optimizer.loadStateDict({ ...saved, paramGroups: saved.paramGroups.map((g) => ({ ...g, lr: "x" })) });
    },
    TypeError,
    "Invalid lr",
  ),
]);
