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
import { sharedArena } from "./wasm_arena.ts";
import { type CopyArgs, type KernelArgs, wasmMatmul } from "./wasm_matmul.ts";

/** Which kernel computes the 4×8 blocks: WebAssembly SIMD, or the JavaScript reference. */
export type MatmulKernel = "simd" | "js";

const simd = wasmMatmul();

/** The kernel `matmulCpu` uses unless told otherwise: SIMD where the engine has it. */
export const DEFAULT_MATMUL_KERNEL: MatmulKernel = simd === null ? "js" : "simd";

let jsScratch: Float32Array = new Float32Array(0);

/**
 * The memory `kernel` works in and where its scratch of at least `elements` elements starts (valid until the next
 * call): the arena for the SIMD kernel, the JavaScript kernel's own array otherwise.
 */
function reserve(kernel: MatmulKernel, elements: number): { mem: Float32Array; base: number } {
  if (kernel === "simd" && simd !== null) return simd.reserve(elements);
  if (jsScratch.length < elements) jsScratch = new Float32Array(Math.max(elements, jsScratch.length * 2));
  return { mem: jsScratch, base: 0 };
}

/**
 * The JavaScript kernel: the blocks of C = A · B as the SIMD kernel computes them, over `mem` in elements (the
 * arguments of wasm_matmul.ts's `run`). Each step adds the exact (float64) product to the float32 accumulator and
 * rounds to float32, as a fused multiply-add does (by way of float64, which differs only in rare ties).
 */
