/**
 * The CPU matrix product: operands packed into float64 panels (A row-major, B transposed, rows padded with a zero
 * to an even length), then a register-blocked kernel computes 2×4 dot products at a time, accumulating in float64
 * and rounding once on store. The blocks run in WebAssembly SIMD where the engine has it (wasm_matmul.ts); the
 * JavaScript kernel here is the reference and does the edges (the last odd row, the last n % 4 columns).
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";
import { wasmMatmul } from "./wasm_matmul.ts";

/** Which kernel computes the 2×4 blocks: WebAssembly SIMD, or the JavaScript reference. */
export type MatmulKernel = "simd" | "js";

const simd = wasmMatmul();

/** The kernel `matmulCpu` uses unless told otherwise: SIMD where the engine has it. */
export const DEFAULT_MATMUL_KERNEL: MatmulKernel = simd === null ? "js" : "simd";

let jsPanels: Float64Array = new Float64Array(0);

/** Copies the [rows, cols] matrix at `offset` with strides (rs, cs) into `dst` from `at`, rows `stride` apart. */
function pack(
  src: TypedArray,
  offset: number,
  rows: number,
  cols: number,
  rs: number,
  cs: number,
  dst: Float64Array,
  at: number,
  stride: number,
): void {
  for (let r = 0; r < rows; r++) {
    const from = offset + r * rs;
    const to = at + r * stride;
    if (cs === 1) { for (let c = 0; c < cols; c++) dst[to + c] = src[from + c]; }
    else for (let c = 0; c < cols; c++) dst[to + c] = src[from + c * cs];
    for (let c = cols; c < stride; c++) dst[to + c] = 0;
  }
}

/** C[i, j] = A[i] · Bt[j] for rows i in [i0, i1) and columns j in [j0, j1), panels in `mem`, rows `kp` long. */
function dots(
  mem: Float64Array,
  a: number,
  bt: number,
  c: number,
  n: number,
  kp: number,
  [i0, i1]: [number, number],
  [j0, j1]: [number, number],
): void {
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      const ai = a + i * kp;
      const bj = bt + j * kp;
      let sum = 0;
      for (let p = 0; p < kp; p++) sum += mem[ai + p] * mem[bj + p];
      mem[c + i * n + j] = sum;
    }
  }
}

/** The JavaScript kernel: the 2×4 blocks of C[m2, n4] = A · Btᵀ, as the SIMD kernel computes them. */
function jsBlocks(
  mem: Float64Array,
  a: number,
  bt: number,
  c: number,
  m2: number,
  n4: number,
  n: number,
  kp: number,
): void {
  for (let i = 0; i < m2; i += 2) {
    const a0 = a + i * kp;
    const a1 = a0 + kp;
    const r0 = c + i * n;
    const r1 = r0 + n;
    for (let j = 0; j < n4; j += 4) {
      const b0 = bt + j * kp;
      const b1 = b0 + kp;
      const b2 = b1 + kp;
      const b3 = b2 + kp;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      for (let p = 0; p < kp; p++) {
        const y0 = mem[a0 + p];
        const y1 = mem[a1 + p];
        const x0 = mem[b0 + p];
        const x1 = mem[b1 + p];
        const x2 = mem[b2 + p];
        const x3 = mem[b3 + p];
        c00 += y0 * x0;
        c01 += y0 * x1;
        c02 += y0 * x2;
        c03 += y0 * x3;
        c10 += y1 * x0;
        c11 += y1 * x1;
        c12 += y1 * x2;
        c13 += y1 * x3;
      }
      mem[r0 + j] = c00;
      mem[r0 + j + 1] = c01;
      mem[r0 + j + 2] = c02;
      mem[r0 + j + 3] = c03;
      mem[r1 + j] = c10;
      mem[r1 + j + 1] = c11;
      mem[r1 + j + 2] = c12;
      mem[r1 + j + 3] = c13;
    }
  }
}

/**
 * Batched matrix product over strided views: `a` [batch, m, k] and `b` [batch, k, n] into contiguous `out`, the
 * 2×4 blocks computed by `kernel`.
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
  kernel: MatmulKernel = DEFAULT_MATMUL_KERNEL,
): void {
  const kp = k + (k % 2);
  const [pa, pbt, pc] = [0, m * kp, (m + n) * kp];
  const size = pc + m * n;
  let mem: Float64Array;
  if (kernel === "simd" && simd !== null) mem = simd.reserve(size);
  else {
    if (jsPanels.length < size) jsPanels = new Float64Array(Math.max(size, jsPanels.length * 2));
    mem = jsPanels;
  }
  const m2 = m - (m % 2);
  const n4 = n - (n % 4);
  for (let i = 0; i < batch; i++) {
    pack(a, aOffset + i * aStrides[0], m, k, aStrides[1], aStrides[2], mem, pa, kp);
    pack(b, bOffset + i * bStrides[0], n, k, bStrides[2], bStrides[1], mem, pbt, kp);
    if (kernel === "simd" && simd !== null) simd.run(pa, pbt, pc, m2, n4, n, kp);
    else jsBlocks(mem, pa, pbt, pc, m2, n4, n, kp);
    dots(mem, pa, pbt, pc, n, kp, [0, m2], [n4, n]);
    dots(mem, pa, pbt, pc, n, kp, [m2, m], [0, n]);
    out.set(mem.subarray(pc, pc + m * n), i * m * n);
  }
}
