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
import { anything, boolean, checkOptions, describe } from "../tensor/validation.ts";
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

/**
 * Where a {@link DataLoader} is in its data: what `stateDict()` returns and `loadStateDict()` takes, so that a
 * resumed run continues the interrupted epoch in the same order and then shuffles the next ones as the
 * uninterrupted run would. Plain numbers, so it survives JSON.
 */
export interface DataLoaderState {
  /** The dataset's length, checked on loading. */
  datasetLength: number;
  /** The batch size, checked on loading. */
  batchSize: number;
  /** Batches of the current epoch already handed out (0: no epoch in progress). */
  batch: number;
  /** The seed of the generator that made the current epoch's order (null when unshuffled or none began). */
  epochSeed: number | null;
  /** That generator's offset when it made the order. */
  epochOffset: number;
  /** The loader's own generator (seeded loaders), else null. */
  generator: { seed: number; offset: number } | null;
}

/** An epoch's order source and progress. */
interface Epoch {
  seed: number | null;
  offset: number;
  batch: number;
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
  #epoch: Epoch | null = null;
  #resume: Epoch | null = null;

  /** A loader over `dataset`. */
  constructor(readonly dataset: Dataset, options: DataLoaderOptions = {}) {
    const ok = typeof dataset === "object" && dataset !== null && typeof dataset.get === "function" &&
      Number.isInteger(dataset.length) && dataset.length >= 0;
    if (!ok) {
      throw new TypeError(
        `DataLoader expects a Dataset (an integer length >= 0 and a get(index) method), got ${
          describe(dataset)
        }`,
      );
    }
    // batchSize and seed are checked below, in PyTorch's words.
    const spec = { batchSize: anything, shuffle: boolean, dropLast: boolean, seed: anything };
    checkOptions("DataLoader", options, spec);
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

  /** The epoch to iterate next: the one a loaded state interrupted, else a new one (shuffled as it says). */
  #nextEpoch(): { epoch: Epoch; order: Int32Array } {
    const n = this.dataset.length;
    const resume = this.#resume;
    this.#resume = null;
    if (resume?.seed === null || (resume === null && !this.shuffle)) {
      return {
        epoch: resume ?? { seed: null, offset: 0, batch: 0 },
        order: Int32Array.from({ length: n }, (_, i) => i),
      };
    }
    if (resume !== null) {
      const generator = new Generator(resume.seed!);
      generator.offset = resume.offset;
      return { epoch: resume, order: generator.permutation(n) };
    }
    const generator = this.#generator ?? new Generator(defaultGenerator.words(1)[0]);
    const epoch = { seed: generator.seed, offset: generator.offset, batch: 0 };
    return { epoch, order: generator.permutation(n) };
  }

