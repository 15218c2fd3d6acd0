/**
 * Transposing copies in WebAssembly SIMD: a contiguous [R, C] output from an input whose element (r, c) is at
 * r + c·sc (the input read down its columns, as `x.T.contiguous()` or `x.transpose(-2, -1).contiguous()` do). A
 * walk of the output in that order reads the input `sc` elements apart, one cache line per element; here 4×4
 * tiles are read as four vectors (four columns of the tile, each contiguous in the input), transposed in
 * registers with eight shuffles and stored as four rows of the output. Each pass over four output rows reads the
 * next 16 bytes of every input column of a block, so the input's cache lines are used whole over four passes.
 * The later half
 * of the rows runs on the helper thread (wasm_helper.ts) when the copy is large. Bits are moved, not values, so
 * NaN payloads and signed zeros are kept.
 *
 * @module
 */
import { sharedArena } from "./wasm_arena.ts";
import { countedLoop, HAS_SIMD, I32, moduleOf, op, seq, V128, whileBelow } from "./wasm_asm.ts";
import { moduleId, runSplit, sharedHelper } from "./wasm_helper.ts";

/**
 * Columns per block (a multiple of 4): one pass over four rows then reads this many input columns, each on its
 * own page when the input's columns are far apart, so the pages stay in the TLB and the lines in the L1 cache.
 */
const COLUMN_BLOCK = 128;
/** Copies of at least this many elements are split with the helper thread. */
const SHARED_MIN = 1 << 16;

// Parameters: the input's (0, 0) and the output's (0, 0) (byte addresses), the first and end row (multiples of
// 4), the columns (a multiple of 4), the input's column stride and the output's row stride in bytes. Locals: the
// row, the column, the input's and output's tile addresses, a moving address; the four loaded vectors and four
// half-transposed ones.
const [SRC, DST, BEGIN, END, COLS, SC, DR] = [0, 1, 2, 3, 4, 5, 6];
const [R, C, SP, DP, AT] = [7, 8, 9, 10, 11];
const V = [12, 13, 14, 15];
const T = [16, 17, 18, 19];

