/**
 * The CPU matrix product: operands packed into float64 panels (A row-major, B transposed), then a register-blocked
 * kernel computes 2×4 dot products at a time, accumulating in float64 and rounding once on store.
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";

let packedA: Float64Array = new Float64Array(0);
let packedB: Float64Array = new Float64Array(0);

function grow(buf: Float64Array, length: number): Float64Array {
  return buf.length >= length ? buf : new Float64Array(Math.max(length, buf.length * 2));
}

/** Copies the [rows, cols] matrix at `offset` with strides (rs, cs) into `dst` row-major. */
function pack(
  src: TypedArray,
  offset: number,
  rows: number,
  cols: number,
  rs: number,
  cs: number,
  dst: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const from = offset + r * rs;
    const to = r * cols;
    if (cs === 1) { for (let c = 0; c < cols; c++) dst[to + c] = src[from + c]; }
    else for (let c = 0; c < cols; c++) dst[to + c] = src[from + c * cs];
  }
}

/** C[m, n] = A[m, k] · Bt[n, k]ᵀ, written to `out` at `base`. */
function kernel(
  A: Float64Array,
  Bt: Float64Array,
  out: TypedArray,
  base: number,
  m: number,
  n: number,
  k: number,
): void {
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  for (let i = 0; i < m2; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    const r0 = base + i * n;
    const r1 = r0 + n;
    for (let j = 0; j < n4; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      for (let p = 0; p < k; p++) {
        const y0 = A[a0 + p];
        const y1 = A[a1 + p];
        const x0 = Bt[b0 + p];
        const x1 = Bt[b1 + p];
        const x2 = Bt[b2 + p];
        const x3 = Bt[b3 + p];
        c00 += y0 * x0;
        c01 += y0 * x1;
        c02 += y0 * x2;
        c03 += y0 * x3;
        c10 += y1 * x0;
        c11 += y1 * x1;
        c12 += y1 * x2;
        c13 += y1 * x3;
      }
      out[r0 + j] = c00;
      out[r0 + j + 1] = c01;
      out[r0 + j + 2] = c02;
      out[r0 + j + 3] = c03;
      out[r1 + j] = c10;
      out[r1 + j + 1] = c11;
      out[r1 + j + 2] = c12;
      out[r1 + j + 3] = c13;
    }
  }
  // Edges: the last odd row and the last n % 4 columns, one dot product at a time.
  for (let i = 0; i < m; i++) {
    for (let j = i < m2 ? n4 : 0; j < n; j++) {
      const a = i * k;
      const b = j * k;
      let c = 0;
      for (let p = 0; p < k; p++) c += A[a + p] * Bt[b + p];
      out[base + i * n + j] = c;
    }
  }
}

/**
 * Batched matrix product over strided views: `a` [batch, m, k] and `b` [batch, k, n] into contiguous `out`.
 */
export function matmulCpu(
  a: TypedArray,
  aOffset: number,
  aStrides: readonly number[],
  b: TypedArray,
  bOffset: number,
  bStrides: readonly number[],
  out: TypedArray,
  batch: number,
  m: number,
  n: number,
  k: number,
): void {
  packedA = grow(packedA, m * k);
  packedB = grow(packedB, n * k);
  for (let i = 0; i < batch; i++) {
    pack(a, aOffset + i * aStrides[0], m, k, aStrides[1], aStrides[2], packedA);
    pack(b, bOffset + i * bStrides[0], n, k, bStrides[2], bStrides[1], packedB);
    kernel(packedA, packedB, out, i * m * n, m, n, k);
  }
}
