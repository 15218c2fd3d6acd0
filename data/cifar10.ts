/**
 * CIFAR-10 in its binary format (the "CIFAR-10 binary version" of https://www.cs.toronto.edu/~kriz/cifar.html):
 * data_batch_1.bin … data_batch_5.bin and test_batch.bin, each a run of 3073-byte records — a label byte (0–9),
 * then the 32×32 red, green and blue planes, row-major.
 *
 * @module
 */
import { tensor } from "../tensor/creation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { anything, boolean, checkOptions, func } from "../tensor/validation.ts";
import { checkBatchIndices, type Dataset } from "./dataset.ts";
import { displayPath, inFolder } from "./folder.ts";
import { type RawImages, toTensor, type Transform } from "./transforms.ts";

/** Options of {@link CIFAR10.load}. */
export interface CIFAR10Options {
  /** The 50,000 training images (true, the default: data_batch_1.bin … data_batch_5.bin) or the 10,000 test images. */
  train?: boolean;
  /** The folder (a path or a file URL) holding the .bin files: `cifar-10-batches-bin` once extracted. */
  root: string | URL;
  /** Applied to raw images ([32, 32, 3], or a batch); default {@link toTensor}. */
  transform?: Transform;
}

const SIDE = 32;
const PLANE = SIDE * SIDE;
const IMAGE = 3 * PLANE;
const RECORD = 1 + IMAGE;
const EXTRACTED = "cifar-10-batches-bin";
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILES = ["test_batch.bin"];

