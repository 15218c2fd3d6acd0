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

/** The scratch block in the arena (scalars, one chunk per operand, staged inputs) and its size in bytes. */
let scratch = { at: -1, bytes: 0 };
let view = new Float32Array(new SharedArrayBuffer(0));

/**
 * The scratch block's address, with room for `operands` chunks and `staged` bytes after them, and a float32 view
 * of the whole arena.
 */
function reserve(operands: number, staged = 0): { at: number; mem: Float32Array<SharedArrayBuffer> } {
  const arena = sharedArena();
  const bytes = SCALAR_BYTES + operands * CHUNK * 4 + staged;
  if (scratch.bytes < bytes) {
    if (scratch.at >= 0) arena.free(scratch.at, scratch.bytes);
    const size = Math.max(bytes, 2 * scratch.bytes);
    const at = arena.alloc(size);
    if (at === null) throw new Error("The CPU backend's WebAssembly memory is full (4 GiB)");
    scratch = { at, bytes: size };
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

/** Whether the SIMD kernels can compute `kernel` (float32 operands, the operations above, few enough scalars). */
function simdable(kernel: Kernel): boolean {
  return HAS_SIMD && kernel.inputs.every((d) => d === "float32") &&
    topoOrder(kernel.outputs).every(supported) &&
    kernel.scalars.length * 4 <= SCALAR_BYTES;
}

/** An assembled kernel: its module's bytes and id (for the helper thread), and its function on this thread. */
interface Assembled {
  bytes: Uint8Array;
  id: number;
  /** Whether it computes a transcendental (then worth sharing with the helper from far fewer elements). */
  heavy: boolean;
  run: (...args: number[]) => void;
}

/**
 * The module of `kernel` over planes of rows: kernel(bytes, scalars, ...addresses, ...rowStrides, ...planeSteps,
 * rows, planes) runs `planes` planes of `rows` rows of `bytes` bytes, each operand's row `rowStride` bytes after
 * the previous one and its next plane `planeStep` bytes after the end of its last row; inputs marked in
 * `broadcast` hold one value per row (read once and splat) instead of a row.
 */
function assemble(kernel: Kernel, broadcast: readonly boolean[]): Assembled {
  const order = topoOrder(kernel.outputs);
  const nIn = kernel.inputs.length;
  const count = nIn + kernel.outputs.length;
  // Parameters: bytes per row, the scalars' address, each operand's address, row stride and plane step, rows,
  // planes; then the byte position, where the unrolled loop stops, the row, the plane, and one v128 local per
  // expression.
  const base = (k: number): number => 2 + k;
  const stride = (k: number): number => 2 + count + k;
  const step = (k: number): number => 2 + 2 * count + k;
  const [rows, planes] = [2 + 3 * count, 3 + 3 * count];
  const [position, unrolledEnd, row, plane] = [planes + 1, planes + 2, planes + 3, planes + 4];
  const firstV128 = planes + 5;
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
  const temporary = (e: Expr): number => firstV128 + order.length + (temporaries.get(e.key) ?? 0);
  // The formulas' constants, each in a local set once before the loop.
  const constants = new Map<number | bigint, number>();
  const constantInit: number[] = [];
  const constant = (value: number | bigint): number[] => {
    let at = constants.get(value);
    if (at === undefined) {
      at = firstV128 + order.length + extra + constants.size;
      constants.set(value, at);
      constantInit.push(...v128Const(value), ...op.set(at));
    }
    return op.get(at);
  };
  const hoisted: number[] = [];
  const address = (k: number): number[] => seq(op.get(position), op.get(base(k)), op.i32Add);
  for (const e of order) {
    locals.set(e.key, firstV128 + locals.size);
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
      if (e.kind === "input") {
        const load = broadcast[e.index]
          ? seq(op.get(base(e.index)), op.v128Load32Splat(0))
          : seq(address(e.index), op.v128Load(shift));
        body.push(...load, ...op.set(local(e)));
      } else if (e.kind === "unary" || e.kind === "binary" || e.kind === "where") {
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
  /** Every operand's address moved on by its parameter `by(k)`. */
  const advance = (by: (k: number) => number): number[] =>
    Array.from({ length: count }, (_, k) => seq(op.get(base(k)), op.get(by(k)), op.i32Add, op.set(base(k))))
      .flat();
  const rowLoop = seq(countedLoop(position, unrolledEnd, 64, unrolled), whileBelow(position, 0, 16, single));
  const code = seq(
    hoisted,
    constantInit,
    seq(op.get(0), op.i32(-64), op.i32And, op.set(unrolledEnd)),
    countedLoop(
      plane,
      planes,
      1,
      seq(countedLoop(row, rows, 1, seq(rowLoop, advance(stride))), advance(step)),
    ),
  );
  const v128Locals = locals.size + extra + constants.size;
  const bytes = moduleOf("kernel", planes + 1, [[4, I32], [v128Locals, V128]], code);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { mem: sharedArena().memory },
  });
  return {
    bytes,
    id: moduleId(),
    heavy: extra > 0,
    run: instance.exports.kernel as (...args: number[]) => void,
  };
}

/**
 * Runs `planes` planes of `rows` rows from `addresses` (see {@link assemble}; strides in bytes), the later half of
 * the planes (or of the rows of a single plane) on the helper when worth it.
 */
function runRows(
  kernel: Assembled,
  rowBytes: number,
  scalarsAt: number,
  addresses: readonly number[],
  [rowStrides, planeStrides]: readonly (readonly number[])[],
  [planes, rows]: readonly number[],
): void {
  const steps = planeStrides.map((p, k) => p - rows * rowStrides[k]);
  const args = (
    at: readonly number[],
    r: number,
    p: number,
  ): number[] => [rowBytes, scalarsAt, ...at, ...rowStrides, ...steps, r, p];
  const elements = (rowBytes / 4) * rows * planes;
  const shared = rows * planes > 1 && elements >= (kernel.heavy ? FORMULA_SHARED_MIN : SHARED_MIN);
  const helper = shared ? sharedHelper() : null;
  if (helper === null) return kernel.run(...args(addresses, rows, planes));
  const byPlanes = planes > 1;
  const half = Math.floor((byPlanes ? planes : rows) / 2);
  const later = addresses.map((a, k) => a + half * (byPlanes ? planeStrides[k] : rowStrides[k]));
  helper.start(
    kernel.id,
    kernel.bytes,
    byPlanes ? args(later, rows, planes - half) : args(later, rows - half, 1),
  );
  kernel.run(...(byPlanes ? args(addresses, rows, half) : args(addresses, half, 1)));
  helper.finish();
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
  if (!simdable(kernel)) return null;
  const nIn = kernel.inputs.length;
  if (kernel.outputs.every((e) => e.kind === "input")) return copies(kernel, nIn);
  const count = nIn + kernel.outputs.length;
  const assembled = assemble(kernel, kernel.inputs.map(() => false));
  const zeros = new Array(count).fill(0);

  return (operands, n, scalars) => {
    const { at, mem } = reserve(count);
    mem.set(scalars, at / 4);
    let start = 0;
    const addresses = arenaAddresses(operands);
    if (addresses !== null) {
      start = n - (n % 4); // the tail goes through the scratch block: a vector store there would pass the end
      const helper = start >= (assembled.heavy ? FORMULA_SHARED_MIN : SHARED_MIN) ? sharedHelper() : null;
      // The helper takes the second half, from a multiple of 16 elements.
      const half = helper === null ? start : Math.floor(start / 32) * 16;
      const later = addresses.map((a) => a + half * 4);
      helper?.start(assembled.id, assembled.bytes, [
        (start - half) * 4,
        at,
        ...later,
        ...zeros,
        ...zeros,
        1,
        1,
      ]);
      assembled.run(half * 4, at, ...addresses, ...zeros, ...zeros, 1, 1);
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
      assembled.run(Math.ceil(length / 4) * 16, at, ...chunks, ...zeros, ...zeros, 1, 1);
      for (let k = nIn; k < count; k++) {
        const { array, offset } = operands[k];
        array.set(mem.subarray(chunkAt(k) / 4, chunkAt(k) / 4 + length), offset + start);
      }
    }
  };
}

/**
 * Runs a kernel over planes of rows: `n` elements (a multiple of 4) in each of `rows` rows of each of `planes`
 * planes, operand k's row r of plane p starting at element offset + p·planes[k] + r·rows[k] of its array (strides
 * non-negative), the inputs marked broadcast holding one value per row. Returns false, having done nothing, when
 * an output is outside the arena or an input outside it is large.
 */
export type SimdRowsKernel = (
  operands: readonly SimdOperand[],
  strides: { rows: readonly number[]; planes: readonly number[] },
  [planes, rows, n]: readonly number[],
  scalars: readonly number[],
) => boolean;

/** Inputs outside the arena of at most this many elements are staged in it for a kernel over rows. */
const STAGED_MAX = 1 << 16;

/**
 * `kernel` over rows (strided or broadcast operands: a LayerNorm's [rows, n] with [rows, 1] and [n], a transposed
 * copy), or null where {@link compileSimd} would be. `broadcast[k]` marks the inputs that hold one value per row.
 * Outputs must be in the arena; small inputs outside it are copied into its scratch block first (operands that
 * are neither are refused: see {@link SimdRowsKernel}). The results are
 * those of the JavaScript kernels, as for {@link compileSimd}.
 *
 * @example
 * ```ts ignore
 * import * as ir from "../kernel_ir.ts";
 * import { compileSimdRows } from "./wasm_elementwise.ts";
 * const sub = ir.defineKernel(["float32", "float32"], [], ([x, m]) => [ir.sub(x, m)]);
 * const run = compileSimdRows(sub, [false, true]);
 * // x [768, 128] minus each row's mean [768, 1]: strides 128 and 1 per row, the output's 128; one plane.
 * run?.([x, mean, out], { rows: [128, 1, 128], planes: [0, 0, 0] }, [1, 768, 128], []);
 * ```
 */
export function compileSimdRows(kernel: Kernel, broadcast: readonly boolean[]): SimdRowsKernel | null {
  if (!simdable(kernel)) return null;
  const nIn = kernel.inputs.length;
  const count = nIn + kernel.outputs.length;
  const assembled = assemble(kernel, broadcast);
  const arena = sharedArena();
  return (operands, strides, [planes, rows, n], scalars) => {
    const spans = operands.map((_, k) =>
      (planes - 1) * strides.planes[k] + (rows - 1) * strides.rows[k] + (broadcast[k] ? 1 : n)
    );
    const staged = operands.map((o, k) => !arena.owns(o.array) && k < nIn);
    if (operands.some((o, k) => !arena.owns(o.array) && (k >= nIn || spans[k] > STAGED_MAX))) return false;
    const stagedBytes = spans.reduce((total, span, k) => total + (staged[k] ? span * 4 + 64 : 0), 0);
    const { at, mem } = reserve(count, stagedBytes);
    mem.set(scalars, at / 4);
    let next = at + SCALAR_BYTES + count * CHUNK * 4;
    const addresses = operands.map((o, k) => {
      if (!staged[k]) return o.array.byteOffset + o.offset * 4;
      const to = next;
      mem.set(o.array.subarray(o.offset, o.offset + spans[k]), to / 4);
      next += Math.ceil(spans[k] / 16) * 64;
      return to;
    });
    const inBytes = [strides.rows, strides.planes].map((ss) => ss.map((x) => x * 4));
    runRows(assembled, n * 4, at, addresses, inBytes, [planes, rows]);
    return true;
  };
}
