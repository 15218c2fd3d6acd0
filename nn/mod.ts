/**
 * Neural-network building blocks, as `torch.nn`: Module, layers, losses, initialisation, functional forms and
 * gradient clipping (`torch.nn.utils`).
 *
 * @module
 */
export { type LoadResult, Module } from "./module.ts";
export { Parameter } from "./parameter.ts";
export { Linear } from "./linear.ts";
export { Flatten, ReLU, Sigmoid, Tanh } from "./layers.ts";
export {
  ELU,
  elu,
  type EluOptions,
  GELU,
  gelu,
  type GeluOptions,
  Identity,
  LeakyReLU,
  leakyRelu,
  type LeakyReluOptions,
  LogSoftmax,
  SiLU,
  silu,
  Softmax,
  type SoftmaxOptions,
  Softplus,
  softplus,
  type SoftplusOptions,
} from "./activation.ts";
export { Embedding, embedding, type EmbeddingModuleOptions, type EmbeddingOptions } from "./embedding.ts";
export {
  LayerNorm,
  layerNorm,
  type LayerNormModuleOptions,
  type LayerNormOptions,
  RMSNorm,
  rmsNorm,
  type RMSNormModuleOptions,
  type RMSNormOptions,
} from "./normalization.ts";
export { ModuleDict, ModuleList } from "./container.ts";
export { Sequential } from "./sequential.ts";
export { GRU, LSTM, type LSTMOptions, RNN, RNNBase, type RNNBaseOptions, type RNNOptions } from "./rnn.ts";
export type { RNNMode } from "./rnn_cells.ts";
export {
  GRUCell,
  LSTMCell,
  RNNCell,
  RNNCellBase,
  type RNNCellBaseOptions,
  type RNNCellOptions,
} from "./rnn_cell.ts";
export {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} from "./loss.ts";
export {
  type BCEWithLogitsOptions,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
} from "./binary_cross_entropy.ts";
export {
  huberLoss,
  klDiv,
  type KLDivOptions,
  type KLDivReduction,
  l1Loss,
  smoothL1Loss,
} from "./pointwise_loss.ts";
export {
  BatchNorm,
  batchNorm,
  BatchNorm1d,
  BatchNorm2d,
  type BatchNormModuleOptions,
  type BatchNormOptions,
} from "./batchnorm.ts";
export { Conv2d, conv2d, type Conv2dModuleOptions, type Conv2dOptions } from "./conv.ts";
export {
  AvgPool2d,
  avgPool2d,
  type AvgPool2dOptions,
  MaxPool2d,
  maxPool2d,
  type MaxPool2dOptions,
} from "./pooling.ts";
export { Dropout, dropout, type DropoutOptions } from "./dropout.ts";
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from "./attention.ts";
export {
  MultiheadAttention,
  type MultiheadAttentionForwardOptions,
  type MultiheadAttentionOptions,
} from "./multihead_attention.ts";
export {
  type TransformerActivation,
  TransformerEncoder,
  type TransformerEncoderForwardOptions,
  TransformerEncoderLayer,
  type TransformerEncoderLayerForwardOptions,
  type TransformerEncoderLayerOptions,
  type TransformerEncoderOptions,
} from "./transformer.ts";
export type { PaddingMode, Pair } from "./unfold.ts";
export {
  crossEntropy,
  type CrossEntropyOptions,
  linear,
  mseLoss,
  nllLoss,
  type NLLOptions,
  type Reduction,
} from "./functional.ts";
export {
  calculateFanInAndFanOut,
  calculateGain,
  constant_,
  type FanMode,
  kaimingUniform_,
  normal_,
  uniform_,
  xavierUniform_,
} from "./init.ts";
export * from "./utils/mod.ts";