/** The size of `file` in bytes, or -1 when there is no such file. */
async function sizeOf(file: string | URL): Promise<number> {
  try {
    return (await Deno.stat(file)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return -1;
    throw error;
  }
}

/** The Error for missing files: which ones, where they belong and where to get them. */
async function missingFilesError(root: string | URL, missing: string[]): Promise<Error> {
  const nested = inFolder(inFolder(root, EXTRACTED), missing[0]);
  const paths = missing.map((name) => displayPath(inFolder(root, name)));
  const hint = (await sizeOf(nested)) >= 0
    ? ` (it is in ${displayPath(inFolder(root, EXTRACTED))}: pass that folder as root)`
    : "";
  return new Error(
    `CIFAR-10 file not found: ${paths.join(", ")}${hint}. Download the "CIFAR-10 binary version" ` +
      `(cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html, extract it, and pass the ` +
      `extracted ${EXTRACTED} folder as root: it holds ${TRAIN_FILES[0]} … ${TRAIN_FILES[4]} and ${
        TEST_FILES[0]
      }`,
  );
}

/**
 * The CIFAR-10 images: `get(i)` gives `[image, label]`, the image transformed (by default to a float tensor
 * [3, 32, 32] in [0, 1], as torchvision's `CIFAR10` with `ToTensor`); batches are transformed as a whole. The
 * files are not bundled: download the binary version (see {@link CIFAR10.load}).
 *
 * @example
 * ```ts
 * import { CIFAR10, DataLoader, transforms } from "@gradstep/gradstep/data";
 * const train = await CIFAR10.load({
 *   train: true,
 *   root: "data/cifar-10-batches-bin",
 *   transform: transforms.compose(
 *     transforms.toTensor(),
 *     transforms.normalize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
 *   ),
 * });
 * const loader = new DataLoader(train, { batchSize: 128, shuffle: true });
 * console.log(CIFAR10.classes[train.labels[0]]); // e.g. "frog"
 * ```
 */
export class CIFAR10 implements Dataset {
  /** The class of each label, as the binary version's batches.meta.txt lists them. */
  static readonly classes: readonly string[] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
  ];

  private constructor(
    /** The images as the files hold them: per image the red, green and blue 32×32 planes. */
    readonly images: Uint8Array,
    /** The labels, 0–9 (see {@link CIFAR10.classes}). */
    readonly labels: Uint8Array,
    /** The transform `get` and `getBatch` apply. */
    readonly transform: Transform,
  ) {}

  /**
   * Reads the training split (data_batch_1.bin … data_batch_5.bin, in that order) or the test split
   * (test_batch.bin) from `root`. Rejects with an Error naming every missing file, or a file whose size is not a
   * whole number of 3073-byte records, or a label outside 0–9.
   */
  static async load(options: CIFAR10Options): Promise<CIFAR10> {
    checkOptions("CIFAR10.load", options, { train: boolean, root: anything, transform: func });
    const root = options?.root;
    if (typeof root !== "string" && !(root instanceof URL)) {
      throw new TypeError(
        `CIFAR10.load() needs root, the folder holding the "CIFAR-10 binary version" files, got ${root}`,
      );
    }
    const names = options.train ?? true ? TRAIN_FILES : TEST_FILES;
    const files = names.map((name) => inFolder(root, name));
    const sizes = await Promise.all(files.map(sizeOf));
    const missing = names.filter((_, i) => sizes[i] < 0);
    if (missing.length > 0) throw await missingFilesError(root, missing);
    files.forEach((file, i) => {
      if (sizes[i] === 0 || sizes[i] % RECORD !== 0) {
        throw new Error(
          `${displayPath(file)}: truncated or not a CIFAR-10 binary file: ${sizes[i]} bytes is not a ` +
            `positive multiple of ${RECORD} (1 label byte + ${IMAGE} pixel bytes per image)`,
        );
      }
    });
    const count = sizes.reduce((a, b) => a + b, 0) / RECORD;
    const images = new Uint8Array(count * IMAGE);
    const labels = new Uint8Array(count);
    let n = 0;
    for (const file of files) {
      const bytes = await Deno.readFile(file);
      for (let r = 0; r < bytes.length / RECORD; r++, n++) {
        const label = bytes[r * RECORD];
        if (label > 9) {
          throw new Error(`${displayPath(file)}: record ${r} has label ${label}, expected 0–9`);
        }
        labels[n] = label;
        images.set(bytes.subarray(r * RECORD + 1, (r + 1) * RECORD), n * IMAGE);
      }
    }
    return new CIFAR10(images, labels, options.transform ?? toTensor());
  }

  /** The number of images. */
  get length(): number {
    return this.labels.length;
  }

  /** Images `indices` channels last ([32, 32, 3] each), as transforms take them. */
  #raw(indices: ArrayLike<number>, batched: boolean): RawImages {
    const data = new Uint8Array(indices.length * IMAGE);
    for (let i = 0; i < indices.length; i++) {
      const planes = this.images.subarray(indices[i] * IMAGE, (indices[i] + 1) * IMAGE);
      const out = i * IMAGE;
      for (let p = 0; p < PLANE; p++) {
        data[out + 3 * p] = planes[p];
        data[out + 3 * p + 1] = planes[PLANE + p];
        data[out + 3 * p + 2] = planes[2 * PLANE + p];
      }
    }
    const shape = [SIDE, SIDE, 3];
    return { data, shape: batched ? [indices.length, ...shape] : shape };
  }

  /**
   * Image `index`, transformed, and its label.
   *
   * @example
   * ```ts
   * import { CIFAR10 } from "@gradstep/gradstep/data";
   * const test = await CIFAR10.load({ train: false, root: "data/cifar-10-batches-bin" });
   * const [image, label] = test.get(0); // a [3, 32, 32] float tensor and a class in 0 … 9
   * ```
   */
  get(index: number): [Tensor, number] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`index ${index} is out of range for CIFAR-10's ${this.length} images`);
    }
    return [this.transform(this.#raw([index], false)), this.labels[index]];
  }

  /**
   * Images `indices`, transformed as one batch, and their labels (int32).
   *
   * @example
   * ```ts
   * import { CIFAR10 } from "@gradstep/gradstep/data";
   * const test = await CIFAR10.load({ train: false, root: "data/cifar-10-batches-bin" });
   * const [images, labels] = test.getBatch(new Int32Array([0, 1, 2])); // [3, 3, 32, 32] and int32 [3]
   * ```
   */
  getBatch(indices: Int32Array): Tensor[] {
    checkBatchIndices(indices, this.length, `CIFAR-10's ${this.length} images`);
    return [
      this.transform(this.#raw(indices, true)),
      tensor(Int32Array.from(indices, (i) => this.labels[i])),
    ];
  }
}
