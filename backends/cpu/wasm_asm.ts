/**
 * A small WebAssembly assembler for the CPU backend's SIMD kernels: encodings of the instructions they use, and a
 * module of one exported function over an imported memory (`env.mem`). Kernels are assembled at run time from
 * these, so no binary file ships.
 *
 * @module
 */
/** The pages of 64 KiB in the largest memory the modules import: 4 GiB, the most WebAssembly allows. */
export const MAX_PAGES = 65536;

/** Bytes of the unsigned LEB128 encoding of `n`. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Bytes of the signed LEB128 encoding of the 32-bit integer `n`. */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...leb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

/** Value types. */
export const I32 = 0x7f, V128 = 0x7b;

/** A SIMD instruction (prefix 0xfd) with its opcode LEB-encoded. */
function simd(opcode: number, ...immediates: number[]): number[] {
  return [0xfd, ...leb(opcode), ...immediates];
}

/** The instructions the kernels use; memory accesses take a byte offset from the address on the stack. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number): number[] => [0x0c, depth],
  brIf: (depth: number): number[] => [0x0d, depth],
  get: (local: number): number[] => [0x20, ...leb(local)],
  set: (local: number): number[] => [0x21, ...leb(local)],
  /** A 32-bit integer constant. */
  i32: (value: number): number[] => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  f32Load: (offset: number): number[] => [0x2a, 2, ...leb(offset)],
  f32Const: (value: number): number[] => [0x43, ...new Uint8Array(new Float32Array([value]).buffer)],
  f64Add: [0xa0],
  /** memory.fill(address, byte, length), from the stack. */
  memoryFill: [0xfc, 0x0b, 0x00],
  /** memory.copy(to, from, length), from the stack. */
  memoryCopy: [0xfc, 0x0a, 0x00, 0x00],
  f64Store: (offset: number): number[] => [0x39, 3, ...leb(offset)],
  v128Load: (offset: number): number[] => simd(0x00, 4, ...leb(offset)),
  v128Store: (offset: number): number[] => simd(0x0b, 4, ...leb(offset)),
  /** 8 bytes from memory into both halves (only 8 bytes are read). */
  v128Load64Splat: (offset: number): number[] => simd(0x0a, 3, ...leb(offset)),
  v128Zero: simd(0x0c, ...new Array(16).fill(0)),
  f32x4Splat: simd(0x13),
  f32x4Ne: simd(0x42),
  v128Bitselect: simd(0x52),
  f64x2Lane: (lane: number): number[] => simd(0x21, lane),
  f32x4: {
    abs: simd(0xe0),
    neg: simd(0xe1),
    sqrt: simd(0xe3),
    add: simd(0xe4),
    sub: simd(0xe5),
    mul: simd(0xe6),
    div: simd(0xe7),
    min: simd(0xe8),
    max: simd(0xe9),
  },
  f64x2Add: simd(0xf0),
  /** Float64 lane arithmetic (IEEE, as JavaScript's numbers). */
  f64x2: {
    abs: simd(0xec),
    neg: simd(0xed),
    add: simd(0xf0),
    sub: simd(0xf1),
    mul: simd(0xf2),
    div: simd(0xf3),
    lt: simd(0x49),
  },
  /** A 16-byte constant. */
  v128Const: (bytes: readonly number[]): number[] => simd(0x0c, ...bytes),
  i64x2Add: simd(0xce),
  /** Shifts both int64 lanes left by the i32 on top of the stack. */
  i64x2Shl: simd(0xcb),
  /** Float64 lanes 0, 1 rounded to float32 lanes 0, 1 (lanes 2, 3 zero). */
  f32x4DemoteZero: simd(0x5e),
  /** Bytes of two vectors picked by 16 lane indices (0–15 the first, 16–31 the second). */
  i8x16Shuffle: (lanes: readonly number[]): number[] => simd(0x0d, ...lanes),
  f64x2PromoteLow: simd(0x5f),
  /** A float32 from memory in all four lanes. */
  v128Load32Splat: (offset: number): number[] => simd(0x09, 2, ...leb(offset)),
  /** a * b + c in each lane, rounded once or twice (relaxed SIMD: the engine picks fused or not). */
  f32x4RelaxedMadd: simd(0x105),
  f32Store: (offset: number): number[] => [0x38, 2, ...leb(offset)],
  /** Float32 lane `lane` of a v128. */
  f32x4Lane: (lane: number): number[] => simd(0x1f, lane),
  /** IEEE minimum and maximum of two float32 (NaN if either is; −0 below +0), as Math.min and Math.max. */
  f32Min: [0x96],
  f32Max: [0x97],
  i32Sub: [0x6b],
  i32ShrU: [0x76],
  i32And: [0x71],
};

