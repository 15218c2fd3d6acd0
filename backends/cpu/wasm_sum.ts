/**
 * Long float32 sums (and row maxima and minima) in WebAssembly SIMD: each float32 widened to float64 and added into
 * sixteen float64 partial sums (eight float64x2 accumulators, so no add waits on the one before), added pairwise at
 * the end — float64 accumulation as reduce.ts's JavaScript loop does, in another order. Long reductions are split
 * with the helper thread on the other core (wasm_helper.ts).
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";
import { sharedArena } from "./wasm_arena.ts";
import { countedLoop, HAS_SIMD, I32, moduleOf, op, seq, V128, whileBelow } from "./wasm_asm.ts";
import { moduleId, runSplit, sharedHelper } from "./wasm_helper.ts";

/** Elements per chunk of the scratch block (a multiple of 4), for rows outside the arena. */
const CHUNK = 16384;
/** Where the chunk starts in the scratch block. */
const DATA = 64;
/**
 * Reductions over at least this many elements are split with the helper thread (wasm_helper.ts), by rows or, for
 * one row, by halves. Measured on a 2-core machine: a sum of 64k elements takes ~15 µs on one core, a helper job
 * costs a few µs, so from here the second core saves time.
 */
const SHARED_MIN = 1 << 16;

// Parameters 0–4: bytes of data per row (a multiple of 16), the first row's address, where to store the first
// result (the others follow), rows, bytes from one row to the next; local 5: the byte position; locals 6–13: the
// accumulators; local 14: the row; local 15: where the 64-byte steps end. Eight independent accumulators hide
// the latency of each add (one chain would wait on the last add every step).
const [POS, ACC, ROW, LIMIT] = [5, 6, 14, 15];
const LOCALS: [number, number][] = [[1, I32], [8, V128], [2, I32]];

/**
 * The code of a reduction of rows: `accumulators` locals from ACC start at `init`; `step(acc, offset)` folds the
 * data at POS + row + offset into acc; each 64-byte step covers `64 / width` steps of `width` bytes, each into
 * its own accumulator, and the last 16-byte pieces go into the first `16 / width`; `finish` leaves the row's
 * result on the stack, `store` writes it and `resultBytes` separate the results.
 */
function rowsCode(
  { width, init, step, finish, store, resultBytes }: {
    width: 8 | 16;
    init: number[];
    step: (acc: number, offset: number) => number[];
    finish: number[];
    store: number[];
    resultBytes: number;
  },
): number[] {
  const count = 64 / width;
  const at = (acc: number, offset: number): number[] =>
    seq(op.get(acc), op.get(POS), op.get(1), op.i32Add, step(acc, offset), op.set(acc));
  const row = seq(
    ...Array.from({ length: count }, (_, k) => seq(init, op.set(ACC + k))),
    seq(op.get(0), op.i32(-64), op.i32And, op.set(LIMIT)),
    op.i32(0),
    op.set(POS),
    whileBelow(POS, LIMIT, 64, seq(...Array.from({ length: count }, (_, k) => at(ACC + k, k * width)))),
    whileBelow(POS, 0, 16, seq(...Array.from({ length: 16 / width }, (_, k) => at(ACC + k, k * width)))),
    seq(op.get(2), finish, store),
    seq(op.get(1), op.get(4), op.i32Add, op.set(1), op.get(2), op.i32(resultBytes), op.i32Add, op.set(2)),
  );
  return countedLoop(ROW, 3, 1, row);
}

/** `combine` of accumulators ACC + from … ACC + from + count − 1, pairwise, left on the stack. */
function tree(from: number, count: number, combine: number[]): number[] {
  if (count === 1) return op.get(ACC + from);
  const half = count / 2;
  return seq(tree(from, half, combine), tree(from + half, half, combine), combine);
}

/**
 * The code of row sums: each float32 widened to float64 (8 bytes loaded, promoted to two float64 lanes) and added
 * into eight float64x2 partial sums, combined pairwise at the end and stored as a float64. Loads of 8 bytes never
 * pass the data's end (a row that ends where the memory ends must not trap).
 */
