/**
 * The CPU matrix product's micro-kernel in WebAssembly SIMD, assembled at run time with wasm_asm.ts: C = A · B in
 * float32, 4 rows by 8 columns of C at a time in eight f32x4 accumulators. Each step of the shared dimension loads
 * one row of an 8-column panel of B (two v128 loads), splats each of A's four values and multiplies-adds it into
 * the accumulators: the outer-product form, 32 multiply-adds for 6 loads. The multiply-add is relaxed SIMD's
 * f32x4.relaxed_madd, fused (one rounding) where the processor has FMA, which halves the arithmetic instructions.
 * Beside it, strided copies that pack the operands in the same memory.
 *
 * @module
 */
import { countedLoop, HAS_SIMD, I32, MAX_PAGES, moduleOf, op, seq, V128 } from "./wasm_asm.ts";

// Parameters (byte addresses and byte strides), then locals.
const [A, BSA, RSA, CSA, B, C, LDC, MP, PANELS, K] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [I, J, BP, BEND4, BEND, CP, ROW0] = [10, 11, 12, 13, 14, 15, 16];
const AP = [17, 18, 19, 20]; // where A's rows i..i+3 are read at the current step
const ACC = [21, 22, 23, 24, 25, 26, 27, 28]; // acc[r * 2 + h]: row i + r, columns j + 4h .. j + 4h + 3
const [B0, B1, S] = [29, 30, 31];
/** Steps of the shared dimension per pass of the main loop: its own work (branch, pointer) is paid once. */
const UNROLL = 4;

/** `while (pointer < limit) body` over i32 locals. */
function whileBelow(pointer: number, limit: number, body: readonly number[]): number[] {
  return seq(
    op.block,
    op.loop,
    seq(op.get(pointer), op.get(limit), op.i32GeU, op.brIf(1)),
    body,
    op.br(0),
    op.end,
    op.end,
  );
}

/** `local += by` for i32 locals. */
function bump(local: number, by: number): number[] {
  return seq(op.get(local), op.get(by), op.i32Add, op.set(local));
}

/**
 * The code of kernel(a, bsA, rsA, csA, b, c, ldc, mp, panels, k): rows [0, mp) of C (mp a multiple of 4) by
 * `panels` panels of 8 columns, A's element (i, p) at a + ⌊i/4⌋·bsA + (i mod 4)·rsA + p·csA, B as panels
 * [panels, k, 8] from b, C's rows ldc apart.
 */
function kernelBody(): number[] {
  const madd = (acc: number, x: number): number[] =>
    seq(op.get(S), op.get(x), op.get(acc), op.f32x4RelaxedMadd, op.set(acc));
  /** One step of the shared dimension, B's row `u` steps on from BP. */
  const step = (u: number): number[] =>
    seq(
      seq(op.get(BP), op.v128Load(32 * u), op.set(B0), op.get(BP), op.v128Load(32 * u + 16), op.set(B1)),
      ...AP.map((ap, r) =>
        seq(
          op.get(ap),
          op.v128Load32Splat(0),
          op.set(S),
          madd(ACC[2 * r], B0),
          madd(ACC[2 * r + 1], B1),
          bump(ap, CSA),
        )
      ),
    );
  const steps = (count: number): number[] =>
    seq(
      ...Array.from({ length: count }, (_, u) => step(u)),
      // BP += 32·count, written as a shift because op.i32 encodes constants below 64 only.
      seq(op.get(BP), op.i32(8 * count), op.i32(2), op.i32Shl, op.i32Add, op.set(BP)),
    );
  const panel = seq(
    ...AP.map((ap, r) =>
      seq(op.get(ROW0), r === 0 ? [] : seq(op.get(RSA), op.i32(r), op.i32Mul, op.i32Add), op.set(ap))
    ),
    seq(op.get(BP), op.get(K), op.i32(5), op.i32Shl, op.i32Add, op.set(BEND)),
    seq(op.get(BEND), op.get(K), op.i32(3), op.i32And, op.i32(5), op.i32Shl, op.i32Sub, op.set(BEND4)),
    ...ACC.map((acc) => seq(op.v128Zero, op.set(acc))),
    whileBelow(BP, BEND4, steps(UNROLL)),
    whileBelow(BP, BEND, steps(1)),
    ...[0, 1, 2, 3].map((r) =>
      seq(
        seq(
          op.get(CP),
          op.get(ACC[2 * r]),
          op.v128Store(0),
          op.get(CP),
          op.get(ACC[2 * r + 1]),
          op.v128Store(16),
        ),
        bump(CP, LDC),
      )
    ),
    // Back to row i, one panel on.
    seq(op.get(CP), op.get(LDC), op.i32(2), op.i32Shl, op.i32Sub, op.i32(32), op.i32Add, op.set(CP)),
  );
  const rowBlock = seq(
    seq(op.get(A), op.get(I), op.i32(2), op.i32ShrU, op.get(BSA), op.i32Mul, op.i32Add, op.set(ROW0)),
    seq(op.get(C), op.get(I), op.get(LDC), op.i32Mul, op.i32Add, op.set(CP)),
    seq(op.get(B), op.set(BP)),
    countedLoop(J, PANELS, 1, panel),
  );
  return countedLoop(I, MP, 4, rowBlock);
}

