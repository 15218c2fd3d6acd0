/**
 * The code of the CPU backend's SIMD elementwise kernels (wasm_elementwise.ts runs them): which kernels WebAssembly
 * computes exactly as compile.ts's JavaScript kernels do — float32 add, sub, mul, div, sqrt, min, max, neg, abs,
 * recip and `where` on a float32 condition (IEEE float32 results, which is what rounding every float64 result to
 * float32 gives), and exp, tanh, sigmoid and erf, whose float64 formulas (float64_math.ts) run on two float64
 * lanes in the same order as compile.ts's, rounded once — and their modules: four elements per instruction, sixteen
 * a turn, over planes of rows whose operands are contiguous or broadcast per row.
 *
 * @module
 */
import { type Expr, type Kernel, topoOrder } from "../kernel_ir.ts";
import { sharedArena } from "./wasm_arena.ts";
import { moduleId } from "./wasm_helper.ts";
import { type Formula, formulaLocals, FORMULAS, formulaSimd, v128Const } from "./float64_math.ts";
import { countedLoop, HAS_SIMD, I32, moduleOf, op, seq, V128, whileBelow } from "./wasm_asm.ts";

/** Bytes before the operands' chunks in the scratch block, holding the runtime scalars as float32. */
export const SCALAR_BYTES = 1024;

const UNARY = { neg: op.f32x4.neg, abs: op.f32x4.abs, sqrt: op.f32x4.sqrt } as Record<string, number[]>;
const BINARY = {
  add: op.f32x4.add,
  sub: op.f32x4.sub,
  mul: op.f32x4.mul,
  div: op.f32x4.div,
  min: op.f32x4.min,
  max: op.f32x4.max,
} as Record<string, number[]>;

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

/**
 * Whether the SIMD kernels can compute `kernel` (float32 operands, the operations above, few enough scalars).
 *
 * @example
 * ```ts
 * import * as ir from "../kernel_ir.ts";
 * import { simdable } from "./wasm_kernel_code.ts";
 * console.log(simdable(ir.defineKernel(["float32"], [], ([x]) => [ir.exp(x)]))); // true
 * console.log(simdable(ir.defineKernel(["float32"], [], ([x]) => [ir.log(x)]))); // false
 * ```
 */
export function simdable(kernel: Kernel): boolean {
  return HAS_SIMD && kernel.inputs.every((d) => d === "float32") &&
    topoOrder(kernel.outputs).every(supported) &&
    kernel.scalars.length * 4 <= SCALAR_BYTES;
}

/** An assembled kernel: its module's bytes and id (for the helper thread), and its function on this thread. */
export interface Assembled {
  bytes: Uint8Array<ArrayBuffer>;
  id: number;
  /** Whether it computes a transcendental (then worth sharing with the helper from far fewer elements). */
  heavy: boolean;
  run: (...args: number[]) => void;
}

/**
 * The module of `kernel` over planes of rows: kernel(bytes, scalars, ...addresses, ...rowStrides, ...planeSteps,
 * rows, planes) runs `planes` planes of `rows` rows of `bytes` bytes, each operand's row `rowStride` bytes after
 * the previous one and its next plane `planeStep` bytes after the end of its last row; inputs marked in
 * `broadcast` hold one value per row (read once and splat) instead of a row. The runtime scalars are float32 at
 * `scalars` (at most {@link SCALAR_BYTES} bytes of them).
 *
 * @example
 * ```ts
 * import * as ir from "../kernel_ir.ts";
 * import { assemble } from "./wasm_kernel_code.ts";
 * const double = assemble(ir.defineKernel(["float32"], [], ([x]) => [ir.add(x, x)]), [false]);
 * console.log(WebAssembly.validate(double.bytes)); // true
 * ```
 */
export function assemble(kernel: Kernel, broadcast: readonly boolean[]): Assembled {
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