function sumCode(): number[] {
  return rowsCode({
    width: 8,
    init: op.v128Zero,
    step: (_, offset) => seq(op.v128Load64Splat(offset), op.f64x2PromoteLow, op.f64x2Add),
    finish: seq(
      tree(0, 8, op.f64x2Add),
      op.set(ACC),
      op.get(ACC),
      op.f64x2Lane(0),
      op.get(ACC),
      op.f64x2Lane(1),
      op.f64Add,
    ),
    store: op.f64Store(0),
    resultBytes: 8,
  });
}

/**
 * The code of the largest (`max`) or smallest values of rows, each result a float32: four f32x4 running extremes
 * per row, combined at the end. IEEE maximum and minimum throughout (Math.max's and Math.min's: NaN wins, +0 is
 * above −0), so the order the lanes take does not matter.
 */
function extremeCode(max: boolean): number[] {
  const [vector, scalar] = max ? [op.f32x4.max, op.f32Max] : [op.f32x4.min, op.f32Min];
  const start = new Float32Array(4).fill(max ? -Infinity : Infinity);
  const lane = (k: number): number[] => seq(op.get(ACC), op.f32x4Lane(k));
  return rowsCode({
    width: 16,
    init: op.v128Const([...new Uint8Array(start.buffer)]),
    step: (_, offset) => seq(op.v128Load(offset), vector),
    finish: seq(tree(0, 4, vector), op.set(ACC), lane(0), lane(1), scalar, lane(2), lane(3), scalar, scalar),
    store: op.f32Store(0),
    resultBytes: 4,
  });
}

/** Rows of a float32 array: its first element, row length, row count and the elements from one row to the next. */
export type Rows = [src: Float32Array, p: number, n: number, rows: number, stride: number];

/** Sums `n` contiguous float32 elements from `p`; `rows` sums many rows at once, `extremes` takes their maxima. */
export interface SimdSum {
  (src: Float32Array, p: number, n: number): number;
  /**
   * The sums of `rows` rows of `n` contiguous elements (n a multiple of 4), row r from element p + r·stride of
   * `src`, stored into `out` from `at`; false, doing nothing, unless `src` is in the arena.
   */
  rows(rows: Rows, out: TypedArray | Float64Array, at: number): boolean;
  /**
   * As `rows`, the largest (`max`) or smallest element of each row instead of its sum, with Math.max's and
   * Math.min's semantics (NaN wins, +0 above −0).
   */
  extremes(max: boolean, rows: Rows, out: TypedArray | Float64Array, at: number): boolean;
}

/** One reduction's module: run here, and known to the helper by its id and bytes. */
interface RowsKernel {
  id: number;
  bytes: Uint8Array;
  run: (bytes: number, at: number, result: number, rows: number, rowBytes: number) => void;
  /** Bytes per result: 8 (a float64 sum) or 4 (a float32 extreme). */
  resultBytes: 8 | 4;
  /** Two halves' results combined. */
  combine: (a: number, b: number) => number;
}

/**
 * The SIMD sum, or null where WebAssembly SIMD is unavailable. Rows in the arena (wasm_arena.ts) are summed where
 * they are (many rows in one call with `rows`); others stream through a scratch block in the arena. Long work is
 * shared with the helper thread: the later half of the rows, or of a single row.
 *
 * @example
 * ```ts
 * import { simdSum } from "./wasm_sum.ts";
 * const sum = simdSum();
 * console.log(sum?.(new Float32Array([1, 2, 3, 4, 5]), 0, 5)); // 15
 * ```
 */
