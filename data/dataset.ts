/**
 * Datasets: anything with a length and indexed samples, and the tensor-backed one.
 *
 * @module
 */
import { tensor } from "../tensor/creation.ts";
import { indexSelect } from "../tensor/indexing.ts";
import { Tensor } from "../tensor/tensor.ts";
import { shown } from "../tensor/validation.ts";

/**
 * Throws unless `indices` is an Int32Array of sample indices in [0, `length`), in the words of the datasets'
 * `get` ("index 7 is out of range for …"), so a bad batch is refused rather than read as zeros.
 *
 * @example
 * ```ts
 * import { checkBatchIndices } from "./dataset.ts";
 * checkBatchIndices(new Int32Array([0, 2]), 3, "a dataset of 3 samples"); // passes; [3] throws
 * ```
 */
export function checkBatchIndices(indices: unknown, length: number, what: string): void {
  if (!(indices instanceof Int32Array)) {
    throw new TypeError(`Invalid indices: expected an Int32Array, got ${shown(indices)}`);
  }
  for (const i of indices) {
    if (i < 0 || i >= length) throw new RangeError(`index ${i} is out of range for ${what}`);
  }
}

/** One sample: its fields, e.g. `[image, label]`. */
export type Sample = readonly (Tensor | number)[];

/**
 * A map-style dataset, as `torch.utils.data.Dataset`: `length` samples, read with `get(i)`. A dataset may also
 * offer `getBatch(indices)`, returning the same tensors collating `get` would, faster.
 *
 * @example
 * ```ts
 * import type { Dataset, Sample } from "@gradstep/gradstep/data";
 * import { tensor } from "@gradstep/gradstep";
 * const squares: Dataset = { length: 10, get: (i: number): Sample => [tensor([i]), i * i] };
 * ```
 */
export interface Dataset {
  /** The number of samples. */
  readonly length: number;
  /** Sample `index`. */
  get(index: number): Sample;
  /** Optional fast path: the samples at `indices`, collated. */
  getBatch?(indices: Int32Array): Tensor[];
}

/**
 * A dataset of tensors sharing their first dimension: sample i is each tensor's row i, as
 * `torch.utils.data.TensorDataset`.
 *
 * @example
 * ```ts
 * import { TensorDataset } from "@gradstep/gradstep/data";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const data = new TensorDataset(randn([100, 3]), tensor(new Int32Array(100)));
 * const [x, y] = data.get(0);
 * ```
 */
export class TensorDataset implements Dataset {
  /** The tensors, each with one row per sample. */
  readonly tensors: readonly Tensor[];

  /** A dataset over `tensors`, which must agree in their first dimension. */
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error("TensorDataset needs at least one tensor");
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) {
        throw new TypeError(`TensorDataset: tensors[${i}] must be a Tensor, got ${shown(t)}`);
      }
    });
    const n = tensors[0].shape[0];
    if (tensors.some((t) => t.ndim === 0 || t.shape[0] !== n)) {
      throw new Error(
        `Size mismatch between tensors: first dimensions [${tensors.map((t) => t.shape[0])}] must be equal`,
      );
    }
    this.tensors = tensors;
  }

  /** The number of samples. */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Row `index` of every tensor. */
  get(index: number): Tensor[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`index ${index} is out of range for a dataset of ${this.length} samples`);
    }
    return this.tensors.map((t) => t.narrow(0, index, 1).squeeze(0));
  }

  /**
   * Rows `indices` of every tensor.
   *
   * @example
   * ```ts
   * import { TensorDataset } from "@gradstep/gradstep/data";
   * import { arange, tensor } from "@gradstep/gradstep";
   * const data = new TensorDataset(arange(12).reshape([6, 2]), tensor([0, 1, 0, 1, 0, 1], { dtype: "int32" }));
   * const [x, y] = data.getBatch(new Int32Array([4, 1])); // [[8, 9], [2, 3]] and [0, 1]
   * ```
   */
  getBatch(indices: Int32Array): Tensor[] {
    checkBatchIndices(indices, this.length, `a dataset of ${this.length} samples`);
    const index = tensor(indices, { device: this.tensors[0].device });
    return this.tensors.map((t) => indexSelect(t, 0, index));
  }
}
