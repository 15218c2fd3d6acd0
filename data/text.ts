/**
 * Character-level text data, as nanoGPT's `shakespeare_char` preparation and its `get_batch`: a vocabulary of the
 * text's distinct characters in sorted order, the ids split into a leading training part and a validation rest,
 * and batches of random windows of `blockSize + 1` characters (inputs and the next characters as targets).
 *
 * @module
 */
import { Device, getDefaultDevice } from "../backends/device.ts";
import { tensor } from "../tensor/creation.ts";
import { defaultGenerator, Generator } from "../tensor/random.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { anything, arrayOf, checkOptions, instanceOf, number, shown, string } from "../tensor/validation.ts";

function checkIds(owner: string, ids: unknown): void {
  if (!(ids instanceof Int32Array)) {
    throw new TypeError(`${owner}: ids must be an Int32Array, got ${shown(ids)}`);
  }
}

/**
 * A character vocabulary: the distinct characters (Unicode code points) of a text, sorted by code point as
 * Python's `sorted(set(text))` sorts them, each character's id its position in that order.
 *
 * @example
 * ```ts
 * import { CharVocabulary } from "@gradstep/gradstep/data";
 * const vocab = CharVocabulary.fromText("hello world");
 * console.log(vocab.size, vocab.chars.join("")); // 8 " dehlorw"
 * const ids = vocab.encode("hold"); // Int32Array [3, 5, 4, 2]
 * console.log(vocab.decode(ids)); // "hold"
 * ```
 */
export class CharVocabulary {
  /** The characters, in id order. */
  readonly chars: readonly string[];
  readonly #ids: Map<string, number>;

  /** A vocabulary of `chars` (distinct characters; id i is chars[i]). */
  constructor(chars: readonly string[]) {
    arrayOf(string)("chars", chars);
    this.#ids = new Map(chars.map((c, i) => [c, i]));
    if (this.#ids.size !== chars.length) {
      throw new Error(
        `CharVocabulary: the characters must be distinct, got ${JSON.stringify(chars.join(""))}`,
      );
    }
    for (const c of chars) {
      if ([...c].length !== 1) {
        throw new Error(`CharVocabulary: each entry must be one character, got ${JSON.stringify(c)}`);
      }
    }
    this.chars = [...chars];
  }

  /** The vocabulary of every character in `text`, sorted by code point. */
  static fromText(text: string): CharVocabulary {
    string("text", text);
    const distinct = [...new Set(text)];
    distinct.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharVocabulary(distinct);
  }

  /** The number of characters (the model's vocabulary size). */
  get size(): number {
    return this.chars.length;
  }

  /** The ids of `text`'s characters; throws naming the first character not in the vocabulary. */
  encode(text: string): Int32Array {
    string("text", text);
    const out: number[] = [];
    let at = 0;
    for (const c of text) {
      const id = this.#ids.get(c);
      if (id === undefined) {
        throw new Error(
          `CharVocabulary.encode: character ${JSON.stringify(c)} at ${at} is not in the vocabulary`,
        );
      }
      out.push(id);
      at++;
    }
    return Int32Array.from(out);
  }

  /** The text of `ids`; throws naming the first id outside [0, size). */
  decode(ids: ArrayLike<number>): string {
    if (!Array.isArray(ids) && !ArrayBuffer.isView(ids)) {
      throw new TypeError(`CharVocabulary.decode: ids must be an array of ids, got ${shown(ids)}`);
    }
    let out = "";
    for (let i = 0; i < ids.length; i++) {
      const c = this.chars[ids[i]];
      if (c === undefined) {
        throw new RangeError(`CharVocabulary.decode: id ${ids[i]} at ${i} is out of range [0, ${this.size})`);
      }
      out += c;
    }
    return out;
  }
}

/** Options of {@link trainValSplit}. */
export interface TrainValSplitOptions {
  /** The share of the ids, from the start, that is training data (default 0.9, nanoGPT's). */
  trainFraction?: number;
}

