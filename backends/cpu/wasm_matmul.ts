/**
 * The CPU matrix product's inner kernel in WebAssembly SIMD: the same float64 arithmetic as the JavaScript kernel
 * in matmul.ts (products and sums in float64, rounded once on store), two elements of the shared dimension per
 * instruction, assembled at run time with wasm_asm.ts.
 *
 * It computes C[m2, n4] = A · Btᵀ over float64 panels in its own memory — A [m2, kp] and Bt [n4, kp] row-major,
 * kp even and the padding zero — as 2×4 blocks of dot products, each kept as two partial sums (even and odd
 * positions of the shared dimension) that are added at the end.
 *
 * @module
 */
import { countedLoop, HAS_SIMD, I32, MAX_PAGES, moduleOf, op, seq, V128 } from "./wasm_asm.ts";

// Parameters, then locals.
const [A, BT, C, M2, N4, N, KB] = [0, 1, 2, 3, 4, 5, 6];
const [I, J, P, A0, A1, CROW0, CROW1] = [7, 8, 9, 10, 11, 12, 13];
const B = [14, 15, 16, 17]; // rows j..j+3 of Bt
const ACC = [18, 19, 20, 21, 22, 23, 24, 25]; // acc[r * 4 + q]: row i + r, column j + q
const Y = [26, 27]; // A's two rows at p
const X = [28, 29, 30, 31]; // Bt's four rows at p

/** The code of kernel(a, bt, c, m2, n4, n, kb): byte pointers, block-covered sizes, C's row length, panel row bytes. */
function kernelBody(): number[] {
  const load = (row: number, into: number): number[] =>
    seq(op.get(row), op.get(P), op.i32Add, op.v128Load(0), op.set(into));
  const products = seq(load(A0, Y[0]), load(A1, Y[1]), ...B.map((b, q) => load(b, X[q])));
  const sums: number[][] = [];
  for (let r = 0; r < 2; r++) {
    for (let q = 0; q < 4; q++) {
      const acc = ACC[r * 4 + q];
      products.push(...seq(op.get(acc), op.get(Y[r]), op.get(X[q]), op.f64x2Mul, op.f64x2Add, op.set(acc)));
      sums.push(
        seq(op.get(r === 0 ? CROW0 : CROW1), op.get(J), op.i32(3), op.i32Shl, op.i32Add),
        seq(op.get(acc), op.f64x2Lane(0), op.get(acc), op.f64x2Lane(1), op.f64Add, op.f64Store(q * 8)),
      );
    }
  }
  const block = seq(
    seq(op.get(BT), op.get(J), op.get(KB), op.i32Mul, op.i32Add, op.set(B[0])),
    ...[1, 2, 3].map((q) => seq(op.get(B[q - 1]), op.get(KB), op.i32Add, op.set(B[q]))),
    ...ACC.map((acc) => seq(op.v128Zero, op.set(acc))),
    countedLoop(P, KB, 16, products),
    ...sums,
  );
  const rows = seq(
    seq(op.get(A), op.get(I), op.get(KB), op.i32Mul, op.i32Add, op.set(A0)),
    seq(op.get(A0), op.get(KB), op.i32Add, op.set(A1)),
    seq(op.get(C), op.get(I), op.get(N), op.i32Mul, op.i32(3), op.i32Shl, op.i32Add, op.set(CROW0)),
    seq(op.get(CROW0), op.get(N), op.i32(3), op.i32Shl, op.i32Add, op.set(CROW1)),
    countedLoop(J, N4, 4, block),
  );
  return countedLoop(I, M2, 2, rows);
}

/** The SIMD kernel over its own memory, which grows as panels need. */
export interface WasmMatmul {
  /** Float64 views of at least `elements` elements, from byte 0 of the memory (valid until the next call). */
  reserve(elements: number): Float64Array;
  /**
   * C = A · Btᵀ for the 2×4 blocks of [m2, n4], reading and writing the memory at element offsets (multiples of 2):
   * A [m2, kp] at `a`, Bt [n4, kp] at `bt`, C with rows of `n` at `c`.
   */
  run(a: number, bt: number, c: number, m2: number, n4: number, n: number, kp: number): void;
}

/**
 * The SIMD kernel, or null where WebAssembly SIMD is unavailable (the JavaScript kernel then does all the work).
 *
 * @example
 * ```ts
 * import { wasmMatmul } from "./wasm_matmul.ts";
 * const simd = wasmMatmul();
 * if (simd !== null) {
 *   const mem = simd.reserve(16);
 *   mem.set([1, 2, 3, 4], 0); // A: 2×2
 *   mem.set([1, 0, 0, 1, 1, 1, 2, 2], 4); // Bt: 4×2
 *   simd.run(0, 4, 12, 2, 4, 4, 2);
 *   console.log(simd.reserve(20).subarray(12, 20)); // [1, 2, 3, 6, 3, 4, 7, 14]
 * }
 * ```
 */
export function wasmMatmul(): WasmMatmul | null {
  if (!HAS_SIMD) return null;
  const locals: [number, number][] = [[ACC[0] - I, I32], [ACC.length + Y.length + X.length, V128]];
  const bytes = moduleOf("kernel", 7, locals, kernelBody());
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
  const kernel = instance.exports.kernel as (...args: number[]) => void;
  let view = new Float64Array(memory.buffer);
  return {
    reserve(elements: number): Float64Array {
      const bytesNeeded = elements * 8;
      if (bytesNeeded > memory.buffer.byteLength) {
        memory.grow(Math.ceil((bytesNeeded - memory.buffer.byteLength) / 65536));
      }
      if (view.buffer !== memory.buffer) view = new Float64Array(memory.buffer);
      return view;
    },
    run(a: number, bt: number, c: number, m2: number, n4: number, n: number, kp: number): void {
      kernel(a * 8, bt * 8, c * 8, m2, n4, n, kp * 8);
    },
  };
}