  /**
   * One epoch of batches, each a list of tensors (one per sample field). Every 100 ms it passes through the event
   * loop's timers so that tensors the training loop dropped return their memory (see `yieldToEventLoop`).
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Tensor[]> {
    const { epoch, order } = this.#nextEpoch();
    this.#epoch = epoch;
    let lastYield = performance.now();
    for (let b = epoch.batch; b < this.length; b++) {
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      const indices = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
      epoch.batch = b + 1;
      yield this.dataset.getBatch?.(indices) ?? collate([...indices].map((i) => this.dataset.get(i)));
    }
  }

  /**
   * Where the loader is: the current epoch's order and how many of its batches were handed out (a batch counts
   * once the loop has received it), and the loader's generator. Save it with a checkpoint (`save(path, {
   * dataLoader })` does) to resume mid-epoch.
   *
   * @example
   * ```ts
   * import { DataLoader, TensorDataset } from "@gradstep/gradstep/data";
   * import { arange } from "@gradstep/gradstep";
   * const loader = new DataLoader(new TensorDataset(arange(10)), { batchSize: 2, shuffle: true, seed: 0 });
   * for await (const [x] of loader) break; // one batch of the epoch handed out
   * const state = loader.stateDict();
   * const resumed = new DataLoader(new TensorDataset(arange(10)), { batchSize: 2, shuffle: true, seed: 0 });
   * resumed.loadStateDict(state);
   * for await (const [x] of resumed) console.log(await x.data()); // the epoch's last four batches
   * ```
   */
  stateDict(): DataLoaderState {
    const epoch = this.#resume ?? this.#epoch;
    const inProgress = epoch !== null && epoch.batch > 0 && epoch.batch < this.length;
    return {
      datasetLength: this.dataset.length,
      batchSize: this.batchSize,
      batch: inProgress ? epoch.batch : 0,
      epochSeed: inProgress ? epoch.seed : null,
      epochOffset: inProgress ? epoch.offset : 0,
      generator: this.#generator === undefined
        ? null
        : { seed: this.#generator.seed, offset: this.#generator.offset },
    };
  }

  /**
   * Restores a {@link DataLoader.stateDict}: the next iteration finishes the epoch it interrupted, and later ones
   * shuffle as the saved loader would have. Throws, changing nothing, when the state does not fit this loader
   * (another dataset length or batch size, a seeded state for an unseeded loader, malformed values).
   *
   * @example
   * ```ts
   * import { DataLoader, TensorDataset } from "@gradstep/gradstep/data";
   * import { arange } from "@gradstep/gradstep";
   * const loader = new DataLoader(new TensorDataset(arange(10)), { batchSize: 2, shuffle: true, seed: 0 });
   * for await (const [x] of loader) break;
   * const saved = JSON.stringify(loader.stateDict()); // e.g. in a checkpoint
   * const resumed = new DataLoader(new TensorDataset(arange(10)), { batchSize: 2, shuffle: true, seed: 0 });
   * resumed.loadStateDict(JSON.parse(saved)); // its next epoch hands out the four batches left
   * ```
   */
  loadStateDict(state: DataLoaderState): void {
    const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
    const problems: string[] = [];
    if (state === null || typeof state !== "object") {
      throw new TypeError(`DataLoader.loadStateDict() expects a DataLoader state dict, got ${state}`);
    }
    if (state.datasetLength !== this.dataset.length) {
      problems.push(
        `datasetLength is ${state.datasetLength}, expected this dataset's ${this.dataset.length}`,
      );
    }
    if (state.batchSize !== this.batchSize) {
      problems.push(`batchSize is ${state.batchSize}, expected this loader's ${this.batchSize}`);
    }
    if (!count(state.batch) || state.batch >= Math.max(this.length, 1)) {
      problems.push(`batch is ${state.batch}, expected an integer from 0 to ${this.length - 1}`);
    }
    if (!(state.epochSeed === null || count(state.epochSeed)) || !count(state.epochOffset)) {
      problems.push(
        `epochSeed ${state.epochSeed} and epochOffset ${state.epochOffset} are not a generator state`,
      );
    } else if (state.batch > 0 && (state.epochSeed === null) === this.shuffle) {
      problems.push(
        `epochSeed is ${state.epochSeed}, but this loader ${this.shuffle ? "shuffles" : "does not shuffle"}`,
      );
    }
    const g = state.generator;
    if (
      (g === null) !== (this.#generator === undefined) ||
      (g !== null && !(count(g?.seed) && count(g?.offset)))
    ) {
      problems.push(
        `generator is ${JSON.stringify(g)}, expected ${
          this.#generator === undefined ? "null (no seed option)" : "{ seed, offset }"
        }`,
      );
    }
    if (problems.length) throw new Error(`DataLoader.loadStateDict(): ${problems.join("; ")}`);
    if (g !== null) {
      this.#generator!.manualSeed(g.seed);
      this.#generator!.offset = g.offset;
    }
    this.#resume = state.batch > 0
      ? { seed: state.epochSeed, offset: state.epochOffset, batch: state.batch }
      : null;
  }
}
