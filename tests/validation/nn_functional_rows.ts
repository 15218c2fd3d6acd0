/**
 * Bad inputs for tests/validation/options_test.ts: the functional losses, activations, softmax's dim,
 * embedding, the normalisations, attention, dropout and the `nn.init` functions. The calls that would write into a tensor
 * (embedding's maxNorm, batchNorm's running statistics, the init functions) are given the user's parameters, so
 * the test sees that a refused call leaves them as they were.
 *
 * @module
 */
import {
  batchNorm,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  calculateFanInAndFanOut,
  calculateGain,
  constant_,
  crossEntropy,
  dropout,
  elu,
  embedding,
  gelu,
  huberLoss,
  kaimingUniform_,
  klDiv,
  l1Loss,
  layerNorm,
  leakyRelu,
  linear,
  mseLoss,
  nllLoss,
  normal_,
  rmsNorm,
  scaledDotProductAttention,
  silu,
  smoothL1Loss,
  softplus,
  type Tensor,
  tensor,
  uniform_,
  xavierUniform_,
  zeros,
} from "../../mod.ts";
import type { Context } from "./row.ts";
import { type Row, row } from "./row.ts";

const x = (c: Context, shape: number[] = [2, 3]): Tensor => zeros(shape, { device: c.dev });
const labels = (c: Context): Tensor => tensor([0, 1], { dtype: "int32", device: c.dev });
const qkv = (c: Context): Tensor => zeros([1, 2, 4], { device: c.dev });
const bad = <T>(value: unknown): T => value as T;

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

const TABLE_NORM_ROWS: Row[] = [
  row(
    'embedding maxNorm "1" (on the user\'s weight)',
    (c) => embedding(labels(c), c.params[0], { maxNorm: bad("1") }),
    TypeError,
    'Invalid maxNorm: expected a number, got the string "1"',
  ),
  row(
    "embedding scaleGradByFreq 1",
    (c) => embedding(labels(c), c.params[0], { scaleGradByFreq: bad(1) }),
    TypeError,
    "Invalid scaleGradByFreq: expected a boolean, got 1",
  ),
  row(
    "embedding weight an array",
    (c) => embedding(labels(c), bad([[1], [2]])),
    TypeError,
    "embedding(): argument 'weight' must be Tensor, not an array",
  ),
  row(
    "layerNorm normalizedShape [-1]",
    (c) => layerNorm(x(c), [-1]),
    RangeError,
    "Invalid normalizedShape[0]: expected an integer >= 0, got -1",
  ),
  row(
    'layerNorm normalizedShape "3"',
    (c) => layerNorm(x(c), bad("3")),
    TypeError,
    'Invalid normalizedShape: expected an integer >= 0, got the string "3"',
  ),
  row(
    'layerNorm eps "1e-5"',
    (c) => layerNorm(x(c), 3, { eps: bad("1e-5") }),
    TypeError,
    'Invalid eps: expected a number, got the string "1e-5"',
  ),
  row(
    "rmsNorm weight [1, 1, 1]",
    (c) => rmsNorm(x(c), 3, { weight: bad([1, 1, 1]) }),
    TypeError,
    "Invalid weight: expected a Tensor, got [1, 1, 1]",
  ),
  row(
    "rmsNorm normalizedShape 2.5",
    (c) => rmsNorm(x(c), 2.5),
    RangeError,
    "Invalid normalizedShape: expected an integer >= 0, got 2.5",
  ),
  row(
    'batchNorm momentum "0.1" (the user\'s bias as running mean)',
    (c) => batchNorm(x(c, [4, 2]), c.params[1], null, { training: true, momentum: bad("0.1") }),
    TypeError,
    'Invalid momentum: expected a number, got the string "0.1"',
  ),
  row(
    'batchNorm training "yes"',
    (c) => batchNorm(x(c, [4, 2]), c.params[1], null, { training: bad("yes") }),
    TypeError,
    'Invalid training: expected a boolean, got the string "yes"',
  ),
  row(
    "batchNorm runningMean an array",
    (c) => batchNorm(x(c, [4, 2]), bad([0, 0]), null),
    TypeError,
    "batchNorm(): argument 'runningMean' must be Tensor or None, not an array",
  ),
];

