/**
 * The arena: one shared WebAssembly memory that holds the CPU backend's large float32 buffers, so the SIMD kernels
 * read and write tensors where they are instead of copying them in and out of their own memory. A shared memory
 * grows without detaching its earlier buffers, so every typed array handed out stays valid as the arena grows.
 *
 * Blocks are carved from the top and given back to a free list that merges neighbours; a block that reaches the
 * top lowers it. A request takes the free block of its exact size freed last, else the top while the memory has
 * room, else the smallest free block that holds it, else grows the memory: training allocates the same sizes
 * step after step, and the block freed last is the one likeliest still in cache. Memory the arena has taken is kept for reuse (like the backend's pool of freed arrays), not
 * returned to the system.
 *
 * @module
 */
import { I32, MAX_PAGES, moduleOf, op, seq } from "./wasm_asm.ts";

/** Bytes a WebAssembly page holds. */
const PAGE = 65536;
/** Every block starts at, and is a whole number of, these bytes. */
const ALIGN = 64;

/**
 * A block allocator over a shared WebAssembly memory.
 *
 * @example
 * ```ts
 * import { Arena } from "./wasm_arena.ts";
 * const arena = new Arena(16);
 * const at = arena.alloc(4096);
 * if (at !== null) {
 *   const xs = new Float32Array(arena.buffer, at, 1024); // zeroed
 *   arena.free(at, 4096);
 * }
 * ```
 */
export class Arena {
  /** The memory the kernels import. */
  readonly memory: WebAssembly.Memory;
  #buffer: SharedArrayBuffer;
  /** Every buffer object the memory has had: arrays made before a growth keep the one they were made on. */
  #buffers = new WeakSet<ArrayBufferLike>();
  /** Where the untouched top begins: blocks are carved from here. */
  #top = ALIGN;
  /** Bytes at and above this were never handed out, so they are still zero. */
  #clean = ALIGN;
  /** Free blocks: start → size, end → start, and size → starts for an exact fit. */
  #starts = new Map<number, number>();
  #ends = new Map<number, number>();
  #sizes = new Map<number, number[]>();
  /** Zeroes `bytes` bytes from `at` (WebAssembly's memory.fill: faster than filling a shared typed array). */
  #zero: (at: number, bytes: number) => void;
  /** WebAssembly's memory.copy(to, from, bytes). */
  #copy: (to: number, from: number, bytes: number) => void;

