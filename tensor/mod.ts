/**
 * Tensors: creation, dtypes, shapes, random numbers, memory and the ops.
 *
 * @module
 */
export { Tensor } from "./tensor.ts";
export type { Dims } from "./tensor.ts";
export { type DType, isFloating, promoteTypes, type TypedArray } from "./dtype.ts";
export {
  arange,
  type DataOptions,
  full,
  type NumericArray,
  ones,
  onesLike,
  rand,
  randn,
  type RandomOptions,
  tensor,
  type TensorOptions,
  zeros,
  zerosLike,
} from "./creation.ts";
export { defaultGenerator, Generator, manualSeed, philox4x32 } from "./random.ts";
export { memoryStats, Storage, tidy, yieldToEventLoop } from "./memory.ts";
export { cat, stack } from "./shape.ts";
export { runKernel, runKernelInto, where } from "./elementwise.ts";
export { type NamedKernel, namedKernel, runNamedKernel } from "./named_kernel.ts";
export { matmul } from "./matmul.ts";
export { gather, indexSelect, scatterAdd } from "./indexing.ts";
export { erf, rsqrt } from "./special.ts";
export { maskedFill } from "./masked_fill.ts";
export { repeat } from "./repeat.ts";
export { multinomial, type MultinomialOptions } from "./sampling.ts";
export { cumsum } from "./scan.ts";
export { chunk, split } from "./split.ts";
export { std, variance, type VarOptions } from "./statistics.ts";
export { topk, type TopkOptions } from "./topk.ts";
export { tril, triu } from "./triangular.ts";
