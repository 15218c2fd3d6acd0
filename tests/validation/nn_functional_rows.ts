/**
 * Bad inputs for tests/validation/options_test.ts: the functional losses, the activations, softmax's dim and a
 * few tensor-creation and reshape arguments (./nn_table_rows.ts has embedding, the normalisations, attention and
 * `nn.init`).
 *
 * @module
 */
import {
  arange,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  dropout,
  elu,
  full,
  gelu,
  huberLoss,
  klDiv,
  l1Loss,
  leakyRelu,
  linear,
  mseLoss,
  nllLoss,
  silu,
  smoothL1Loss,
  softplus,
  type Tensor,
  tensor,
  zeros,
} from "../../mod.ts";
import type { Context } from "./row.ts";
import { bad, type Row, row } from "./row.ts";

const x = (c: Context, shape: number[] = [2, 3]): Tensor => zeros(shape, { device: c.dev });
const labels = (c: Context): Tensor => tensor([0, 1], { dtype: "int32", device: c.dev });

const LOSS_ROWS: Row[] = [
  row(
    "linear input an array",
    (c) => linear(bad([[1, 2, 3]]), c.params[0]),
    TypeError,
    "linear(): argument 'input' must be Tensor, not an array",
  ),
  row(
    'linear bias "0"',
    (c) => linear(x(c), c.params[0], bad("0")),
    TypeError,
    "linear(): argument 'bias' must be Tensor or None, not string",
  ),
  row(
    "crossEntropy target an array",
    (c) => crossEntropy(x(c), bad([0, 1])),
    TypeError,
    "crossEntropy(): argument 'target' must be Tensor, not an array",
  ),
  row(
    'crossEntropy labelSmoothing "0.1"',
    (c) => crossEntropy(x(c), labels(c), { labelSmoothing: bad("0.1") }),
    TypeError,
    'Invalid labelSmoothing: expected a number, got the string "0.1"',
  ),
  row(
    "crossEntropy ignore_index (unknown)",
    (c) => crossEntropy(x(c), labels(c), bad({ ignore_index: 1 })),
    TypeError,
    "crossEntropy: unexpected option ignore_index",
  ),
  row(
    "crossEntropy weight [1, 2, 3]",
    (c) => crossEntropy(x(c), labels(c), { weight: bad([1, 2, 3]) }),
    TypeError,
    "Invalid weight: expected a Tensor, got [1, 2, 3]",
  ),
  row(
    "crossEntropy labelSmoothing 1.5",
    (c) => crossEntropy(x(c), labels(c), { labelSmoothing: 1.5 }),
    RangeError,
    "labelSmoothing must be between 0.0 and 1.0. Got: 1.5",
  ),
  row(
    "nllLoss ignoreIndex 0.5",
    (c) => nllLoss(x(c), labels(c), { ignoreIndex: 0.5 }),
    RangeError,
    "Invalid ignoreIndex: expected an integer, got 0.5",
  ),
  row(
    'nllLoss reduction "avg"',
    (c) => nllLoss(x(c), labels(c), { reduction: bad("avg") }),
    Error,
    "avg is not a valid value for reduction",
  ),
  row(
    "mseLoss target 3",
    (c) => mseLoss(x(c), bad(3)),
    TypeError,
    "mseLoss(): argument 'target' must be Tensor, not number",
  ),
  row(
    "mseLoss reduction 1",
    (c) => mseLoss(x(c), x(c), { reduction: bad(1) }),
    Error,
    "1 is not a valid value for reduction",
  ),
  row(
    "l1Loss input undefined",
    (c) => l1Loss(bad(undefined), x(c)),
    TypeError,
    "l1Loss(): argument 'input' must be Tensor, not undefined",
  ),
  row(
    'smoothL1Loss beta "1"',
    (c) => smoothL1Loss(x(c), x(c), { beta: bad("1") }),
    TypeError,
    'Invalid beta: expected a number, got the string "1"',
  ),
  row(
    "smoothL1Loss beta -1",
    (c) => smoothL1Loss(x(c), x(c), { beta: -1 }),
    RangeError,
    "smooth_l1_loss does not support negative values for beta.",
  ),
  row(
    "huberLoss delta 0",
    (c) => huberLoss(x(c), x(c), { delta: 0 }),
    RangeError,
    "huber_loss does not support non-positive values for delta.",
  ),
  row(
    "huberLoss delta NaN",
    (c) => huberLoss(x(c), x(c), { delta: NaN }),
    RangeError,
    "Invalid delta: expected a number, got NaN",
  ),
  row(
    'klDiv logTarget "true"',
    (c) => klDiv(x(c), x(c), { logTarget: bad("true") }),
    TypeError,
    'Invalid logTarget: expected a boolean, got the string "true"',
  ),
  row(
    'klDiv reduction "batch"',
    (c) => klDiv(x(c), x(c), { reduction: bad("batch") }),
    Error,
    "batch is not a valid value for reduction",
  ),
  row(
    "binaryCrossEntropy weight 1",
    (c) => binaryCrossEntropy(x(c), x(c), { weight: bad(1) }),
    TypeError,
    "Invalid weight: expected a Tensor, got 1",
  ),
  row(
    "binaryCrossEntropyWithLogits posWeight [2]",
    (c) => binaryCrossEntropyWithLogits(x(c), x(c), { posWeight: bad([2]) }),
    TypeError,
    "Invalid posWeight: expected a Tensor, got [2]",
  ),
  row(
    "binaryCrossEntropyWithLogits pos_weight (unknown)",
    (c) => binaryCrossEntropyWithLogits(x(c), x(c), bad({ pos_weight: x(c) })),
    TypeError,
    "binaryCrossEntropyWithLogits: unexpected option pos_weight",
  ),
];

