/**
 * CPU reductions over the trailing dimensions of a strided view. Sums and products accumulate in float64 (long
 * float32 rows, and many rows of 16 or more, in WebAssembly SIMD: sixteen partial sums; column sums in SIMD too,
 * in the JavaScript loop's order) and round once on store; long reductions share the work with the helper thread;
 * max/min propagate NaN as PyTorch does; arg-reductions return the first position.
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";
import type { ReduceOp } from "../backend.ts";
import { collapse } from "../layout.ts";
import { simdSum } from "./wasm_sum.ts";
import { simdColumnSum } from "./wasm_column_sum.ts";

const simd = simdSum();
const columnSum = simdColumnSum();
/** Rows at least this long are summed in WebAssembly SIMD (wasm_sum.ts) when they are float32. */
const SIMD_SUM_MIN = 1024;
/** Many contiguous rows at least this long (and a multiple of 4) are summed in one SIMD call. */
const SIMD_ROWS_MIN = 16;

/** Every element offset of a strided shape, in row-major order. */
export function offsets(shape: readonly number[], strides: readonly number[]): Float64Array {
  let count = 1;
  for (const s of shape) count *= s;
  const result = new Float64Array(count);
  const idx = new Array(shape.length).fill(0);
  let p = 0;
  for (let i = 0; i < count; i++) {
    result[i] = p;
    for (let d = shape.length - 1; d >= 0; d--) {
      p += strides[d];
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
      p -= strides[d] * shape[d];
    }
  }
  return result;
}

/** The float64 sum of `n` contiguous elements from `p`. */
function sumRow(src: TypedArray, p: number, n: number): number {
  if (simd !== null && n >= SIMD_SUM_MIN && src instanceof Float32Array) return simd(src, p, n);
  let acc = 0;
  const end = p + n;
  for (let i = p; i < end; i++) acc += src[i];
  return acc;
}

/** The float64 sum of `n` elements from `p`, `s` apart. */
function sumStrided(src: TypedArray, p: number, n: number, s: number): number {
  let acc = 0;
  for (let j = 0; j < n; j++) acc += src[p + j * s];
  return acc;
}

/**
 * Sums of `rows` rows of `cols` elements into `out` (element j the sum of column j): rows `rowStride` apart,
 * columns adjacent. Row by row through the memory, each column's sum in the order the strided walk would take
 * (as wasm_column_sum.ts does in SIMD where the rows are float32 in the arena).
 */
function sumColumns(
  src: TypedArray,
  p: number,
  rows: number,
  rowStride: number,
  cols: number,
  out: TypedArray,
): void {
  const acc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const row = p + i * rowStride;
    for (let j = 0; j < cols; j++) acc[j] += src[row + j];
  }
  out.set(acc);
}

/**
 * The largest (or smallest) of `n` contiguous elements from `p` as Math.max (Math.min) folds them: NaN if any is
 * NaN, +0 above −0 — what the SIMD extremes of wasm_sum.ts compute.
 */
function extremeRow(src: TypedArray, p: number, n: number, wantMax: boolean): number {
  let best = wantMax ? -Infinity : Infinity;
  const end = p + n;
  if (wantMax) { for (let i = p; i < end; i++) best = Math.max(best, src[i]); }
  else for (let i = p; i < end; i++) best = Math.min(best, src[i]);
  return best;
}

/** Reduces the dimensions of `shape` from `outRank` on into the contiguous `out`. */
export function reduceCpu(
  op: ReduceOp,
  src: TypedArray,
  offset: number,
  strides: readonly number[],
  shape: readonly number[],
  outRank: number,
  out: TypedArray,
): void {
  const outer = collapse(shape.slice(0, outRank), [strides.slice(0, outRank)]);
  const red = collapse(shape.slice(outRank), [strides.slice(outRank)]);
  const bases = offsets(outer.shape, outer.strides[0]);
  const segments = offsets(red.shape.slice(0, -1), red.strides[0].slice(0, -1));
  const n = red.shape[red.shape.length - 1];
  const s = red.strides[0][red.strides[0].length - 1];
  const total = n * segments.length;
  // Over leading dimensions of outputs that lie side by side (a bias's gradient): a pass over the rows.
  const [across] = outer.strides[0];
  if (op === "sum" && outer.shape.length === 1 && across === 1 && segments.length === 1 && s !== 1) {
    if (columnSum?.(src, offset, { rows: n, cols: out.length, rowStride: s }, out)) return;
    return sumColumns(src, offset, n, s, out.length, out);
  }
  // Contiguous rows in the arena (a LayerNorm's, a softmax's): every row's whole vectors in one SIMD call, the
  // last few elements of each (rows not a multiple of 4 long) added here before rounding.
  const vectors = n - (n % 4);
  if (
    op === "sum" && simd !== null && src instanceof Float32Array && outer.shape.length === 1 &&
    segments.length === 1 && s === 1 && vectors >= SIMD_ROWS_MIN
  ) {
    const sums = vectors === n ? out : new Float64Array(out.length);
    if (simd.rows([src, offset + segments[0], vectors, out.length, across], sums, 0)) {
      if (sums === out) return;
      for (let o = 0; o < out.length; o++) {
        for (let j = offset + o * across + vectors; j < offset + o * across + n; j++) sums[o] += src[j];
      }
      out.set(sums);
      return;
    }
  }
  for (let o = 0; o < out.length; o++) {
    const base = offset + bases[o];
    if (op === "sum" || op === "prod") {
      let acc = op === "sum" ? 0 : 1;
      for (const seg of segments) {
        const p = base + seg;
        if (op === "prod") { for (let j = 0; j < n; j++) acc *= src[p + j * s]; }
        else acc += s === 1 ? sumRow(src, p, n) : sumStrided(src, p, n, s);
      }
      out[o] = acc;
      continue;
    }
    // max, min, argmax, argmin: a running best that NaN wins and keeps.
    const wantMax = op === "max" || op === "argmax";
    if ((op === "max" || op === "min") && segments.length === 1 && s === 1) {
      // Every row at once in SIMD where they are float32 in the arena, a multiple of 4 long.
      const rows = o === 0 && outer.shape.length === 1 && n % 4 === 0 && n >= SIMD_ROWS_MIN &&
        simd !== null &&
        src instanceof Float32Array;
      if (rows && simd.extremes(wantMax, [src, offset + segments[0], n, out.length, across], out, 0)) return;
      out[o] = extremeRow(src, base + segments[0], n, wantMax);
      continue;
    }
    let best = wantMax ? -Infinity : Infinity;
    let at = 0;
    let position = 0;
    scan: for (const seg of segments) {
      const p = base + seg;
      for (let j = 0; j < n; j++, position++) {
        const v = src[p + j * s];
        if (v !== v) {
          best = v;
          at = position;
          break scan;
        }
        if (wantMax ? v > best : v < best) {
          best = v;
          at = position;
        }
      }
    }
    out[o] = op === "argmax" || op === "argmin" ? (total === 0 ? 0 : at) : best;
  }
}