/**
 * The code of copy(src, srs, scs, dst, drs, dcs, rows, cols): unit (r, c) of `unit` float32 elements (1, 4 or 8)
 * from src + r·srs + c·scs to dst + r·drs + c·dcs, for packing the operands (byte addresses and strides).
 */
function copyBody(unit: 1 | 4 | 8): number[] {
  const [SRC, SRS, SCS, DST, DRS, DCS, ROWS, COLS, R, COL, SP, DP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const move = unit === 1 ? seq(op.get(DP), op.get(SP), op.f32Load(0), op.f32Store(0)) : seq(
    ...[0, 16].slice(0, unit / 4).map((at) => seq(op.get(DP), op.get(SP), op.v128Load(at), op.v128Store(at))),
  );
  const row = seq(
    seq(op.get(SRC), op.get(R), op.get(SRS), op.i32Mul, op.i32Add, op.set(SP)),
    seq(op.get(DST), op.get(R), op.get(DRS), op.i32Mul, op.i32Add, op.set(DP)),
    countedLoop(COL, COLS, 1, seq(move, bump(SP, SCS), bump(DP, DCS))),
  );
  return countedLoop(R, ROWS, 1, row);
}

/** An assembled function: i32 arguments, no result. */
type Exported = (...args: number[]) => void;

/**
 * The kernel's arguments, in elements: rows [0, mp) of C (mp a multiple of 4) by `panels` panels of 8 columns;
 * A's element (i, p) at a + ⌊i/4⌋·bsA + (i mod 4)·rsA + p·csA; B as column panels [panels, k, 8] from b; C's rows
 * ldc apart. b, c and ldc are multiples of 4.
 */
export type KernelArgs = [
  a: number,
  bsA: number,
  rsA: number,
  csA: number,
  b: number,
  c: number,
  ldc: number,
  mp: number,
  panels: number,
  k: number,
];

/**
 * A packing copy's arguments: unit (r, c) of [rows, cols], each `unit` elements, from src + r·srs + c·scs to
 * dst + r·drs + c·dcs (in elements).
 */
export type CopyArgs = [
  unit: 1 | 4 | 8,
  src: number,
  srs: number,
  scs: number,
  dst: number,
  drs: number,
  dcs: number,
  rows: number,
  cols: number,
];

/** The SIMD kernel and the packing copies over their own memory, which grows as operands need. */
export interface WasmMatmul {
  /** A float32 view of at least `elements` elements from byte 0 of the memory (valid until the next call). */
  reserve(elements: number): Float32Array;
  /** C = A · B over the memory (see {@link KernelArgs}). */
  run(...args: KernelArgs): void;
  /** Copies blocks within the memory, to pack an operand (see {@link CopyArgs}). */
  copy(...args: CopyArgs): void;
}

/**
 * The SIMD kernel, or null where WebAssembly SIMD is unavailable (the JavaScript kernel then does all the work).
 *
 * @example
 * ```ts
 * import { wasmMatmul } from "./wasm_matmul.ts";
 * const simd = wasmMatmul();
 * if (simd !== null) {
 *   const mem = simd.reserve(64);
 *   mem.set([1, 2, 0, 0], 0); // A: [[1, 2]] as one block of 4 rows, rows 4 elements apart
 *   mem.set([1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], 16); // B: one panel of 2 rows
 *   simd.run(0, 16, 4, 1, 16, 32, 8, 4, 1, 2);
 *   console.log(simd.reserve(64).subarray(32, 34)); // [1, 2]
 * }
 * ```
 */
export function wasmMatmul(): WasmMatmul | null {
  const kernelBytes = moduleOf("kernel", 10, [[ACC[0] - I, I32], [ACC.length + 3, V128]], kernelBody());
  // Relaxed SIMD came after SIMD: an engine may have one without the other.
  if (!HAS_SIMD || !WebAssembly.validate(kernelBytes)) return null;
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  /** The function `name` of a module over `memory`. */
  const instantiate = (name: string, bytes: Uint8Array<ArrayBuffer>): Exported =>
    new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } })
      .exports[name] as Exported;
  const kernel = instantiate("kernel", kernelBytes);
  const copy = (unit: 1 | 4 | 8): Exported =>
    instantiate("copy", moduleOf("copy", 8, [[4, I32]], copyBody(unit)));
  const copies = { 1: copy(1), 4: copy(4), 8: copy(8) };
  let view = new Float32Array(memory.buffer);
  return {
    reserve(elements: number): Float32Array {
      const bytesNeeded = elements * 4;
      if (bytesNeeded > memory.buffer.byteLength) {
        memory.grow(Math.ceil((bytesNeeded - memory.buffer.byteLength) / 65536));
      }
      if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
      return view;
    },
    run(...[a, bsA, rsA, csA, b, c, ldc, mp, panels, k]: KernelArgs): void {
      kernel(a * 4, bsA * 4, rsA * 4, csA * 4, b * 4, c * 4, ldc * 4, mp, panels, k);
    },
    copy(...[unit, src, srs, scs, dst, drs, dcs, rows, cols]: CopyArgs): void {
      copies[unit](src * 4, srs * 4, scs * 4, dst * 4, drs * 4, dcs * 4, rows, cols);
    },
  };
}