const ACTIVATION_ROWS: Row[] = [
  row(
    "gelu approximate 1",
    (c) => gelu(x(c), { approximate: bad(1) }),
    TypeError,
    "Invalid approximate: expected a string, got 1",
  ),
  row(
    "gelu input an array",
    () => gelu(bad([1, 2])),
    TypeError,
    "gelu(): argument 'input' must be Tensor, not an array",
  ),
  row(
    "silu input null",
    () => silu(bad(null)),
    TypeError,
    "silu(): argument 'input' must be Tensor, not null",
  ),
  row(
    'leakyRelu negativeSlope "0.2"',
    (c) => leakyRelu(x(c), { negativeSlope: bad("0.2") }),
    TypeError,
    'Invalid negativeSlope: expected a number, got the string "0.2"',
  ),
  row(
    "elu alpha NaN",
    (c) => elu(x(c), { alpha: NaN }),
    RangeError,
    "Invalid alpha: expected a number, got NaN",
  ),
  row(
    'softplus threshold "20"',
    (c) => softplus(x(c), { threshold: bad("20") }),
    TypeError,
    'Invalid threshold: expected a number, got the string "20"',
  ),
  row(
    "dropout input an array",
    () => dropout(bad([1, 2])),
    TypeError,
    "dropout(): argument 'input' must be Tensor, not an array",
  ),
  row(
    'dropout training "yes"',
    (c) => dropout(x(c), { training: bad("yes") }),
    TypeError,
    'Invalid training: expected a boolean, got the string "yes"',
  ),
];

const SOFTMAX_ROWS: Row[] = [
  row(
    'softmax dim "1"',
    (c) => x(c).softmax(bad("1")),
    TypeError,
    'Invalid dim: expected an integer, got the string "1"',
  ),
  row(
    "logSoftmax dim 0.5",
    (c) => x(c).logSoftmax(0.5),
    RangeError,
    "Dimension out of range (expected to be in range of [-2, 1], but got 0.5)",
  ),
  row(
    "logSoftmax dim 2 of a matrix",
    (c) => x(c).logSoftmax(2),
    RangeError,
    "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
  ),
];

const CREATION_ROWS: Row[] = [
  row(
    'full fill value "x"',
    (c) => full([2], bad("x"), { device: c.dev }),
    TypeError,
    'full(): fill_value must be a number or a boolean, got the string "x"',
  ),
  row(
    'arange end "5"',
    (c) => arange(bad("5"), undefined, 1, { device: c.dev }),
    TypeError,
    'Invalid end: expected a number, got the string "5"',
  ),
  row(
    'reshape ["6"]',
    (c) => x(c).reshape(bad(["6"])),
    TypeError,
    'Invalid shape[0]: expected an integer >= -1, got the string "6"',
  ),
  row(
    "reshape [-2, -3]",
    (c) => x(c).reshape([-2, -3]),
    RangeError,
    "Invalid shape[0]: expected an integer >= -1, got -2",
  ),
];

export const NN_FUNCTIONAL_ROWS: Row[] = [
  ...LOSS_ROWS,
  ...ACTIVATION_ROWS,
  ...SOFTMAX_ROWS,
  ...CREATION_ROWS,
];