/** The shuffle of float32 lanes `lanes` (0–3 the first vector's, 4–7 the second's). */
function lanes(...picks: number[]): number[] {
  return op.i8x16Shuffle(picks.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
}

/** `local += by` over i32 locals. */
function bump(local: number, by: number): number[] {
  return seq(op.get(local), op.get(by), op.i32Add, op.set(local));
}

function code(): number[] {
  // v[k] = input column c + k at rows r … r + 3.
  const load = seq(
    seq(op.get(SP), op.set(AT)),
    ...V.map((v, k) => seq(k === 0 ? [] : bump(AT, SC), op.get(AT), op.v128Load(0), op.set(v))),
  );
  // t0 = v0[0] v1[0] v0[1] v1[1], t1 = v0[2] v1[2] v0[3] v1[3]; t2, t3 the same of v2, v3.
  const half = seq(
    ...[[0, 0], [0, 1], [2, 0], [2, 1]].map(([k, h], i) =>
      seq(op.get(V[k]), op.get(V[k + 1]), h === 0 ? lanes(0, 4, 1, 5) : lanes(2, 6, 3, 7), op.set(T[i]))
    ),
  );
  // Output row r + j = lane j of v0 … v3: rows 0, 1 from t0 and t2, rows 2, 3 from t1 and t3.
  const store = seq(
    seq(op.get(DP), op.set(AT)),
    ...[0, 1, 2, 3].map((j) =>
      seq(
        j === 0 ? [] : bump(AT, DR),
        op.get(AT),
        op.get(T[j < 2 ? 0 : 1]),
        op.get(T[j < 2 ? 2 : 3]),
        j % 2 === 0 ? lanes(0, 1, 4, 5) : lanes(2, 3, 6, 7),
        op.v128Store(0),
      )
    ),
  );
  const tile = seq(
    load,
    half,
    store,
    // The next tile: four input columns on, four output columns on.
    seq(op.get(SP), op.get(SC), op.i32(2), op.i32Shl, op.i32Add, op.set(SP)),
    seq(op.get(DP), op.i32(16), op.i32Add, op.set(DP)),
  );
  const rows = seq(
    seq(op.get(SRC), op.get(R), op.i32(2), op.i32Shl, op.i32Add, op.set(SP)),
    seq(op.get(DST), op.get(R), op.get(DR), op.i32Mul, op.i32Add, op.set(DP)),
    countedLoop(C, COLS, 4, tile),
  );
  return seq(op.get(BEGIN), op.set(R), whileBelow(R, END, 4, rows));
}

/**
 * Copies `rows` × `cols` float32 elements: output (r, c) at dst[dstOffset + r·dstRow + c] from
 * src[srcOffset + r + c·srcCol]. Returns false, doing nothing, unless both arrays are in the arena.
 */
export type SimdTranspose = (
  src: Float32Array,
  srcOffset: number,
  dst: Float32Array,
  dstOffset: number,
  shape: { rows: number; cols: number; srcCol: number; dstRow: number },
) => boolean;

/**
 * The transposing copy, or null where WebAssembly SIMD is unavailable.
 *
 * @example
 * ```ts
 * import { simdTranspose } from "./wasm_transpose.ts";
 * import { sharedArena } from "./wasm_arena.ts";
 * const arena = sharedArena();
 * const [a, b] = [arena.alloc(64)!, arena.alloc(64)!];
 * const src = new Float32Array(arena.buffer, a, 16).map((_, i) => i); // [4, 4] row-major
 * const dst = new Float32Array(arena.buffer, b, 16);
 * simdTranspose()?.(src, 0, dst, 0, { rows: 4, cols: 4, srcCol: 4, dstRow: 4 });
 * console.log(dst.subarray(0, 4)); // Float32Array [0, 4, 8, 12]
 * ```
 */
export function simdTranspose(): SimdTranspose | null {
  if (!HAS_SIMD) return null;
  const arena = sharedArena();
  const bytes = moduleOf("kernel", 7, [[5, I32], [8, V128]], code());
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: arena.memory } }).exports
    .kernel as (...args: number[]) => void;
  const kernel = { id: moduleId(), bytes, run: (args: readonly number[]) => run(...args) };
  return (src, srcOffset, dst, dstOffset, { rows, cols, srcCol, dstRow }) => {
    if (!arena.owns(src) || !arena.owns(dst)) return false;
    const [rows4, cols4] = [rows - (rows % 4), cols - (cols % 4)];
    if (rows4 > 0 && cols4 > 0) {
      const [from, to] = [src.byteOffset + srcOffset * 4, dst.byteOffset + dstOffset * 4];
      const helper = rows4 * cols4 >= SHARED_MIN ? sharedHelper() : null;
      const half = helper === null ? rows4 : Math.floor(rows4 / 8) * 4;
      // A block of columns at a time, all rows: its input columns' pages and cache lines stay at hand.
      for (let c = 0; c < cols4; c += COLUMN_BLOCK) {
        const width = Math.min(COLUMN_BLOCK, cols4 - c);
        const [at, into] = [from + c * srcCol * 4, to + c * 4];
        const args = (
          begin: number,
          end: number,
        ): number[] => [at, into, begin, end, width, srcCol * 4, dstRow * 4];
        if (helper === null) run(...args(0, rows4));
        else runSplit(helper, kernel, args(0, half), args(half, rows4));
      }
    }
    // The last rows and columns (fewer than 4) element by element, as bits.
    const [from, to] = [src, dst].map((a) => new Uint32Array(a.buffer, a.byteOffset, a.length));
    for (let r = 0; r < rows; r++) {
      for (let c = r < rows4 ? cols4 : 0; c < cols; c++) {
        to[dstOffset + r * dstRow + c] = from[srcOffset + r + c * srcCol];
      }
    }
    return true;
  };
}
