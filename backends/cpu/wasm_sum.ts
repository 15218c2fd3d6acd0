/**
 * Long float32 sums in WebAssembly SIMD: each float32 widened to float64 and added into four float64 partial sums
 * (positions 0, 1, 2, 3 modulo 4), which are added at the end — float64 accumulation as reduce.ts's JavaScript
 * loop does, in another order. Rows stream through the module's memory in cache-sized chunks.
 *
 * @module
 */
import { countedLoop, HAS_SIMD, I32, MAX_PAGES, moduleOf, op, seq, V128 } from "./wasm_asm.ts";

/** Elements per chunk (a multiple of 4). */
const CHUNK = 16384;
/** Where the chunk starts; the partial sums are stored at byte 0. */
const DATA = 64;

// Parameter 0: bytes of data to add; local 1: the byte position; locals 2, 3: the partial sums (lanes 0–1, 2–3).
function code(): number[] {
  const accumulate = (acc: number, offset: number): number[] =>
    seq(op.get(acc), op.get(1), op.v128Load(DATA + offset), op.f64x2PromoteLow, op.f64x2Add, op.set(acc));
  const lanes = (acc: number): number[] =>
    seq(op.get(acc), op.f64x2Lane(0), op.get(acc), op.f64x2Lane(1), op.f64Add);
  return seq(
    op.v128Zero,
    op.set(2),
    op.v128Zero,
    op.set(3),
    countedLoop(1, 0, 16, seq(accumulate(2, 0), accumulate(3, 8))),
    // sums[0] = (lane 0 + lane 1 of the first) + (lane 0 + lane 1 of the second)
    seq(op.i32(0), lanes(2), lanes(3), op.f64Add, op.f64Store(0)),
  );
}

/** Sums `n` contiguous float32 elements from `p`, or null where the engine has no WebAssembly SIMD. */
export type SimdSum = (src: Float32Array, p: number, n: number) => number;

/**
 * The SIMD sum, or null where WebAssembly SIMD is unavailable.
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
  const memory = new WebAssembly.Memory({
    initial: Math.ceil((DATA + CHUNK * 4) / 65536),
    maximum: MAX_PAGES,
    shared: true,
  });
  const bytes = moduleOf("sum", 1, [[1, I32], [2, V128]], code());
  const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } }).exports
    .sum as (bytes: number) => void;
  const data = new Float32Array(memory.buffer, DATA, CHUNK);
  const result = new Float64Array(memory.buffer, 0, 1);
  return (src, p, n) => {
    let total = 0;
    for (let start = 0; start < n; start += CHUNK) {
      const length = Math.min(CHUNK, n - start);
      const whole = length - (length % 4);
      data.set(src.subarray(p + start, p + start + whole));
      run(whole * 4);
      total += result[0];
      for (let i = start + whole; i < start + length; i++) total += src[p + i];
    }
    return total;
  };
}
