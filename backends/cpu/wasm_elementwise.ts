/**
 * Fused elementwise kernels in WebAssembly SIMD for the common case: every operand float32 and contiguous, and only
 * the operations WebAssembly computes exactly as the JavaScript kernels of compile.ts do (add, sub, mul, div,
 * sqrt, min, max, neg, abs, recip, and `where` on a float32 condition: IEEE float32 results, which is what
 * rounding every float64 result to float32 gives), and exp, tanh, sigmoid and erf, whose float64 formulas
 * (float64_math.ts) run on two float64 lanes in the same order as compile.ts's, rounded once. Four elements per
 * instruction, so an optimizer's update runs at memory speed instead of at the speed of `Math.fround`. Operands in
 * the arena (wasm_arena.ts) are worked on in place, the second half of a long kernel (shorter when it computes a
 * transcendental) by the helper thread on the other core (wasm_helper.ts); others stream through a scratch block
 * in chunks that stay in cache.
 *
 * @module
 */
import { type Expr, type Kernel, topoOrder } from "../kernel_ir.ts";
import { sharedArena } from "./wasm_arena.ts";
import { moduleId, sharedHelper } from "./wasm_helper.ts";
import { type Formula, formulaLocals, FORMULAS, formulaSimd, v128Const } from "./float64_math.ts";
import { countedLoop, HAS_SIMD, I32, moduleOf, op, seq, V128, whileBelow } from "./wasm_asm.ts";

/** Elements per chunk of the scratch block: every operand's chunk together stays within a core's cache. */
const CHUNK = 4096;
/** Bytes before the operands' chunks, holding the runtime scalars as float32. */
const SCALAR_BYTES = 1024;

const UNARY = { neg: op.f32x4.neg, abs: op.f32x4.abs, sqrt: op.f32x4.sqrt } as Record<string, number[]>;
const BINARY = {
  add: op.f32x4.add,
  sub: op.f32x4.sub,
  mul: op.f32x4.mul,
  div: op.f32x4.div,
  min: op.f32x4.min,
  max: op.f32x4.max,
} as Record<string, number[]>;

/** Runs a compiled kernel over `n` elements of contiguous float32 operands (inputs, then outputs). */
export type SimdKernel = (operands: readonly SimdOperand[], n: number, scalars: readonly number[]) => void;

function supported(e: Expr): boolean {
  if (e.dtype !== "float32") return false;
  switch (e.kind) {
    case "input":
    case "scalar":
    case "const":
      return true;
    case "unary":
      return e.op in UNARY || e.op in FORMULAS || e.op === "recip";
    case "binary":
      return e.op in BINARY;
    case "where":
      return e.cond.dtype === "float32";
    default:
      return false;
  }
}

/** The v128 locals a transcendental (float64_math.ts) takes beside its formula's two: its float64 halves. */
const FORMULA_LOCALS = 2;

/**
 * A float64_math.ts formula on four float32 lanes: promoted two by two into float64 lanes, both halves computed
 * side by side, each result rounded to float32 once; `at` is the first of the locals it may use.
 */
function formulaOf(
  f: Formula,
  x: number,
  at: number,
  constant: (value: number | bigint) => number[],
): number[] {
  const halves = [at, at + 1];
  const bytes = (from: number): number[] => Array.from({ length: 8 }, (_, i) => from + i);
  const { code, result } = formulaSimd(f, halves, at + FORMULA_LOCALS, constant);
  return seq(
    seq(op.get(x), op.f64x2PromoteLow, op.set(halves[0])),
    seq(
      op.get(x),
      op.get(x),
      op.i8x16Shuffle([...bytes(8), ...bytes(8)]),
      op.f64x2PromoteLow,
      op.set(halves[1]),
    ),
    code,
    seq(result(0), op.f32x4DemoteZero, result(1), op.f32x4DemoteZero),
    op.i8x16Shuffle([...bytes(0), ...bytes(16)]),
  );
}

/**
 * The instructions computing `e` from the locals of its operands (`local`) and constants; a transcendental's
 * temporaries start at local `at`, its constants come from `constant`.
 */
