/**
 * Bad inputs for tests/validation/options_test.ts: the dataset loaders (MNIST, CIFAR10, TensorDataset), their
 * batches' indices, the image transforms and the character-level text helpers.
 *
 * @module
 */
import {
  CharVocabulary,
  CIFAR10,
  getBatch,
  MNIST,
  tensor,
  TensorDataset,
  trainValSplit,
  transforms,
} from "../../mod.ts";
import { bad, type Row, row } from "./row.ts";

/** An unsigned-byte IDX file of `shape`, all bytes zero. */
function idx(shape: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * shape.length + shape.reduce((a, b) => a * b, 1));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, (0x08 << 8) | shape.length);
  shape.forEach((s, i) => view.setUint32(4 + 4 * i, s));
  return bytes;
}

/** An MNIST of two 2×2 images. */
const tinyMNIST = (): Promise<MNIST> => MNIST.fromBytes({ images: idx([2, 2, 2]), labels: idx([2]) });

/** A CIFAR-10 test split of one image, read from a folder of its own (not the checkpoint folder). */
async function tinyCIFAR10(): Promise<CIFAR10> {
  const root = await Deno.makeTempDir({ prefix: "gradstep-validation-cifar-" });
  try {
    await Deno.writeFile(`${root}/test_batch.bin`, new Uint8Array(3073));
    return await CIFAR10.load({ root, train: false });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const vocab = (): CharVocabulary => new CharVocabulary(["a", "b"]);
const ids = (): Int32Array => new Int32Array([0, 1, 0, 1, 0, 1]);

const LOADER_ROWS: Row[] = [
  row(
    'MNIST.load train "yes"',
    () => MNIST.load({ train: bad("yes") }),
    TypeError,
    'Invalid train: expected a boolean, got the string "yes"',
  ),
  row(
    "MNIST.load root 3",
    () => MNIST.load({ root: bad(3) }),
    TypeError,
    "Invalid root: expected a path or a file URL, got 3",
  ),
  row(
    'MNIST.load transform "toTensor"',
    () => MNIST.load({ transform: bad("toTensor") }),
    TypeError,
    'Invalid transform: expected a function, got the string "toTensor"',
  ),
  row(
    "MNIST.load dir (unknown)",
    () => MNIST.load(bad({ dir: "." })),
    TypeError,
    "MNIST.load: unexpected option dir",
  ),
  row(
    "MNIST.fromBytes images an array",
    () => MNIST.fromBytes({ images: bad([0, 0]), labels: idx([2]) }),
    TypeError,
    "Invalid images: expected a Uint8Array, got [0, 0]",
  ),
  row(
    "MNIST.fromBytes without labels",
    () => MNIST.fromBytes(bad({ images: idx([2, 2, 2]) })),
    TypeError,
    "MNIST.fromBytes: missing required option labels",
  ),
  row(
    "MNIST getBatch index 2 of 2",
    async () => (await tinyMNIST()).getBatch(new Int32Array([0, 2])),
    RangeError,
    "index 2 is out of range for MNIST's 2 images",
  ),
  row(
    "MNIST getBatch indices an array",
    async () => (await tinyMNIST()).getBatch(bad([0])),
    TypeError,
    "Invalid indices: expected an Int32Array, got [0]",
  ),
  row(
    "CIFAR10.load train 1",
    () => CIFAR10.load({ root: ".", train: bad(1) }),
    TypeError,
    "Invalid train: expected a boolean, got 1",
  ),
  row(
    "CIFAR10.load download (unknown)",
    () => CIFAR10.load(bad({ root: ".", download: true })),
    TypeError,
    "CIFAR10.load: unexpected option download",
  ),
  row(
    "CIFAR10 getBatch index -1",
    async () => (await tinyCIFAR10()).getBatch(new Int32Array([-1])),
    RangeError,
    "index -1 is out of range for CIFAR-10's 1 images",
  ),
  row(
    'TensorDataset "x"',
    () => new TensorDataset(bad("x")),
    TypeError,
    'TensorDataset: tensors[0] must be a Tensor, got the string "x"',
  ),
  row(
    "TensorDataset getBatch index 8 of 8",
    (c) =>
      new TensorDataset(tensor([1, 2, 3, 4, 5, 6, 7, 8], { device: c.dev })).getBatch(new Int32Array([8])),
    RangeError,
    "index 8 is out of range for a dataset of 8 samples",
  ),
];

const TRANSFORM_ROWS: Row[] = [
  row(
    'normalize mean ["0.5"]',
    () => transforms.normalize(bad(["0.5"]), [0.5]),
    TypeError,
    'Invalid mean[0]: expected a number, got the string "0.5"',
  ),
  row(
    "normalize std [NaN]",
    () => transforms.normalize([0.5], [NaN]),
    RangeError,
    "Invalid std[0]: expected a number, got NaN",
  ),
  row(
    "normalize std [0]",
    () => transforms.normalize([0.5], [0]),
    RangeError,
    "std evaluated to zero after conversion to float32, leading to division by zero",
  ),
  row(
    "normalize 2 means, 1 std",
    () => transforms.normalize([0.5, 0.5], [1]),
    Error,
    "got 2 means and 1 stds",
  ),
  row(
    "normalize mean 0.5 (not a list)",
    () => transforms.normalize(bad(0.5), [1]),
    TypeError,
    "Invalid mean: expected an array, got 0.5",
  ),
  row(
    'compose "toTensor"',
    () => transforms.compose(bad("toTensor")),
    TypeError,
    'Invalid transforms[0]: expected a function, got the string "toTensor"',
  ),
];

const TEXT_ROWS: Row[] = [
  row(
    'CharVocabulary "ab" (not a list)',
    () => new CharVocabulary(bad("ab")),
    TypeError,
    'Invalid chars: expected an array, got the string "ab"',
  ),
  row(
    'CharVocabulary ["a", 1]',
    () => new CharVocabulary(bad(["a", 1])),
    TypeError,
    "Invalid chars[1]: expected a string, got 1",
  ),
  row(
    "CharVocabulary.fromText 5",
    () => CharVocabulary.fromText(bad(5)),
    TypeError,
    "Invalid text: expected a string, got 5",
  ),
  row(
    "CharVocabulary encode null",
    () => vocab().encode(bad(null)),
    TypeError,
    "Invalid text: expected a string",
  ),
  row(
    'CharVocabulary decode "ab"',
    () => vocab().decode(bad("ab")),
    TypeError,
    'CharVocabulary.decode: ids must be an array of ids, got the string "ab"',
  ),
  row(
    "trainValSplit ids an array",
    () => trainValSplit(bad([0, 1])),
    TypeError,
    "trainValSplit: ids must be an Int32Array, got [0, 1]",
  ),
  row(
    'trainValSplit trainFraction "0.9"',
    () => trainValSplit(ids(), { trainFraction: bad("0.9") }),
    TypeError,
    'Invalid trainFraction: expected a number, got the string "0.9"',
  ),
  row(
    "trainValSplit trainFraction 1.5",
    () => trainValSplit(ids(), { trainFraction: 1.5 }),
    RangeError,
    "trainValSplit: trainFraction must be in [0, 1], got 1.5",
  ),
  row(
    'getBatch device "cpu"',
    () => getBatch(ids(), { batchSize: 2, blockSize: 2, device: bad("cpu") }),
    TypeError,
    'Invalid device: expected a Device, got the string "cpu"',
  ),
  row(
    "getBatch generator 42",
    () => getBatch(ids(), { batchSize: 2, blockSize: 2, generator: bad(42) }),
    TypeError,
    "Invalid generator: expected a Generator, got 42",
  ),
  row(
    "getBatch block_size (unknown)",
    () => getBatch(ids(), bad({ batchSize: 2, block_size: 2 })),
    TypeError,
    "getBatch: unexpected option block_size",
  ),
  row(
    "getBatch blockSize 0",
    (c) => getBatch(ids(), { batchSize: 2, blockSize: 0, device: c.dev }),
    RangeError,
    "getBatch: blockSize must be a positive integer, got 0",
  ),
];

export const DATASET_ROWS: Row[] = [...LOADER_ROWS, ...TRANSFORM_ROWS, ...TEXT_ROWS];