/** The two parts of {@link trainValSplit}, views of the ids given. */
export interface TrainValSplit {
  /** The first ⌊n·trainFraction⌋ ids. */
  train: Int32Array;
  /** The rest. */
  val: Int32Array;
}

/**
 * Splits `ids` into the first ⌊n·trainFraction⌋ (training) and the rest (validation), as nanoGPT's
 * `data[:int(n*0.9)]` and `data[int(n*0.9):]`; the parts are views, not copies.
 *
 * @example
 * ```ts
 * import { CharVocabulary, trainValSplit } from "@gradstep/gradstep/data";
 * const text = "To be, or not to be, that is the question.";
 * const { train, val } = trainValSplit(CharVocabulary.fromText(text).encode(text));
 * console.log(train.length, val.length); // 37 5
 * ```
 */
export function trainValSplit(ids: Int32Array, options: TrainValSplitOptions = {}): TrainValSplit {
  checkIds("trainValSplit", ids);
  checkOptions("trainValSplit", options, { trainFraction: number });
  const { trainFraction = 0.9 } = options;
  if (!(trainFraction >= 0 && trainFraction <= 1)) {
    throw new RangeError(`trainValSplit: trainFraction must be in [0, 1], got ${trainFraction}`);
  }
  const n = Math.floor(ids.length * trainFraction);
  return { train: ids.subarray(0, n), val: ids.subarray(n) };
}

/** Options of {@link getBatch}. */
export interface GetBatchOptions {
  /** The number of windows (rows). */
  batchSize: number;
  /** The length T of each input window. */
  blockSize: number;
  /** Where the tensors are made (default: the default device). */
  device?: Device;
  /** The random stream of the window offsets (default: the global one seeded by `manualSeed`). */
  generator?: Generator;
}

/**
 * A batch of random windows of `ids`, as nanoGPT's `get_batch`: offsets i drawn uniformly from
 * [0, n − blockSize) and rows x = ids[i : i+T] and y = ids[i+1 : i+T+1] (the next character of each), returned
 * as int32 tensors [batchSize, blockSize] on `device`. The offsets come from gradstep's generator, so
 * `manualSeed` makes the batches reproducible (they are not PyTorch's `randint` stream).
 *
 * @example
 * ```ts
 * import { CharVocabulary, getBatch } from "@gradstep/gradstep/data";
 * import { manualSeed } from "@gradstep/gradstep";
 * const text = "First Citizen: Before we proceed any further, hear me speak.";
 * const ids = CharVocabulary.fromText(text).encode(text);
 * manualSeed(1337);
 * const [x, y] = getBatch(ids, { batchSize: 4, blockSize: 8 }); // int32 [4, 8] each; y is x shifted by one
 * ```
 */
export function getBatch(ids: Int32Array, options: GetBatchOptions): [Tensor, Tensor] {
  checkIds("getBatch", ids);
  checkOptions("getBatch", options, {
    batchSize: anything,
    blockSize: anything,
    device: instanceOf(Device),
    generator: instanceOf(Generator),
  });
  const { batchSize, blockSize, device = getDefaultDevice(), generator = defaultGenerator } = options;
  for (const [name, n] of [["batchSize", batchSize], ["blockSize", blockSize]] as const) {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`getBatch: ${name} must be a positive integer, got ${n}`);
    }
  }
  const range = ids.length - blockSize;
  if (range < 1) {
    throw new RangeError(
      `getBatch: the data has ${ids.length} ids, fewer than blockSize + 1 = ${blockSize + 1}`,
    );
  }
  const words = generator.words(batchSize);
  const x = new Int32Array(batchSize * blockSize);
  const y = new Int32Array(batchSize * blockSize);
  for (let b = 0; b < batchSize; b++) {
    const i = Math.floor((words[b] / 2 ** 32) * range);
    x.set(ids.subarray(i, i + blockSize), b * blockSize);
    y.set(ids.subarray(i + 1, i + 1 + blockSize), b * blockSize);
  }
  const shape = [batchSize, blockSize];
  return [tensor(x, { shape, device }), tensor(y, { shape, device })];
}