function instruction(
  e: Expr,
  local: (e: Expr) => number,
  at: number,
  constant: (value: number | bigint) => number[],
): number[] {
  switch (e.kind) {
    case "unary":
      if (e.op in FORMULAS) {
        return formulaOf(FORMULAS[e.op as keyof typeof FORMULAS], local(e.a), at, constant);
      }
      return e.op === "recip"
        ? [...op.f32Const(1), ...op.f32x4Splat, ...op.get(local(e.a)), ...op.f32x4.div]
        : [...op.get(local(e.a)), ...UNARY[e.op]];
    case "binary":
      return [...op.get(local(e.a)), ...op.get(local(e.b)), ...BINARY[e.op]];
    case "where": // a float32 condition holds where it is not ±0 (NaN holds), as `cond !== 0` does
      return [
        ...op.get(local(e.a)),
        ...op.get(local(e.b)),
        ...op.get(local(e.cond)),
        ...op.v128Zero,
        ...op.f32x4Ne,
        ...op.v128Bitselect,
      ];
    default:
      throw new Error(`no SIMD instruction for a ${e.kind} expression`);
  }
}

/** Kernels of at least this many elements (in the arena) are shared with the helper thread. */
const SHARED_MIN = 1 << 21;
/** The same for kernels with a transcendental: compute-bound, they gain from the second core much sooner. */
const FORMULA_SHARED_MIN = 1 << 15;

/** The scratch block in the arena (scalars, then one chunk per operand) and how many operands it has room for. */
let scratch = { at: -1, operands: 0 };
let view = new Float32Array(new SharedArrayBuffer(0));

/** The scratch block's address, with room for `operands` chunks, and a float32 view of the whole arena. */
function reserve(operands: number): { at: number; mem: Float32Array<SharedArrayBuffer> } {
  const arena = sharedArena();
  if (scratch.operands < operands) {
    if (scratch.at >= 0) arena.free(scratch.at, SCALAR_BYTES + scratch.operands * CHUNK * 4);
    const at = arena.alloc(SCALAR_BYTES + operands * CHUNK * 4);
    if (at === null) throw new Error("The CPU backend's WebAssembly memory is full (4 GiB)");
    scratch = { at, operands };
  }
  if (view.buffer !== arena.buffer) view = new Float32Array(arena.buffer);
  return { at: scratch.at, mem: view };
}

/**
 * One operand of a SIMD kernel: a float32 array (in the arena, or elsewhere: then copied through the scratch
 * block) and the element its data starts at.
 */
export interface SimdOperand {
  array: Float32Array;
  offset: number;
}

/** Where each operand's data starts in the arena, in bytes; null unless every one is in the arena. */
function arenaAddresses(operands: readonly SimdOperand[]): number[] | null {
  const arena = sharedArena();
  if (!operands.every((o) => arena.owns(o.array))) return null;
  return operands.map((o) => o.array.byteOffset + o.offset * 4);
}

/** A kernel that only copies inputs to outputs: the arena's memory copy where both ends are in it. */
function copies(kernel: Kernel, nIn: number): SimdKernel {
  return (operands, n) =>
    kernel.outputs.forEach((e, o) => {
      if (e.kind !== "input") return;
      const [from, to] = [operands[e.index], operands[nIn + o]];
      const ends = arenaAddresses([from, to]);
      if (ends !== null) sharedArena().copy(ends[1], ends[0], n * 4);
      else to.array.set(from.array.subarray(from.offset, from.offset + n), to.offset);
    });
}

/**
 * `kernel` as a SIMD kernel, or null when it needs anything beyond float32 and the exact operations above (or the
 * engine has no WebAssembly SIMD): compile.ts's JavaScript kernels then run it. When every operand is in the
 * arena the kernel runs on them in place; otherwise they stream through the scratch block in chunks.
 *
 * @example
 * ```ts
 * import * as ir from "../kernel_ir.ts";
 * import { compileSimd } from "./wasm_elementwise.ts";
 * const axpy = ir.defineKernel(["float32", "float32"], ["float32"], ([x, y], [a]) => [ir.add(ir.mul(a, x), y)]);
 * const run = compileSimd(axpy);
 * const out = new Float32Array(3);
 * const operand = (array: Float32Array) => ({ array, offset: 0 });
 * run?.([operand(new Float32Array([1, 2, 3])), operand(new Float32Array([1, 1, 1])), operand(out)], 3, [2]);
 * console.log(out); // Float32Array [3, 5, 7]
 * ```
 */
