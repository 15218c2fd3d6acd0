/**
 * Random numbers: a counter-based generator (Philox4x32-10), so a stream is a pure function of (seed, offset) —
 * the same numbers on every device, and a device kernel can produce them too.
 *
 * @module
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product of two uint32 values. */
function mulhi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lolo = aLo * bLo;
  const hilo = aHi * bLo;
  const lohi = aLo * bHi;
  const cross = (lolo >>> 16) + (hilo & 0xffff) + lohi;
  return (aHi * bHi + (hilo >>> 16) + Math.floor(cross / 0x10000)) >>> 0;
}

/**
 * One Philox4x32-10 block: four uint32 words from a 128-bit counter and a 64-bit key.
 *
 * @example
 * ```ts
 * import { philox4x32 } from "@gradstep/gradstep";
 * philox4x32([0, 0, 0, 0], [0, 0]); // the published test vector 6627e8d5 e169c58d bc57ac4c 9b00dbd8
 * ```
 */
export function philox4x32(counter: readonly number[], key: readonly number[]): Uint32Array {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return new Uint32Array([c0, c1, c2, c3]);
}

/**
 * A random stream: a seed and how many blocks of four words have been used. Equal seeds give equal streams.
 *
 * @example
 * ```ts
 * import { Generator } from "@gradstep/gradstep";
 * const g = new Generator(42);
 * const u = g.uniform(3); // three numbers in [0, 1)
 * ```
 */
export class Generator {
  #seed = 0;
  #offset = 0;

  /** A generator seeded with `seed` (a non-negative integer). */
  constructor(seed: number) {
    this.manualSeed(seed);
  }

  /**
   * Restarts the stream from `seed`; returns this.
   *
   * @example
   * ```ts
   * import { Generator } from "@gradstep/gradstep";
   * const g = new Generator(0);
   * const a = g.uniform(2);
   * const b = g.manualSeed(0).uniform(2); // equal to a: the stream restarted
   * ```
   */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`manualSeed() expects a non-negative safe integer, got ${seed}`);
    }
    this.#seed = seed;
    this.#offset = 0;
    return this;
  }

  /** The seed the stream started from. */
  get seed(): number {
    return this.#seed;
  }

  /** Blocks of the stream used so far; with the seed, the generator's whole state. */
  get offset(): number {
    return this.#offset;
  }
  set offset(value: number) {
    this.#offset = value;
  }

  /**
   * The next `count` uint32 words of the stream.
   *
   * @example
   * ```ts
   * import { Generator } from "@gradstep/gradstep";
   * const bits = new Generator(42).words(4); // four uint32 words of the Philox stream
   * ```
   */
  words(count: number): Uint32Array {
    const out = new Uint32Array(Math.ceil(count / 4) * 4);
    const key = [this.#seed >>> 0, Math.floor(this.#seed / 2 ** 32) >>> 0];
    for (let b = 0; b < out.length / 4; b++) {
      const n = this.#offset + b;
      out.set(philox4x32([n >>> 0, Math.floor(n / 2 ** 32) >>> 0, 0, 0], key), b * 4);
    }
    this.#offset += out.length / 4;
    return out.subarray(0, count);
  }

  /** `count` numbers uniform in [0, 1), each with 24 random bits (exact in float32). */
  uniform(count: number): Float64Array {
    const w = this.words(count);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = (w[i] >>> 8) * 2 ** -24;
    return out;
  }

  /**
   * `count` standard normal numbers (Box–Muller).
   *
   * @example
   * ```ts
   * import { Generator } from "@gradstep/gradstep";
   * const noise = new Generator(42).normal(1000); // mean ≈ 0, standard deviation ≈ 1
   * ```
   */
  normal(count: number): Float64Array {
    const w = this.words(count + (count % 2));
    const out = new Float64Array(count);
    for (let i = 0; i < count; i += 2) {
      const u1 = ((w[i] >>> 8) + 1) * 2 ** -24;
      const u2 = (w[i + 1] >>> 8) * 2 ** -24;
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  /**
   * A uniformly random permutation of 0 … n-1 (Fisher–Yates).
   *
   * @example
   * ```ts
   * import { Generator } from "@gradstep/gradstep";
   * const order = new Generator(42).permutation(5); // 0 … 4 in a random order
   * ```
   */
  permutation(n: number): Int32Array {
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const u = this.uniform(n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(u[i] * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    return perm;
  }
}

/** PyTorch's default seed, so unseeded programs are reproducible too. */
const DEFAULT_SEED = 67280421310721;

/**
 * The generator behind `rand`, `randn`, parameter initialisation and unseeded shuffling.
 *
 * @example
 * ```ts
 * import { defaultGenerator } from "@gradstep/gradstep";
 * console.log(defaultGenerator.seed);
 * ```
 */
export const defaultGenerator: Generator = new Generator(DEFAULT_SEED);

/**
 * Seeds the default generator: the same seed gives the same initial weights and data order on every device.
 *
 * @example
 * ```ts
 * import { manualSeed, rand } from "@gradstep/gradstep";
 * manualSeed(0);
 * const a = await rand([3]).data();
 * manualSeed(0);
 * const b = await rand([3]).data(); // equal to a
 * ```
 */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
