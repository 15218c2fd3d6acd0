/**
 * Bad inputs for tests/validation/options_test.ts: embedding, the normalisations, scaledDotProductAttention and
 * the attention layers' forward options, and the `nn.init` functions. The calls that would write into a tensor
 * (embedding's maxNorm, batchNorm's running statistics, the init functions) are given the user's parameters, so
 * the test sees that a refused call leaves them as they were.
 *
 * @module
 */
import {
  batchNorm,
  calculateFanInAndFanOut,
  calculateGain,
  constant_,
  embedding,
  kaimingUniform_,
  layerNorm,
  MultiheadAttention,
  normal_,
  rmsNorm,
  scaledDotProductAttention,
  type Tensor,
  tensor,
  TransformerEncoder,
  TransformerEncoderLayer,
  uniform_,
  xavierUniform_,
  zeros,
} from "../../mod.ts";
import type { Context } from "./row.ts";
import { bad, type Row, row } from "./row.ts";

const x = (c: Context, shape: number[] = [2, 3]): Tensor => zeros(shape, { device: c.dev });
const labels = (c: Context): Tensor => tensor([0, 1], { dtype: "int32", device: c.dev });
const qkv = (c: Context): Tensor => zeros([1, 2, 4], { device: c.dev });

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
  row(
    'MultiheadAttention.forward needWeights "no"',
    async (c) =>
      (await new MultiheadAttention(4, 2).to(c.dev)).forward(qkv(c), qkv(c), qkv(c), {
        needWeights: bad("no"),
      }),
    TypeError,
    'Invalid needWeights: expected a boolean, got the string "no"',
  ),
  row(
    "MultiheadAttention.forward key_padding_mask (unknown)",
    async (c) =>
      (await new MultiheadAttention(4, 2).to(c.dev)).forward(
        qkv(c),
        qkv(c),
        qkv(c),
        bad({ key_padding_mask: null }),
      ),
    TypeError,
    "MultiheadAttention.forward: unexpected option key_padding_mask",
  ),
  row(
    "MultiheadAttention.forward value an array",
    async (c) => (await new MultiheadAttention(4, 2).to(c.dev)).forward(qkv(c), qkv(c), bad([0])),
    TypeError,
    "MultiheadAttention.forward(): argument 'value' must be Tensor, not an array",
  ),
  row(
    "TransformerEncoderLayer.forward isCausal 1",
    async (c) => (await new TransformerEncoderLayer(4, 2).to(c.dev)).forward(qkv(c), { isCausal: bad(1) }),
    TypeError,
    "Invalid isCausal: expected a boolean, got 1",
  ),
  row(
    "TransformerEncoder.forward mask [[0]]",
    async (c) =>
      (await new TransformerEncoder(new TransformerEncoderLayer(4, 2), 1).to(c.dev)).forward(qkv(c), {
        mask: bad([[0]]),
      }),
    TypeError,
    "Invalid mask: expected a Tensor, got [[0]]",
  ),
  row(
    "TransformerEncoder.forward src_key_padding_mask (unknown)",
    async (c) =>
      (await new TransformerEncoder(new TransformerEncoderLayer(4, 2), 1).to(c.dev)).forward(
        qkv(c),
        bad({ src_key_padding_mask: null }),
      ),
    TypeError,
    "TransformerEncoder.forward: unexpected option src_key_padding_mask",
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

export const NN_TABLE_ROWS: Row[] = [...TABLE_NORM_ROWS, ...ATTENTION_ROWS, ...INIT_ROWS];