export function compileSimd(kernel: Kernel): SimdKernel | null {
  const order = topoOrder(kernel.outputs);
  if (!HAS_SIMD || kernel.inputs.some((d) => d !== "float32") || !order.every(supported)) return null;
  const nIn = kernel.inputs.length;
  if (kernel.outputs.every((e) => e.kind === "input")) return copies(kernel, nIn);
  const count = nIn + kernel.outputs.length;
  if (kernel.scalars.length * 4 > SCALAR_BYTES) return null;

  // Parameters: bytes to process, the scalars' address, each operand's address; then the byte position, where
  // the unrolled loop stops, and one v128 local per expression.
  const base = (k: number): number => 2 + k;
  const [position, unrolledEnd] = [2 + count, 3 + count];
  const locals = new Map<string, number>();
  const local = (e: Expr): number => locals.get(e.key)!;
  // Each transcendental's temporaries, after every expression's local.
  const temporaries = new Map<string, number>();
  let extra = 0;
  for (const e of order) {
    if (e.kind !== "unary" || !(e.op in FORMULAS)) continue;
    temporaries.set(e.key, extra);
    extra += FORMULA_LOCALS + 2 * formulaLocals(FORMULAS[e.op as keyof typeof FORMULAS]);
  }
  const temporary = (e: Expr): number => unrolledEnd + 1 + order.length + (temporaries.get(e.key) ?? 0);
  // The formulas' constants, each in a local set once before the loop.
  const constants = new Map<number | bigint, number>();
  const constantInit: number[] = [];
  const constant = (value: number | bigint): number[] => {
    let at = constants.get(value);
    if (at === undefined) {
      at = unrolledEnd + 1 + order.length + extra + constants.size;
      constants.set(value, at);
      constantInit.push(...v128Const(value), ...op.set(at));
    }
    return op.get(at);
  };
  const hoisted: number[] = [];
  const address = (k: number): number[] => seq(op.get(position), op.get(base(k)), op.i32Add);
  for (const e of order) {
    locals.set(e.key, unrolledEnd + 1 + locals.size);
    const set = op.set(local(e));
    if (e.kind === "const") hoisted.push(...op.f32Const(e.value), ...op.f32x4Splat, ...set);
    else if (e.kind === "scalar") {
      hoisted.push(...op.get(1), ...op.f32Load(e.index * 4), ...op.f32x4Splat, ...set);
    }
  }
  /** Four elements, `shift` bytes past the position. */
  const vector = (shift: number): number[] => {
    const body: number[] = [];
    for (const e of order) {
      if (e.kind === "input") body.push(...address(e.index), ...op.v128Load(shift), ...op.set(local(e)));
      else if (e.kind === "unary" || e.kind === "binary" || e.kind === "where") {
        body.push(...instruction(e, local, temporary(e), constant), ...op.set(local(e)));
      }
    }
    kernel.outputs.forEach((e, o) =>
      body.push(...address(nIn + o), ...op.get(local(e)), ...op.v128Store(shift))
    );
    return body;
  };
  // Sixteen elements a turn while they last (fewer loop branches and address sums per element), then four.
  const [unrolled, single] = [seq(vector(0), vector(16), vector(32), vector(48)), vector(0)];
  const code = seq(
    hoisted,
    constantInit,
    seq(op.get(0), op.i32(-64), op.i32And, op.set(unrolledEnd)),
    countedLoop(position, unrolledEnd, 64, unrolled),
    whileBelow(position, 0, 16, single),
  );
  const v128Locals = locals.size + extra + constants.size;
  const bytes = moduleOf("kernel", 2 + count, [[2, I32], [v128Locals, V128]], code);
  const id = moduleId();
  const memory = sharedArena().memory;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
  const run = instance.exports.kernel as (bytes: number, scalars: number, ...addresses: number[]) => void;

  return (operands, n, scalars) => {
    const { at, mem } = reserve(count);
    mem.set(scalars, at / 4);
    let start = 0;
    const addresses = arenaAddresses(operands);
    if (addresses !== null) {
      start = n - (n % 4); // the tail goes through the scratch block: a vector store there would pass the end
      const helper = start >= (extra > 0 ? FORMULA_SHARED_MIN : SHARED_MIN) ? sharedHelper() : null;
      // The helper takes the second half, from a multiple of 16 elements.
      const half = helper === null ? start : Math.floor(start / 32) * 16;
      helper?.start(id, bytes, [(start - half) * 4, at, ...addresses.map((a) => a + half * 4)]);
      run(half * 4, at, ...addresses);
      helper?.finish();
    }
    const chunkAt = (k: number): number => at + SCALAR_BYTES + k * CHUNK * 4;
    const chunks = operands.map((_, k) => chunkAt(k));
    for (; start < n; start += CHUNK) {
      const length = Math.min(CHUNK, n - start);
      for (let k = 0; k < nIn; k++) {
        const { array, offset } = operands[k];
        mem.set(array.subarray(offset + start, offset + start + length), chunkAt(k) / 4);
      }
      run(Math.ceil(length / 4) * 16, at, ...chunks);
      for (let k = nIn; k < count; k++) {
        const { array, offset } = operands[k];
        array.set(mem.subarray(chunkAt(k) / 4, chunkAt(k) / 4 + length), offset + start);
      }
    }
  };
}
