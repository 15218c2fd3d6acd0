/**
 * Long float32 sums in WebAssembly SIMD: each float32 widened to float64 and added into four float64 partial sums
 * (positions 0, 1, 2, 3 modulo 4), which are added at the end — float64 accumulation as reduce.ts's JavaScript
 * loop does, in another order.
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";
import { sharedArena } from "./wasm_arena.ts";
import { countedLoop, HAS_SIMD, I32, moduleOf, op, seq, V128 } from "./wasm_asm.ts";

/** Elements per chunk of the scratch block (a multiple of 4), for rows outside the arena. */
const CHUNK = 16384;
/** Where the chunk starts in the scratch block; the sum is stored at its byte 0. */
const DATA = 64;

// Parameters 0–4: bytes of data to add per row, the first row's address, where to store the first sum (float64,
// the others follow), rows, bytes from one row to the next; local 5: the byte position; locals 6, 7: the partial
// sums (lanes 0–1, 2–3); local 8: the row. Each step loads 8 bytes twice, never past the data's end (a row that
// ends where the memory ends must not trap).
function code(): number[] {
  const accumulate = (acc: number, offset: number): number[] =>
    seq(
      op.get(acc),
      op.get(5),
      op.get(1),
      op.i32Add,
      op.v128Load64Splat(offset),
      op.f64x2PromoteLow,
      op.f64x2Add,
      op.set(acc),
    );
  const lanes = (acc: number): number[] =>
    seq(op.get(acc), op.f64x2Lane(0), op.get(acc), op.f64x2Lane(1), op.f64Add);
  const row = seq(
    op.v128Zero,
    op.set(6),
    op.v128Zero,
    op.set(7),
    countedLoop(5, 0, 16, seq(accumulate(6, 0), accumulate(7, 8))),
    // sum = (lane 0 + lane 1 of the first) + (lane 0 + lane 1 of the second)
    seq(op.get(2), lanes(6), lanes(7), op.f64Add, op.f64Store(0)),
    seq(op.get(1), op.get(4), op.i32Add, op.set(1), op.get(2), op.i32(8), op.i32Add, op.set(2)),
  );
  return countedLoop(8, 3, 1, row);
}

/**
 * The code of the largest (`max`) or smallest values of rows: parameters as the sum's, each result a float32; one
 * f32x4 running extreme per row, its lanes combined at the end. IEEE maximum and minimum throughout (Math.max's
 * and Math.min's: NaN wins, +0 is above −0), so the order the lanes take does not matter.
 */
function extremeCode(max: boolean): number[] {
  const [vector, scalar] = max ? [op.f32x4.max, op.f32Max] : [op.f32x4.min, op.f32Min];
  const start = new Float32Array(4).fill(max ? -Infinity : Infinity);
  const row = seq(
    op.v128Const([...new Uint8Array(start.buffer)]),
    op.set(6),
    countedLoop(5, 0, 16, seq(op.get(6), op.get(5), op.get(1), op.i32Add, op.v128Load(0), vector, op.set(6))),
    seq(op.get(2), op.get(6), op.f32x4Lane(0), op.get(6), op.f32x4Lane(1), scalar),
    seq(op.get(6), op.f32x4Lane(2), op.get(6), op.f32x4Lane(3), scalar, scalar, op.f32Store(0)),
    seq(op.get(1), op.get(4), op.i32Add, op.set(1), op.get(2), op.i32(4), op.i32Add, op.set(2)),
  );
  return countedLoop(8, 3, 1, row);
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

/**
 * The SIMD sum, or null where WebAssembly SIMD is unavailable. Rows in the arena (wasm_arena.ts) are summed where
 * they are (many rows in one call with `rows`); others stream through a scratch block in the arena.
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
  const bytes = moduleOf("sum", 5, [[1, I32], [2, V128], [1, I32]], code());
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: arena.memory } }).exports
    .sum as (bytes: number, at: number, result: number, rows: number, rowBytes: number) => void;
  const scratch = arena.alloc(DATA + CHUNK * 4);
  if (scratch === null) return null;
  const data = new Float32Array(arena.buffer, scratch + DATA, CHUNK);
  const result = new Float64Array(arena.buffer, scratch, 1);
  /** The sum of `whole` (a multiple of 4) elements at byte `at` of the arena. */
  const sumAt = (at: number, whole: number): number => {
    run(whole * 4, at, scratch, 1, 0);
    return result[0];
  };
  const extremeRuns = [true, false].map((max) =>
    new WebAssembly.Instance(
      new WebAssembly.Module(moduleOf("sum", 5, [[1, I32], [2, V128], [1, I32]], extremeCode(max))),
      { env: { mem: arena.memory } },
    ).exports.sum as typeof run
  );
  let results = { at: -1, rows: 0 };
  /** Runs `kernel` over the rows, its results (float64 or float32) copied into `out` from `at`. */
  const overRows = (
    kernel: typeof run,
    float64: boolean,
    [src, p, n, count, stride]: Rows,
    out: TypedArray | Float64Array,
    at: number,
  ): boolean => {
    if (!arena.owns(src)) return false;
    if (results.rows < count) {
      if (results.at >= 0) arena.free(results.at, results.rows * 8);
      const size = Math.max(count, 2 * results.rows);
      const block = arena.alloc(size * 8, false);
      if (block === null) return false;
      results = { at: block, rows: size };
    }
    kernel(n * 4, src.byteOffset + p * 4, results.at, count, stride * 4);
    const buffer = arena.buffer;
    out.set(
      float64 ? new Float64Array(buffer, results.at, count) : new Float32Array(buffer, results.at, count),
      at,
    );
    return true;
  };
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
      data.set(src.subarray(p + start, p + start + whole));
      total += sumAt(scratch + DATA, whole);
      for (let i = start + whole; i < start + length; i++) total += src[p + i];
    }
    return total;
  };
  return Object.assign(sum, {
    rows: (rows: Rows, out: TypedArray | Float64Array, at: number) => overRows(run, true, rows, out, at),
    extremes: (max: boolean, rows: Rows, out: TypedArray | Float64Array, at: number) =>
      overRows(extremeRuns[max ? 0 : 1], false, rows, out, at),
  });
}
