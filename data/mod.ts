/**
 * Data loading, as `torch.utils.data` and `torchvision`: datasets, the DataLoader, transforms, MNIST and CIFAR-10.
 *
 * @module
 */
export { type Dataset, type Sample, TensorDataset } from "./dataset.ts";
export { collate, DataLoader, type DataLoaderOptions, type DataLoaderState } from "./dataloader.ts";
export * as transforms from "./transforms.ts";
export type { RawImages, Transform } from "./transforms.ts";
export { type IdxArray, maybeGunzip, parseIdx } from "./idx.ts";
export { MNIST, type MNISTOptions } from "./mnist.ts";
export { CIFAR10, type CIFAR10Options } from "./cifar10.ts";
export {
  CharVocabulary,
  getBatch,
  type GetBatchOptions,
  type TrainValSplit,
  trainValSplit,
  type TrainValSplitOptions,
} from "./text.ts";
