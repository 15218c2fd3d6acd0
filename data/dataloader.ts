/**
 * The DataLoader: batches of a dataset, optionally shuffled, as `torch.utils.data.DataLoader`.
 *
 * @module
 */
import { tensor } from "../tensor/creation.ts";
import { yieldToEventLoop } from "../tensor/memory.ts";
import { defaultGenerator, Generator } from "../tensor/random.ts";
import { stack } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import type { Dataset, Sample } from "./dataset.ts";

/** How often iteration lets finalizers run, in milliseconds: a few ms each time, so at most a few percent. */
const YIELD_EVERY_MS = 100;

/** How a DataLoader batches. */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the samples every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Seed of the shuffling order; without it, each epoch's order comes from the default generator (`manualSeed`). */
  seed?: number;
}

const kindOf = (value: unknown): string => (value instanceof Tensor ? "tensor" : typeof value);

/**
 * Stacks each field of the samples: tensors along a new first dimension, numbers into a 1-D tensor (int32 when
 * all are integers, else float32).
 *
 * @example
 * ```ts
 * import { collate } from "@gradstep/gradstep/data";
 * import { randn } from "@gradstep/gradstep";
 * const [x, y] = collate([[randn([2]), 0], [randn([2]), 1]]); // x: [2, 2] float32, y: [2] int32
 * ```
 */
export function collate(samples: readonly Sample[]): Tensor[] {
  if (samples.length === 0) throw new Error("collate() expects at least one sample, got none");
  return samples[0].map((field, i) => {
    const kind = kindOf(field);
    const odd = samples.findIndex((s) => kindOf(s[i]) !== kind);
    if (odd >= 0) {
      throw new TypeError(
        `collate() expects field ${i} of every sample to be a ${kind} as in sample 0, ` +
          `but sample ${odd} has ${kindOf(samples[odd][i])}`,
      );
    }
    if (field instanceof Tensor) return stack(samples.map((s) => s[i] as Tensor));
    const values = samples.map((s) => s[i] as number);
    return tensor(values, { dtype: values.every(Number.isInteger) ? "int32" : "float32" });
  });
}

/**
 * Iterates a dataset in batches: `for await (const [x, y] of loader)`. `length` is the number of batches.
 *
 * @example
 * ```ts
 * import { DataLoader, TensorDataset } from "@gradstep/gradstep/data";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const loader = new DataLoader(new TensorDataset(randn([10, 2]), tensor(new Int32Array(10))), { batchSize: 4, shuffle: true, seed: 0 });
 * for await (const [x, y] of loader) console.log(x.shape, y.shape); // [4, 2] [4], [4, 2] [4], [2, 2] [2]
 * ```
 */
export class DataLoader {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch reshuffles. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is dropped. */
  readonly dropLast: boolean;
  readonly #generator: Generator | undefined;

  /** A loader over `dataset`. */
  constructor(readonly dataset: Dataset, options: DataLoaderOptions = {}) {
    this.batchSize = options.batchSize ?? 1;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0) {
      throw new RangeError(
        `batchSize should be a positive integer value, but got batchSize=${options.batchSize}`,
      );
    }
    const seed = options.seed;
    if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) {
      throw new RangeError(`seed should be a non-negative integer, but got seed=${seed}`);
    }
    this.#generator = seed === undefined ? undefined : new Generator(seed);
  }

  /** The number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The sample order of the next epoch. */
  #order(): Int32Array {
    const n = this.dataset.length;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    const generator = this.#generator ?? new Generator(defaultGenerator.words(1)[0]);
    return generator.permutation(n);
  }

  /**
   * One epoch of batches, each a list of tensors (one per sample field). Every 100 ms it passes through the event
   * loop's timers so that tensors the training loop dropped return their memory (see `yieldToEventLoop`).
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Tensor[]> {
    const order = this.#order();
    let lastYield = performance.now();
    for (let b = 0; b < this.length; b++) {
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      const indices = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
      yield this.dataset.getBatch?.(indices) ?? collate([...indices].map((i) => this.dataset.get(i)));
    }
  }
}
