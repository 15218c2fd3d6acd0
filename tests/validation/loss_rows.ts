/**
 * Bad inputs for tests/validation/options_test.ts: Flatten, the activations, the losses, the containers and
 * Embedding.fromPretrained.
 *
 * @module
 */
import {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  ELU,
  Embedding,
  Flatten,
  GELU,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  LeakyReLU,
  Linear,
  LogSoftmax,
  ModuleDict,
  ModuleList,
  MSELoss,
  NLLLoss,
  Sequential,
  SmoothL1Loss,
  Softmax,
  Softplus,
} from "../../mod.ts";
import { type Row, row } from "./row.ts";

export const LOSS_ROWS: Row[] = [
  row('Flatten startDim "1"', () => new Flatten("1" as never), TypeError, "Invalid startDim"),
  row(
    'GELU approximate "fast"',
    () => new GELU({ approximate: "fast" as never }),
    Error,
    "approximate argument must be either none or tanh",
  ),
  row(
    'LeakyReLU negativeSlope "0.1"',
    () => new LeakyReLU({ negativeSlope: "0.1" as never }),
    TypeError,
    "Invalid negativeSlope",
  ),
  row("ELU alpha NaN", () => new ELU({ alpha: NaN }), RangeError, "Invalid alpha"),
  row('Softplus beta "1"', () => new Softplus({ beta: "1" as never }), TypeError, "Invalid beta"),
  row(
    "Softmax dim 0.5",
    () => new Softmax({ dim: 0.5 }),
    RangeError,
    "Invalid dim: expected an integer, got 0.5",
  ),
  row('LogSoftmax dim "1"', () => new LogSoftmax({ dim: "1" as never }), TypeError, "Invalid dim"),
  row(
    "CrossEntropyLoss labelSmoothing 2",
    () => new CrossEntropyLoss({ labelSmoothing: 2 }),
    RangeError,
    "labelSmoothing must be between 0.0 and 1.0. Got: 2",
  ),
  row(
    'CrossEntropyLoss reduction "avg"',
    () => new CrossEntropyLoss({ reduction: "avg" as never }),
    Error,
    "avg is not a valid value for reduction",
  ),
  row(
    "CrossEntropyLoss weight [1, 2]",
    () => new CrossEntropyLoss({ weight: [1, 2] as never }),
    TypeError,
    "Invalid weight: expected a Tensor, got [1, 2]",
  ),
  row(
    'NLLLoss ignoreIndex "x"',
    () => new NLLLoss({ ignoreIndex: "x" as never }),
    TypeError,
    "Invalid ignoreIndex",
  ),
  row(
    "MSELoss reduction 1",
    () => new MSELoss({ reduction: 1 as never }),
    Error,
    "1 is not a valid value for reduction",
  ),
  row(
    "L1Loss unknown option size_average",
    () => new L1Loss({ size_average: true } as never),
    TypeError,
    "L1Loss: unexpected option size_average",
  ),
  row("BCELoss weight 2", () => new BCELoss({ weight: 2 as never }), TypeError, "Invalid weight"),
  row(
    "BCEWithLogitsLoss posWeight [3]",
    () => new BCEWithLogitsLoss({ posWeight: [3] as never }),
    TypeError,
    "Invalid posWeight",
  ),
  row('SmoothL1Loss beta "1"', () => new SmoothL1Loss({ beta: "1" as never }), TypeError, "Invalid beta"),
  row("HuberLoss delta NaN", () => new HuberLoss({ delta: NaN }), RangeError, "Invalid delta"),
  row(
    'KLDivLoss logTarget "yes"',
    () => new KLDivLoss({ logTarget: "yes" as never }),
    TypeError,
    "Invalid logTarget",
  ),
  row(
    "Sequential of a number",
    () => new Sequential(3 as never),
    TypeError,
    "Sequential: argument 0 is not a Module",
  ),
  row(
    "ModuleList of [1]",
    () => new ModuleList([1] as never),
    TypeError,
    "ModuleList: module 0 is not a Module subclass (got number)",
  ),
  row(
    "ModuleDict of { a: 1 }",
    () => new ModuleDict({ a: 1 } as never),
    TypeError,
    'ModuleDict: the module "a" is not a Module subclass (got number)',
  ),
  row(
    'ModuleDict key "a.b"',
    () => new ModuleDict({ "a.b": new Linear(1, 1) }),
    Error,
    'module name can\'t contain ".", got: a.b',
  ),
  row(
    "Embedding.fromPretrained of an array",
    () => Embedding.fromPretrained([[1, 2]] as never),
    TypeError,
    "Invalid embeddings: expected a Tensor",
  ),
  row(
    'Embedding.fromPretrained freeze "no"',
    (c) => Embedding.fromPretrained(c.params[0], { freeze: "no" as never }),
    TypeError,
    "Invalid freeze",
  ),
];