export function simdSum(): SimdSum | null {
  if (!HAS_SIMD) return null;
  const arena = sharedArena();
  const kernelOf = (code: number[], resultBytes: 8 | 4, combine: RowsKernel["combine"]): RowsKernel => {
    const bytes = moduleOf("sum", 5, LOCALS, code);
    const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: arena.memory } })
      .exports
      .sum as RowsKernel["run"];
    return { id: moduleId(), bytes, run, resultBytes, combine };
  };
  const sumKernel = kernelOf(sumCode(), 8, (a, b) => a + b);
  const extremeKernels = [
    kernelOf(extremeCode(true), 4, Math.max),
    kernelOf(extremeCode(false), 4, Math.min),
  ];
  const scratch = arena.alloc(DATA + CHUNK * 4);
  if (scratch === null) return null;
  let results = { at: -1, rows: 0 };
  /**
   * Runs `kernel` over `count` rows of `n` elements (a multiple of 4) from byte `at`, `stride` bytes apart; the
   * results (float64 or float32) are at results.at. Returns false where the results block cannot be had.
   */
  const reduceRows = (kernel: RowsKernel, at: number, n: number, count: number, stride: number): boolean => {
    if (results.rows < Math.max(count, 2)) {
      if (results.at >= 0) arena.free(results.at, results.rows * 8);
      const size = Math.max(count, 2, 2 * results.rows);
      const block = arena.alloc(size * 8, false);
      if (block === null) return false;
      results = { at: block, rows: size };
    }
    const helper = n * count >= SHARED_MIN ? sharedHelper() : null;
    if (helper === null) {
      kernel.run(n * 4, at, results.at, count, stride);
      return true;
    }
    const run = (args: readonly number[]): void => kernel.run(args[0], args[1], args[2], args[3], args[4]);
    if (count > 1) {
      // The helper takes the later half of the rows.
      const half = Math.floor(count / 2);
      const later = results.at + half * kernel.resultBytes;
      runSplit(helper, { ...kernel, run }, [n * 4, at, results.at, half, stride], [
        n * 4,
        at + half * stride,
        later,
        count - half,
        stride,
      ]);
      return true;
    }
    // One row: the helper takes its later half (from a multiple of 4 elements), the halves are combined here.
    const half = Math.floor(n / 8) * 4;
    const second = results.at + kernel.resultBytes;
    runSplit(helper, { ...kernel, run }, [half * 4, at, results.at, 1, 0], [
      (n - half) * 4,
      at + half * 4,
      second,
      1,
      0,
    ]);
    const view = kernel.resultBytes === 8
      ? new Float64Array(arena.buffer, results.at, 2)
      : new Float32Array(arena.buffer, results.at, 2);
    view[0] = kernel.combine(view[0], view[1]);
    return true;
  };
  /** The float64 sum of `whole` (a multiple of 4) elements at byte `at` of the arena. */
  const sumAt = (at: number, whole: number): number => {
    if (!reduceRows(sumKernel, at, whole, 1, 0)) {
      throw new Error("The CPU backend's WebAssembly memory is full (4 GiB)");
    }
    return new Float64Array(arena.buffer, results.at, 1)[0];
  };
  /** Runs `kernel` over the rows, its results (float64 or float32) copied into `out` from `at`. */
  const overRows = (
    kernel: RowsKernel,
    [src, p, n, count, stride]: Rows,
    out: TypedArray | Float64Array,
    at: number,
  ): boolean => {
    if (!arena.owns(src) || !reduceRows(kernel, src.byteOffset + p * 4, n, count, stride * 4)) return false;
    const buffer = arena.buffer;
    out.set(
      kernel.resultBytes === 8
        ? new Float64Array(buffer, results.at, count)
        : new Float32Array(buffer, results.at, count),
      at,
    );
    return true;
  };
  const data = (): Float32Array => new Float32Array(arena.buffer, scratch + DATA, CHUNK);
  const sum = (src: Float32Array, p: number, n: number): number => {
    if (arena.owns(src)) {
      const whole = n - (n % 4);
      let total = sumAt(src.byteOffset + p * 4, whole);
      for (let i = p + whole; i < p + n; i++) total += src[i];
      return total;
    }
    let total = 0;
    for (let start = 0; start < n; start += CHUNK) {
      const length = Math.min(CHUNK, n - start);
      const whole = length - (length % 4);
      data().set(src.subarray(p + start, p + start + whole));
      total += sumAt(scratch + DATA, whole);
      for (let i = start + whole; i < start + length; i++) total += src[p + i];
    }
    return total;
  };
  return Object.assign(sum, {
    rows: (rows: Rows, out: TypedArray | Float64Array, at: number) => overRows(sumKernel, rows, out, at),
    extremes: (max: boolean, rows: Rows, out: TypedArray | Float64Array, at: number) =>
      overRows(extremeKernels[max ? 0 : 1], rows, out, at),
  });
}
