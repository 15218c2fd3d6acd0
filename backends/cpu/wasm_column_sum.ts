/**
 * Column sums of float32 rows in WebAssembly SIMD (a bias's or a LayerNorm weight's gradient: [rows, cols] summed
 * over the rows): four rows at a time through the memory, two columns at a time widened to float64 and added
 * into their float64 sums (loaded once and stored once per four rows), so each column is summed in the order the JavaScript loop of reduce.ts takes, with the same
 * float64 results. The later half of the columns runs on the helper thread (wasm_helper.ts) when the work is
 * large; the two halves write different sums, so nothing is combined.
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";
import { sharedArena } from "./wasm_arena.ts";
import { countedLoop, HAS_SIMD, I32, moduleOf, op, seq, whileBelow } from "./wasm_asm.ts";
import { moduleId, runSplit, sharedHelper } from "./wasm_helper.ts";

/** Sums of at least this many elements are split with the helper thread. */
const SHARED_MIN = 1 << 16;

// Parameters: the first row's first column, rows, bytes from one row to the next, columns (even), the first
// float64 sum (all zero at the start), the rows less their count mod 4; locals: the row, the column, the data and
// sum addresses.
const [SRC, ROWS, ROW_BYTES, COLS, ACC, ROWS4] = [0, 1, 2, 3, 4, 5];
const [R, C, P, A] = [6, 7, 8, 9];

/** One row block: `count` rows (1 or 4) from the row R added, in order, into every pair of sums. */
function rowBlock(count: number): number[] {
  // sums[pair] = (((sums[pair] + row 0) + row 1) + row 2) + row 3: one load and one store of the sums per block.
  const rowAt = (k: number): number[] =>
    k === 0 ? op.get(P) : seq(op.get(P), op.get(ROW_BYTES), op.i32(k), op.i32Mul, op.i32Add);
  const pair = seq(
    op.get(A),
    seq(op.get(A), op.v128Load(0)),
    ...Array.from(
      { length: count },
      (_, k) => seq(rowAt(k), op.v128Load64Splat(0), op.f64x2PromoteLow, op.f64x2Add),
    ),
    op.v128Store(0),
    seq(op.get(P), op.i32(8), op.i32Add, op.set(P)),
    seq(op.get(A), op.i32(16), op.i32Add, op.set(A)),
  );
  return seq(
    seq(op.get(SRC), op.get(R), op.get(ROW_BYTES), op.i32Mul, op.i32Add, op.set(P)),
    seq(op.get(ACC), op.set(A)),
    countedLoop(C, COLS, 2, pair),
  );
}

function code(): number[] {
  // Blocks of four rows up to ROWS4 (the rows less their count mod 4), then one at a time.
  return seq(op.i32(0), op.set(R), whileBelow(R, ROWS4, 4, rowBlock(4)), whileBelow(R, ROWS, 1, rowBlock(1)));
}

/**
 * Stores into `out` from `at` the sums of `cols` columns over `rows` rows of `src` (row i's column j at element
 * p + i·rowStride + j); false, doing nothing, unless `src` is a float32 array in the arena.
 */
export type SimdColumnSum = (
  src: TypedArray,
  p: number,
  shape: { rows: number; cols: number; rowStride: number },
  out: TypedArray,
) => boolean;

/**
 * The SIMD column sum, or null where WebAssembly SIMD is unavailable.
 *
 * @example
 * ```ts
 * import { simdColumnSum } from "./wasm_column_sum.ts";
 * import { sharedArena } from "./wasm_arena.ts";
 * const arena = sharedArena();
 * const src = new Float32Array(arena.buffer, arena.alloc(64)!, 16).fill(1); // [4, 4] of ones
 * const out = new Float32Array(4);
 * simdColumnSum()?.(src, 0, { rows: 4, cols: 4, rowStride: 4 }, out);
 * console.log(out); // Float32Array [4, 4, 4, 4]
 * ```
 */
export function simdColumnSum(): SimdColumnSum | null {
  if (!HAS_SIMD) return null;
  const arena = sharedArena();
  const bytes = moduleOf("kernel", 6, [[4, I32]], code());
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: arena.memory } }).exports
    .kernel as (...args: number[]) => void;
  const kernel = { id: moduleId(), bytes, run: (args: readonly number[]) => run(...args) };
  let sums = { at: -1, bytes: 0 };
  return (src, p, { rows, cols, rowStride }, out) => {
    if (!(src instanceof Float32Array) || !arena.owns(src)) return false;
    const pairs = cols - (cols % 2);
    if (sums.bytes < pairs * 8) {
      if (sums.at >= 0) arena.free(sums.at, sums.bytes);
      const size = Math.max(pairs * 8, 2 * sums.bytes);
      const at = arena.alloc(size, false);
      if (at === null) return false;
      sums = { at, bytes: size };
    }
    new Float64Array(arena.buffer, sums.at, pairs).fill(0);
    const from = src.byteOffset + p * 4;
    const args = (
      c0: number,
      c1: number,
    ): number[] => [
      from + c0 * 4,
      rows,
      rowStride * 4,
      c1 - c0,
      sums.at + c0 * 8,
      rows - (rows % 4),
    ];
    const helper = rows * pairs >= SHARED_MIN && pairs >= 16 ? sharedHelper() : null;
    if (helper === null) run(...args(0, pairs));
    else {
      // Halves on a 64-byte line of the sums, so the two threads never write the same line.
      const half = Math.floor(pairs / 16) * 8;
      runSplit(helper, kernel, args(0, half), args(half, pairs));
    }
    out.set(new Float64Array(arena.buffer, sums.at, pairs));
    // An odd last column here, in the same order.
    for (let j = pairs; j < cols; j++) {
      let acc = 0;
      for (let i = 0; i < rows; i++) acc += src[p + i * rowStride + j];
      out[j] = acc;
    }
    return true;
  };
}
