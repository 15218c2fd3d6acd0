/**
 * The CPU matrix product in float32: C = A · B computed 4 rows by 8 columns at a time, in the outer-product form
 * (each step of the shared dimension multiplies A's four values by one 8-wide row of B into 32 accumulators), each
 * product added to its accumulator with one rounding to float32, as a fused multiply-add. The blocks run in
 * WebAssembly SIMD where the engine has it (wasm_matmul.ts); the JavaScript kernel here is the reference and
 * computes the same blocks from the same scratch memory.
 *
 * Each operand's span (the part of its storage its view covers) is copied into the scratch memory in one piece,
 * then packed there where the kernel needs it: B always into column panels [⌈n/8⌉, k, 8]; A is read in place
 * when its rows are contiguous, packed into blocks [⌈m/4⌉, k, 4] when transposed, and into rows otherwise. Rows
 * past m and columns past n are padding, computed from whatever follows (the rest of the storage, or zeros) and
 * dropped: only C's valid part is copied out.
 *
 * @module
 */
import type { TypedArray } from "../../tensor/dtype.ts";
import { type CopyArgs, type KernelArgs, wasmMatmul } from "./wasm_matmul.ts";

/** Which kernel computes the 4×8 blocks: WebAssembly SIMD, or the JavaScript reference. */
export type MatmulKernel = "simd" | "js";

const simd = wasmMatmul();

/** The kernel `matmulCpu` uses unless told otherwise: SIMD where the engine has it. */
export const DEFAULT_MATMUL_KERNEL: MatmulKernel = simd === null ? "js" : "simd";

let jsScratch: Float32Array = new Float32Array(0);

/** Scratch of at least `elements` float32 elements for `kernel` (valid until the next call). */
function reserve(kernel: MatmulKernel, elements: number): Float32Array {
  if (kernel === "simd" && simd !== null) return simd.reserve(elements);
  if (jsScratch.length < elements) jsScratch = new Float32Array(Math.max(elements, jsScratch.length * 2));
  return jsScratch;
}

/**
 * The JavaScript kernel: the blocks of C = A · B as the SIMD kernel computes them, over `mem` in elements (the
 * arguments of wasm_matmul.ts's `run`). Each step adds the exact (float64) product to the float32 accumulator and
 * rounds to float32, as a fused multiply-add does (by way of float64, which differs only in rare ties).
 */
function jsKernel(mem: Float32Array, ...[a, bsA, rsA, csA, b, c, ldc, mp, panels, k]: KernelArgs): void {
  const acc = new Float32Array(32);
  for (let i = 0; i < mp; i += 4) {
    const row = a + (i / 4) * bsA;
    for (let j = 0; j < panels; j++) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const bp = b + (j * k + p) * 8;
        for (let r = 0; r < 4; r++) {
          const x = mem[row + r * rsA + p * csA];
          for (let q = 0; q < 8; q++) acc[r * 8 + q] += x * mem[bp + q];
        }
      }
      for (let r = 0; r < 4; r++) mem.set(acc.subarray(r * 8, r * 8 + 8), c + (i + r) * ldc + j * 8);
    }
  }
}

/** Copies unit (r, c) of [rows, cols], each `unit` elements, from src + r·srs + c·scs to dst + r·drs + c·dcs. */
function jsCopy(mem: Float32Array, ...[unit, src, srs, scs, dst, drs, dcs, rows, cols]: CopyArgs): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [from, to] = [src + r * srs + c * scs, dst + r * drs + c * dcs];
      for (let u = 0; u < unit; u++) mem[to + u] = mem[from + u];
    }
  }
}