/**
 * Instructions in order, as one byte sequence.
 *
 * @example
 * ```ts
 * import { op, seq } from "./wasm_asm.ts";
 * seq(op.get(0), op.i32(1), op.i32Add, op.set(0)); // local 0 += 1
 * ```
 */
export function seq(...parts: readonly (readonly number[])[]): number[] {
  return parts.flat();
}

/**
 * `for (counter = 0; counter < limit; counter += step) body`, over i32 locals `counter` and `limit` (unsigned).
 *
 * @example
 * ```ts
 * import { countedLoop, I32, moduleOf } from "./wasm_asm.ts";
 * const bytes = moduleOf("f", 1, [[1, I32]], countedLoop(1, 0, 4, []));
 * console.log(WebAssembly.validate(bytes)); // true
 * ```
 */
export function countedLoop(counter: number, limit: number, step: number, body: readonly number[]): number[] {
  return seq(op.i32(0), op.set(counter), whileBelow(counter, limit, step, body));
}

/**
 * `for (; counter < limit; counter += step) body`: {@link countedLoop} from wherever `counter` is.
 *
 * @example
 * ```ts
 * import { I32, moduleOf, whileBelow } from "./wasm_asm.ts";
 * const bytes = moduleOf("f", 1, [[1, I32]], whileBelow(1, 0, 64, []));
 * console.log(WebAssembly.validate(bytes)); // true
 * ```
 */
export function whileBelow(counter: number, limit: number, step: number, body: readonly number[]): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...op.get(counter),
    ...op.get(limit),
    ...op.i32GeU,
    ...op.brIf(1),
    ...body,
    ...op.get(counter),
    ...op.i32(step),
    ...op.i32Add,
    ...op.set(counter),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/**
 * A module importing a shared memory (of at most 4 GiB, as the arena's) as `env.mem` and exporting one function
 * `name` of `params` i32 parameters and no result, whose body declares `locals` ([count, type] groups) and runs
 * `code`.
 *
 * @example
 * ```ts
 * import { I32, moduleOf, op } from "./wasm_asm.ts";
 * const bytes = moduleOf("f", 1, [[1, I32]], [...op.get(0), ...op.set(1)]);
 * console.log(WebAssembly.validate(bytes)); // true
 * ```
 */
export function moduleOf(
  exported: string,
  params: number,
  locals: readonly [number, number][],
  code: readonly number[],
): Uint8Array<ArrayBuffer> {
  const body = [
    ...leb(locals.length),
    ...locals.flatMap(([count, type]) => [...leb(count), type]),
    ...code,
    0x0b,
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x01, 0x60, params, ...new Array(params).fill(I32), 0]),
    ...section(2, [0x01, ...name("env"), ...name("mem"), 0x02, 0x03, 0x01, ...leb(MAX_PAGES)]),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, ...name(exported), 0x00, 0x00]),
    ...section(10, [0x01, ...leb(body.length), ...body]),
  ]);
}

/** Whether this engine runs WebAssembly SIMD (checked once, on a module that uses it). */
export const HAS_SIMD: boolean = typeof WebAssembly !== "undefined" &&
  WebAssembly.validate(moduleOf("f", 0, [[1, V128]], [...op.v128Zero, ...op.set(0)]));
