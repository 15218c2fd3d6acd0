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
export { Sequential } from "./sequential.ts";
export { CrossEntropyLoss, MSELoss, NLLLoss } from "./loss.ts";
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