/**
 * Batched matrix product over strided views (strides non-negative): `a` [batch, m, k] and `b` [batch, k, n] into
 * contiguous `out` [batch, m, n], in float32, the 4×8 blocks computed by `kernel`.
 *
 * @example
 * ```ts
 * import { matmulCpu } from "./matmul.ts";
 * const out = new Float32Array(4);
 * // [[1, 2], [3, 4]] · [[1, 0], [0, 1]]
 * matmulCpu(new Float32Array([1, 2, 3, 4]), 0, [4, 2, 1], new Float32Array([1, 0, 0, 1]), 0, [4, 2, 1], out, 1, 2, 2, 2);
 * console.log(out); // Float32Array [1, 2, 3, 4]
 * ```
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
  if (k === 0 || m * n === 0) {
    out.fill(0, 0, batch * m * n);
    return;
  }
  const useSimd = kernel === "simd" && simd !== null;
  const [, rsA, csA] = aStrides;
  const [, rsB, csB] = bStrides;
  const mp = Math.ceil(m / 4) * 4, panels = Math.ceil(n / 8), ldc = panels * 8;
  const spanA = (m - 1) * rsA + (k - 1) * csA + 1, spanB = (k - 1) * rsB + (n - 1) * csB + 1;
  // Where the kernel reads A: in place, in blocks of 4 rows with 4 values per step, or in rows [mp, k].
  const modeA = csA === 1 ? "direct" : rsA === 1 ? "blocks" : "rows";
  const [bsA, rsKernel, csKernel] =
    { direct: [4 * rsA, rsA, 1], blocks: [4 * k, 1, 4], rows: [4 * k, k, 1] }[modeA];
  const align = (x: number): number => x + (-x & 3);
  const at = { c: 0, b: align(mp * ldc), a: 0, rawA: 0, rawB: 0 };
  at.a = align(at.b + panels * k * 8);
  at.rawA = align(at.a + (modeA === "direct" ? spanA + (mp - m) * rsA : mp * k));
  at.rawB = align(at.rawA + (modeA === "direct" ? 0 : spanA + 4));
  const mem = reserve(kernel, at.rawB + spanB + 8);
  const copy = (...args: CopyArgs): void => useSimd ? simd.copy(...args) : jsCopy(mem, ...args);
  for (let t = 0; t < batch; t++) {
    const oa = aOffset + t * aStrides[0], ob = bOffset + t * bStrides[0];
    const [toA, slackA] = modeA === "direct" ? [at.a, (mp - m) * rsA] : [at.rawA, 4];
    mem.set(a.subarray(oa, oa + spanA), toA);
    mem.fill(0, toA + spanA, toA + spanA + slackA);
    if (modeA === "blocks") copy(4, at.rawA, 4, csA, at.a, 4 * k, 4, mp / 4, k);
    else if (modeA === "rows") {
      // The inner loop walks the source's smaller stride.
      if (rsA < csA) copy(1, at.rawA, csA, rsA, at.a, 1, k, k, m);
      else copy(1, at.rawA, rsA, csA, at.a, k, 1, m, k);
    }
    mem.set(b.subarray(ob, ob + spanB), at.rawB);
    mem.fill(0, at.rawB + spanB, at.rawB + spanB + 8);
    // Row by row of B, across the panels: the source is read in order.
    if (csB === 1) copy(8, at.rawB, rsB, 8, at.b, 8, 8 * k, k, panels);
    else {
      if (n % 8 !== 0) mem.fill(0, at.b + (panels - 1) * k * 8, at.b + panels * k * 8);
      for (let j = 0; j < n; j += 8) {
        const [src, dst, width] = [at.rawB + j * csB, at.b + j * k, Math.min(8, n - j)];
        if (rsB < csB) copy(1, src, csB, rsB, dst, 1, 8, width, k);
        else copy(1, src, rsB, csB, dst, 8, 1, k, width);
      }
    }
    const args = [at.a, bsA, rsKernel, csKernel, at.b, at.c, ldc, mp, panels, k] as const;
    if (useSimd) simd.run(...args);
    else jsKernel(mem, ...args);
    if (ldc === n) out.set(mem.subarray(at.c, at.c + m * n), t * m * n);
    else {
      for (let i = 0; i < m; i++) out.set(mem.subarray(at.c + i * ldc, at.c + i * ldc + n), (t * m + i) * n);
    }
  }
}