const ATTENTION_ROWS: Row[] = [
  row(
    'scaledDotProductAttention dropoutP "0.1"',
    (c) => scaledDotProductAttention(qkv(c), qkv(c), qkv(c), { dropoutP: bad("0.1") }),
    TypeError,
    'Invalid dropoutP: expected a number, got the string "0.1"',
  ),
  row(
    "scaledDotProductAttention dropoutP 1.5",
    (c) => scaledDotProductAttention(qkv(c), qkv(c), qkv(c), { dropoutP: 1.5 }),
    RangeError,
    "dropout probability has to be between 0 and 1, but got 1.5",
  ),
  row(
    "scaledDotProductAttention isCausal 1",
    (c) => scaledDotProductAttention(qkv(c), qkv(c), qkv(c), { isCausal: bad(1) }),
    TypeError,
    "Invalid isCausal: expected a boolean, got 1",
  ),
  row(
    'scaledDotProductAttention scale "0.5"',
    (c) => scaledDotProductAttention(qkv(c), qkv(c), qkv(c), { scale: bad("0.5") }),
    TypeError,
    'Invalid scale: expected a number, got the string "0.5"',
  ),
  row(
    "scaledDotProductAttention generator {}",
    (c) => scaledDotProductAttention(qkv(c), qkv(c), qkv(c), { generator: bad({}) }),
    TypeError,
    "Invalid generator: expected a Generator, got Object",
  ),
  row(
    "scaledDotProductAttention attn_mask (unknown)",
    (c) => scaledDotProductAttention(qkv(c), qkv(c), qkv(c), bad({ attn_mask: null })),
    TypeError,
    "scaledDotProductAttention: unexpected option attn_mask",
  ),
  row(
    "scaledDotProductAttention key an array",
    (c) => scaledDotProductAttention(qkv(c), bad([[[0]]]), qkv(c)),
    TypeError,
    "scaledDotProductAttention(): argument 'key' must be Tensor, not an array",
  ),
];

const INIT_ROWS: Row[] = [
  row(
    "uniform_ a 1 > b 0 (on the user's weight)",
    (c) => uniform_(c.params[0], 1, 0),
    RangeError,
    "uniform_ expects to return a [from, to) range, but found from=1 > to=0",
  ),
  row(
    "uniform_ a NaN",
    (c) => uniform_(c.params[0], NaN, 1),
    RangeError,
    "Invalid a: expected a number, got NaN",
  ),
  row(
    "normal_ std -1",
    (c) => normal_(c.params[0], 0, -1),
    RangeError,
    "normal expects std >= 0.0, but found std -1",
  ),
  row(
    'normal_ mean "0"',
    (c) => normal_(c.params[0], bad("0"), 1),
    TypeError,
    'Invalid mean: expected a number, got the string "0"',
  ),
  row(
    'constant_ value "0.1"',
    (c) => constant_(c.params[0], bad("0.1")),
    TypeError,
    'Invalid value: expected a number, got the string "0.1"',
  ),
  row(
    "constant_ tensor an array",
    () => constant_(bad([0, 0]), 1),
    TypeError,
    "constant_(): argument 'tensor' must be Tensor, not an array",
  ),
  row(
    'calculateGain "relu6"',
    () => calculateGain(bad("relu6")),
    RangeError,
    "Unsupported nonlinearity relu6",
  ),
  row(
    'calculateGain leaky_relu param "0.2"',
    () => calculateGain("leaky_relu", bad("0.2")),
    TypeError,
    'negative_slope the string "0.2" not a valid number',
  ),
  row(
    'kaimingUniform_ mode "fan_in"',
    (c) => kaimingUniform_(c.params[0], { mode: bad("fan_in") }),
    RangeError,
    'Invalid mode: expected one of "fanIn", "fanOut", got the string "fan_in"',
  ),
  row(
    'kaimingUniform_ a "1"',
    (c) => kaimingUniform_(c.params[0], { a: bad("1") }),
    TypeError,
    'Invalid a: expected a number, got the string "1"',
  ),
  row(
    "xavierUniform_ gain NaN",
    (c) => xavierUniform_(c.params[0], NaN),
    RangeError,
    "Invalid gain: expected a number, got NaN",
  ),
  row(
    "calculateFanInAndFanOut an array",
    () => calculateFanInAndFanOut(bad([[1, 2]])),
    TypeError,
    "calculateFanInAndFanOut(): argument 'tensor' must be Tensor, not an array",
  ),
];

export const NN_FUNCTIONAL_ROWS: Row[] = [
  ...LOSS_ROWS,
  ...ACTIVATION_ROWS,
  ...SOFTMAX_ROWS,
  ...TABLE_NORM_ROWS,
  ...ATTENTION_ROWS,
  ...INIT_ROWS,
];
