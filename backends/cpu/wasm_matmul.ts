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
import { sharedArena } from "./wasm_arena.ts";
import { countedLoop, HAS_SIMD, I32, moduleOf, op, seq, V128 } from "./wasm_asm.ts";
import { moduleId, runSplit, sharedHelper } from "./wasm_helper.ts";

// Parameters (byte addresses and byte strides), then locals.
const [A, BSA, RSA, CSA, B, C, LDC, MP, PANELS, K, BATCH, SA, SB, SC] = [
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  12,
  13,
];
const PARAMS = 14;
const [I, J, BP, BEND4, BEND, CP, ROW0, T] = [14, 15, 16, 17, 18, 19, 20, 21];
const AP = [22, 23, 24, 25]; // where A's rows i..i+3 are read at the current step
const ACC = [26, 27, 28, 29, 30, 31, 32, 33]; // acc[r * 2 + h]: row i + r, columns j + 4h .. j + 4h + 3
const [B0, B1, S] = [34, 35, 36];
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
 * The code of kernel(a, bsA, rsA, csA, b, c, ldc, mp, panels, k, batch, sA, sB, sC): for each of `batch`
 * products (the t-th at a + t·sA, b + t·sB, c + t·sC), rows [0, mp) of C (mp a multiple of 4) by `panels` panels
 * of 8 columns, A's element (i, p) at a + ⌊i/4⌋·bsA + (i mod 4)·rsA + p·csA, B as panels [panels, k, 8] from b,
 * C's rows ldc apart.
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
  return countedLoop(
    T,
    BATCH,
    1,
    seq(countedLoop(I, MP, 4, rowBlock), bump(A, SA), bump(B, SB), bump(C, SC)),
  );
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
 * The kernel's arguments, in elements of its memory: for each of `batch` products (the t-th at a + t·sA,
 * b + t·sB, c + t·sC), rows [0, mp) of C (mp a multiple of 4) by `panels` panels of 8 columns; A's element (i, p)
 * at a + ⌊i/4⌋·bsA + (i mod 4)·rsA + p·csA; B as column panels [panels, k, 8] from b; C's rows ldc apart. b, c,
 * ldc, sB and sC are multiples of 4.
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
  batch: number,
  sA: number,
  sB: number,
  sC: number,
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

/** Products of at least this many multiply-adds are shared with the helper thread (measured: ~2 µs of work). */
const SHARED_MIN = 1 << 16;

/** The SIMD kernel and the packing copies over the arena (wasm_arena.ts), where the operands may already be. */
export interface WasmMatmul {
  /**
   * A float32 view of the whole arena and the element where a scratch block of at least `elements` elements
   * starts (both valid until the next call).
   */
  reserve(elements: number): { mem: Float32Array; base: number };
  /**
   * C = A · B over the arena (see {@link KernelArgs}); large products are split with the helper thread, by
   * batches or else by blocks of rows, which computes the same blocks.
   */
  run(...args: KernelArgs): void;
  /** Copies blocks within the arena, to pack an operand (see {@link CopyArgs}). */
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
 *   const { mem, base } = simd.reserve(64);
 *   mem.set([1, 2, 0, 0], base); // A: [[1, 2]] as one block of 4 rows, rows 4 elements apart
 *   mem.set([1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], base + 16); // B: one panel of 2 rows
 *   simd.run(base, 16, 4, 1, base + 16, base + 32, 8, 4, 1, 2, 1, 0, 0, 0);
 *   console.log(mem.subarray(base + 32, base + 34)); // [1, 2]
 * }
 * ```
 */
export function wasmMatmul(): WasmMatmul | null {
  const kernelBytes = moduleOf("kernel", PARAMS, [[ACC[0] - I, I32], [ACC.length + 3, V128]], kernelBody());
  // Relaxed SIMD came after SIMD: an engine may have one without the other.
  if (!HAS_SIMD || !WebAssembly.validate(kernelBytes)) return null;
  const arena = sharedArena();
  /** The function `name` of a module over the arena's memory. */
  const instantiate = (name: string, bytes: Uint8Array<ArrayBuffer>): Exported =>
    new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: arena.memory } })
      .exports[name] as Exported;
  const kernel = instantiate("kernel", kernelBytes);
  const id = moduleId();
  const copy = (unit: 1 | 4 | 8): Exported =>
    instantiate("copy", moduleOf("copy", 8, [[4, I32]], copyBody(unit)));
  const copies = { 1: copy(1), 4: copy(4), 8: copy(8) };
  let view = new Float32Array(arena.buffer);
  let scratch = { at: -1, bytes: 0 };
  return {
    reserve(elements: number): { mem: Float32Array; base: number } {
      const bytes = elements * 4;
      if (bytes > scratch.bytes) {
        if (scratch.at >= 0) arena.free(scratch.at, scratch.bytes);
        const size = Math.max(bytes, 2 * scratch.bytes);
        const at = arena.alloc(size, false);
        if (at === null) throw new Error("The CPU backend's WebAssembly memory is full (4 GiB)");
        scratch = { at, bytes: size };
      }
      if (view.buffer !== arena.buffer) view = new Float32Array(arena.buffer);
      return { mem: view, base: scratch.at / 4 };
    },
    run(...[a, bsA, rsA, csA, b, c, ldc, mp, panels, k, batch, sA, sB, sC]: KernelArgs): void {
      /** The kernel's arguments in bytes for `count` products of `rows` rows from a, b, c. */
      const inBytes = (a: number, b: number, c: number, rows: number, count: number): number[] =>
        [a, bsA, rsA, csA, b, c, ldc].map((x) => x * 4).concat([
          rows,
          panels,
          k,
          count,
          sA * 4,
          sB * 4,
          sC * 4,
        ]);
      const shared = mp * panels * 8 * k * batch >= SHARED_MIN && (batch > 1 || mp >= 8);
      const helper = shared ? sharedHelper() : null;
      if (helper === null) return kernel(...inBytes(a, b, c, mp, batch));
      // The helper takes the later half of the batches, or of the blocks of rows of a single product.
      const half = batch > 1 ? Math.floor(batch / 2) : Math.floor(mp / 8) * 4;
      const [mine, theirs] = batch > 1
        ? [inBytes(a, b, c, mp, half), inBytes(a + half * sA, b + half * sB, c + half * sC, mp, batch - half)]
        : [inBytes(a, b, c, half, 1), inBytes(a + (half / 4) * bsA, b, c + half * ldc, mp - half, 1)];
      runSplit(helper, { id, bytes: kernelBytes, run: (args) => kernel(...args) }, mine, theirs);
    },
    copy(...[unit, src, srs, scs, dst, drs, dcs, rows, cols]: CopyArgs): void {
      copies[unit](src * 4, srs * 4, scs * 4, dst * 4, drs * 4, dcs * 4, rows, cols);
    },
  };
}