function jsKernel(
  mem: Float32Array,
  ...[a0, bsA, rsA, csA, b0, c0, ldc, mp, panels, k, batch, sA, sB, sC]: KernelArgs
): void {
  const acc = new Float32Array(32);
  for (let t = 0; t < batch; t++) {
    const [a, b, c] = [a0 + t * sA, b0 + t * sB, c0 + t * sC];
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

const align = (x: number): number => x + (-x & 3);

/**
 * Batched matrix product over strided views (strides non-negative): `a` [batch, m, k] and `b` [batch, k, n] into
 * contiguous `out` [batch, m, n], in float32, the 4×8 blocks computed by `kernel`. With the SIMD kernel, operands
 * in the arena are packed from where they are, A (rows contiguous, m a multiple of 4) read there in place and C
 * (m a multiple of 4, n of 8) written straight into `out`; every batch is one kernel call.
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
  const arena = sharedArena();
  /** Where `x` starts in the kernel's memory when the kernel can reach it there (the SIMD kernel, the arena). */
  const home = (x: TypedArray): number | null =>
    useSimd && x instanceof Float32Array && arena.owns(x) ? x.byteOffset / 4 : null;
  const [sA, rsA, csA] = aStrides;
  const [sB, rsB, csB] = bStrides;
  const [batchesA, batchesB] = [sA === 0 ? 1 : batch, sB === 0 ? 1 : batch];
  const mp = Math.ceil(m / 4) * 4, panels = Math.ceil(n / 8), ldc = panels * 8;
  const spanA = (m - 1) * rsA + (k - 1) * csA + 1, spanB = (k - 1) * rsB + (n - 1) * csB + 1;
  // Where the kernel reads A: in place, in blocks of 4 rows with 4 values per step, or in rows [mp, k].
  const modeA = csA === 1 ? "direct" : rsA === 1 ? "blocks" : "rows";
  const [bsA, rsKernel, csKernel] =
    { direct: [4 * rsA, rsA, 1], blocks: [4 * k, 1, 4], rows: [4 * k, k, 1] }[modeA];
  // An operand is packed from its own storage when no read passes its end (padding rows or columns otherwise
  // come from a copy followed by zeros); A is then read there outright, and C written into `out`.
  const [homeA, homeB, homeC] = [home(a), home(b), home(out)];
  const ownA = homeA !== null && (modeA === "rows" || m === mp);
  const ownB = homeB !== null && (csB !== 1 || n === ldc);
  const ownC = homeC !== null && m === mp && n === ldc;
  const sizeA = modeA === "direct" ? spanA + (mp - m) * rsA : mp * k;
  const sizeB = panels * k * 8;
  const at = { c: 0, b: 0, a: 0, rawA: 0, rawB: 0, end: 0 };
  at.b = align(ownC ? 0 : batch * mp * ldc);
  at.a = align(at.b + batchesB * sizeB);
  at.rawA = align(at.a + (modeA === "direct" && ownA ? 0 : batchesA * sizeA));
  at.rawB = align(at.rawA + (modeA === "direct" || ownA ? 0 : spanA + 4));
  at.end = at.rawB + (ownB ? 0 : spanB + 8);
  const { mem, base } = reserve(kernel, at.end);
  for (const key of ["c", "b", "a", "rawA", "rawB"] as const) at[key] += base;
  const copy = (...args: CopyArgs): void => useSimd ? simd.copy(...args) : jsCopy(mem, ...args);
  /** Copies `length` elements of `x` from `from` to element `to` of the kernel's memory, `slack` zeros after. */
  const load = (x: TypedArray, from: number, to: number, length: number, slack: number): void => {
    const start = home(x);
    if (start !== null) arena.copy(to * 4, (start + from) * 4, length * 4);
    else mem.set(x.subarray(from, from + length), to);
    mem.fill(0, to + length, to + length + slack);
  };
  for (let t = 0; t < batchesA && !(modeA === "direct" && ownA); t++) {
    const oa = aOffset + t * sA, packed = at.a + t * sizeA;
    if (modeA === "direct") {
      load(a, oa, packed, spanA, (mp - m) * rsA);
      continue;
    }
    const raw = ownA ? homeA + oa : at.rawA;
    if (!ownA) load(a, oa, raw, spanA, 4);
    if (modeA === "blocks") copy(4, raw, 4, csA, packed, 4 * k, 4, mp / 4, k);
    // The inner loop walks the source's smaller stride.
    else if (rsA < csA) copy(1, raw, csA, rsA, packed, 1, k, k, m);
    else copy(1, raw, rsA, csA, packed, k, 1, m, k);
  }
  for (let t = 0; t < batchesB; t++) {
    const ob = bOffset + t * sB, packed = at.b + t * sizeB;
    const raw = ownB ? homeB + ob : at.rawB;
    if (!ownB) load(b, ob, raw, spanB, 8);
    // Row by row of B, across the panels: the source is read in order.
    if (csB === 1) copy(8, raw, rsB, 8, packed, 8, 8 * k, k, panels);
    else {
      if (n % 8 !== 0) mem.fill(0, packed + (panels - 1) * k * 8, packed + panels * k * 8);
      for (let j = 0; j < n; j += 8) {
        const [src, dst, width] = [raw + j * csB, packed + j * k, Math.min(8, n - j)];
        if (rsB < csB) copy(1, src, csB, rsB, dst, 1, 8, width, k);
        else copy(1, src, rsB, csB, dst, 8, 1, k, width);
      }
    }
  }
  const [kernelA, strideA] = modeA === "direct" && ownA
    ? [homeA + aOffset, sA]
    : [at.a, sA === 0 ? 0 : sizeA];
  const [kernelC, ldcKernel, strideC] = ownC ? [homeC, n, m * n] : [at.c, ldc, mp * ldc];
  const args = [
    kernelA,
    bsA,
    rsKernel,
    csKernel,
    at.b,
    kernelC,
    ldcKernel,
    mp,
    panels,
    k,
    batch,
    strideA,
    sB === 0 ? 0 : sizeB,
    strideC,
  ] as const;
  if (useSimd) simd.run(...args);
  else jsKernel(mem, ...args);
  if (ownC) return;
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i += ldc === n ? m : 1) {
      const [from, rows] = [at.c + t * mp * ldc + i * ldc, ldc === n ? m : 1];
      if (homeC !== null) arena.copy((homeC + (t * m + i) * n) * 4, from * 4, rows * n * 4);
      else out.set(mem.subarray(from, from + rows * n), (t * m + i) * n);
    }
  }
}