  /** An arena that may grow to `maxPages` pages of 64 KiB. */
  constructor(readonly maxPages: number = MAX_PAGES) {
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: maxPages, shared: true });
    // A shared memory's buffer is a SharedArrayBuffer; the DOM's lib types every memory's as ArrayBuffer.
    this.#buffer = this.memory.buffer as ArrayBufferLike as SharedArrayBuffer;
    this.#buffers.add(this.#buffer);
    const instance = (params: number, code: number[]): WebAssembly.Exports =>
      new WebAssembly.Instance(new WebAssembly.Module(moduleOf("f", params, [[0, I32]], code)), {
        env: { mem: this.memory },
      }).exports;
    this.#zero = instance(2, seq(op.get(0), op.i32(0), op.get(1), op.memoryFill)).f as (
      ...args: number[]
    ) => void;
    this.#copy = instance(3, seq(op.get(0), op.get(1), op.get(2), op.memoryCopy)).f as (
      ...args: number[]
    ) => void;
  }

  /**
   * Copies `bytes` bytes from address `from` to address `to` (overlap allowed). A shared typed array's `set`
   * copies word by word; this is the engine's memory copy, twice as fast.
   */
  copy(to: number, from: number, bytes: number): void {
    this.#copy(to, from, bytes);
  }

  /** The memory's buffer as it is now (later growth does not invalidate arrays made on it). */
  get buffer(): SharedArrayBuffer {
    return this.#buffer;
  }

  /** Whether `array` is a view of this arena's memory (its byte offset is then its address). */
  owns(array: ArrayBufferView): boolean {
    return this.#buffers.has(array.buffer);
  }

  /** Bytes the arena spans now: the blocks in use and the free ones below the top. */
  get span(): number {
    return this.#top;
  }

  /**
   * The byte address of a new block of at least `bytes` bytes, 64-byte aligned and zeroed unless `zeroed` is
   * false, or null when the arena cannot grow that far (the caller then allocates elsewhere).
   */
  alloc(bytes: number, zeroed = true): number | null {
    const size = Math.ceil(bytes / ALIGN) * ALIGN;
    const at = this.#takeExact(size) ?? this.#carve(size, false) ?? this.#takeFree(size) ??
      this.#carve(size, true);
    if (at === null) return null;
    if (zeroed && at < this.#clean) this.#zero(at, Math.min(size, this.#clean - at));
    this.#clean = Math.max(this.#clean, at + size);
    return at;
  }

  /** Gives back the block at `at` that {@link Arena.alloc} returned for `bytes` bytes. */
  free(at: number, bytes: number): void {
    let start = at, end = at + Math.ceil(bytes / ALIGN) * ALIGN;
    const before = this.#ends.get(start);
    if (before !== undefined) {
      this.#unlist(before);
      start = before;
    }
    const afterSize = this.#starts.get(end);
    if (afterSize !== undefined) {
      this.#unlist(end);
      end += afterSize;
    }
    if (end === this.#top) this.#top = start;
    else this.#list(start, end - start);
  }

  #list(start: number, size: number): void {
    this.#starts.set(start, size);
    this.#ends.set(start + size, start);
    const same = this.#sizes.get(size);
    if (same === undefined) this.#sizes.set(size, [start]);
    else same.push(start);
  }

  #unlist(start: number): void {
    const size = this.#starts.get(start)!;
    this.#starts.delete(start);
    this.#ends.delete(start + size);
    const same = this.#sizes.get(size)!;
    same.splice(same.lastIndexOf(start), 1);
    if (same.length === 0) this.#sizes.delete(size);
  }

  /** The free block of exactly `size` bytes freed last (the likeliest still in cache), if any. */
  #takeExact(size: number): number | null {
    const start = this.#sizes.get(size)?.at(-1);
    if (start === undefined) return null;
    this.#unlist(start);
    return start;
  }

  /** The smallest free block that holds `size` (the rest stays free), if any. */
  #takeFree(size: number): number | null {
    let best = -1, bestSize = Infinity;
    for (const [start, blockSize] of this.#starts) {
      if (blockSize > size && blockSize < bestSize) [best, bestSize] = [start, blockSize];
    }
    if (best < 0) return null;
    this.#unlist(best);
    this.#list(best + size, bestSize - size);
    return best;
  }

  /**
   * `size` bytes from the top, growing the memory if `grow` allows. The top is tried before the free blocks while
   * it needs no growth: what was freed at the top was used last.
   */
  #carve(size: number, grow: boolean): number | null {
    const end = this.#top + size;
    if (end > this.#buffer.byteLength) {
      if (!grow) return null;
      const [have, need] = [
        this.#buffer.byteLength / PAGE,
        Math.ceil((end - this.#buffer.byteLength) / PAGE),
      ];
      if (have + need > this.maxPages) return null;
      // A growth costs about half a millisecond whatever its size: grow by a quarter at least, so that a run
      // whose memory climbs (tensors left to the collector) grows a few dozen times rather than on every step.
      const pages = Math.min(Math.max(need, Math.ceil(have / 4)), this.maxPages - have);
      try {
        this.memory.grow(pages);
      } catch {
        try {
          this.memory.grow(need);
        } catch {
          return null; // the system refused the memory
        }
      }
      this.#buffer = this.memory.buffer as ArrayBufferLike as SharedArrayBuffer;
      this.#buffers.add(this.#buffer);
    }
    const at = this.#top;
    this.#top = end;
    return at;
  }
}

/** The arena every SIMD kernel and the CPU backend's large float32 buffers share, made on first use. */
let shared: Arena | undefined;

/**
 * The process's arena (wasm_arena.ts): the CPU backend allocates large float32 buffers in it, and the SIMD kernels
 * work on them in place.
 *
 * @example
 * ```ts
 * import { sharedArena } from "./wasm_arena.ts";
 * const at = sharedArena().alloc(4096);
 * ```
 */
export function sharedArena(): Arena {
  return shared ??= new Arena();
}
