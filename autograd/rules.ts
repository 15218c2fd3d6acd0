/**
 * The gradient rules: one entry per differentiable primitive, written with tensor ops so backward runs on any
 * backend. Each rule gets the gradient of the op's output, the op's inputs, its output and its arguments, and
 * returns one gradient per input (shaped like the output when the input was broadcast: the engine does not
 * reduce; rules call `sumTo`). Rules run without recording.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import type { Kernel } from "../backends/kernel_ir.ts";
import type { DType } from "../tensor/dtype.ts";
import * as ew from "../tensor/elementwise.ts";
import { cachedKernel, runKernel } from "../tensor/elementwise.ts";
import { scatterAddInRange } from "../tensor/indexing.ts";
import { matmul } from "../tensor/matmul.ts";
import { copyAllInto } from "../tensor/multi_copy.ts";
import { argExtreme, sum, sumTo } from "../tensor/reduce.ts";
import {
  empty,
  expand,
  isContiguous,
  narrow,
  permute,
  reshape,
  transpose,
  viewStrides,
} from "../tensor/shape.ts";
import { erfBackward, rsqrtBackward } from "../tensor/special.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { FusedBackward } from "./function.ts";

/** The arguments of an op whose rule needs none. */
export type NoArgs = Record<never, never>;

/** Arguments of the arithmetic ops. */
export interface BinaryArgs {
  /** The second operand when it was a plain number (then the op has one tensor input). */
  other: number | undefined;
  /** The factor add/sub applied to the second operand (1 for the other ops). */
  alpha: number;
}

/** Arguments of `where`. */
export interface WhereArgs {
  /** The condition (not differentiated). */
  condition: Tensor;
  /** The true branch when it was a plain number (then the only tensor input is the false branch). */
  a: number | undefined;
}

/** Each differentiable primitive and the non-tensor arguments its rule needs. */
export interface OpArgs {
  /** `-x` */
  neg: NoArgs;
  /** `|x|` */
  abs: NoArgs;
  /** sign(x): gradient zero */
  sign: NoArgs;
  /** `√x` (rule uses the output) */
  sqrt: NoArgs;
  /** `eˣ` (rule uses the output) */
  exp: NoArgs;
  /** `ln x` */
  log: NoArgs;
  /** tanh (rule uses the output) */
  tanh: NoArgs;
  /** logistic sigmoid (rule uses the output) */
  sigmoid: NoArgs;
  /** `max(x, 0)` (rule uses the output) */
  relu: NoArgs;
  /** the error function */
  erf: NoArgs;
  /** `1/√x` (rule uses the output) */
  rsqrt: NoArgs;
  /** a float-to-float dtype conversion */
  cast: NoArgs;
  /** `a + alpha·b` */
  add: BinaryArgs;
  /** `a − alpha·b` */
  sub: BinaryArgs;
  /** `a·b` */
  mul: BinaryArgs;
  /** `a / b` */
  div: BinaryArgs;
  /** `aᵇ` */
  pow: BinaryArgs;
  /** elementwise max of two operands */
  maximum: BinaryArgs;
  /** elementwise min of two operands */
  minimum: BinaryArgs;
  /** `condition ? a : b` */
  where: WhereArgs;
  /** `x` limited to [min, max] */
  clamp: { min: number | undefined; max: number | undefined };
  /** sum over `dims` */
  sum: { dims: number[]; keepdim: boolean };
  /** max or min over one dim (to its first index) or over all elements (spread over ties) */
  extreme: { op: "max" | "min"; dim: number | undefined; keepdim: boolean };
  /** batched matrix product of operands with at least 2 dimensions */
  matmul: NoArgs;
  /** values at `index` along `dim` */
  gather: { dim: number; index: Tensor };
  /** a view in another shape; `shape` is the input's */
  reshape: { shape: readonly number[] };
  /** a view with dimensions reordered as `dims` */
  permute: { dims: number[] };
  /** a broadcast view; `shape` is the input's */
  expand: { shape: readonly number[] };
  /** a view of a slice along `dim` from `start` */
  narrow: { dim: number; start: number };
  /** a row-major copy */
  contiguous: NoArgs;
  /** concatenation along `dim` of inputs of `sizes` there */
  cat: { dim: number; sizes: number[] };
  /** a composite with its own backward (autograd/function.ts) */
  fused: FusedArgs;
}

/** Arguments of a fused op: its name (for messages), what its forward kept, and its backward. */
export interface FusedArgs {
  /** The op's name, as errors and the tape show it. */
  name: string;
  /** Tensors the forward kept for backward. */
  saved: readonly Tensor[];
  /** One gradient (or null) per input. */
  backward: FusedBackward;
}

/**
 * A rule: output gradient, inputs, output and arguments in; one gradient (or null) per input out. `needed[i]` says
 * whether input i wants its gradient; rules whose gradients are costly skip the unneeded ones. `takeAccumulated(i)`
 * hands over the gradient the engine has summed for input i so far (null when none), which the rule must then add
 * into its own gradient for input i: fused ops add it in their last kernel instead of the engine in one of its own.
 */
export type Rule<A> = (
  g: Tensor,
  inputs: readonly Tensor[],
  output: Tensor,
  args: A,
  needed: readonly boolean[],
  takeAccumulated: (i: number) => Tensor | null,
) => (Tensor | null)[];

const zerosShaped = (t: Tensor): Tensor => empty(t.shape, t);

/**
 * The derivative of max/min between two operands, as PyTorch: half each on a tie, nothing to the loser, the whole
 * gradient otherwise (so both operands get it where either is NaN).
 */
function extremeOfTwo(op: "maximum" | "minimum", g: Tensor, a: Tensor, b: Tensor | number): Tensor {
  const loses = ew.compare(op === "maximum" ? "lt" : "gt", a, b);
  const ties = ew.compare("eq", a, b);
  return ew.where(ties, ew.div(g, 2), ew.where(loses, 0, g));
}

/** Whether `t` is the transpose of a contiguous matrix (or batch of them), as `weight.T` is, and not contiguous. */
function readsTransposed(t: Tensor): boolean {
  return !isContiguous(t) && isContiguous(transpose(t, -2, -1));
}

/** ReLU's gradient in one kernel: [g, y] → 0 where y ≤ 0, else g. */
function reluGradKernel(grad: DType, output: DType): Kernel {
  return cachedKernel(`relu-grad:${grad}:${output}`, () =>
    ir.defineKernel([grad, output], [], ([g, y]) => [
      ir.where(ir.le(y, ir.constant(0, output)), ir.constant(0, grad), g),
    ]));
}

/**
 * The gradient `g` of a view narrowed from `start` along `dim`, `size` long there; `g` may have the shape of a
 * reshape of that view (the engine passes a reshape's gradient straight through to the narrow below it).
 */
export interface NarrowedGradient {
  /** The dimension narrowed. */
  dim: number;
  /** Where the view starts along it. */
  start: number;
  /** Its length along `dim`. */
  size: number;
  /** The view's gradient, in the view's shape or a reshape of it. */
  g: Tensor;
}

/**
 * The gradient of `x` from those of views narrowed from it (the pieces of a split): zeros with each piece's
 * gradient written in its place. Pieces that overlap (two views of one region, or views along different
 * dimensions) cannot be written together: each layer holds pieces along one dimension that are pairwise disjoint,
 * and the layers' gradients are summed (a split has one layer).
 */
export function narrowGradient(x: Tensor, pieces: readonly NarrowedGradient[]): Tensor {
  const layers: NarrowedGradient[][] = [];
  for (const piece of pieces) {
    const layer = layers.find((l) =>
      l[0].dim === piece.dim &&
      l.every((q) => q.start + q.size <= piece.start || piece.start + piece.size <= q.start)
    );
    if (layer === undefined) layers.push([piece]);
    else layer.push(piece);
  }
  return layers.map((layer) => writtenTogether(x, layer)).reduce((a, b) => ew.add(a, b));
}

/**
 * Zeros shaped as `x` with each of the disjoint `pieces`' gradients written in its place (through a view in the
 * piece's shape, or after a reshape of the piece where no view can), the pieces of one shape in one kernel.
 */
function writtenTogether(x: Tensor, pieces: readonly NarrowedGradient[]): Tensor {
  const full = zerosShaped(x);
  const places = pieces.map(({ dim, start, size }) => narrow(full, dim, start, size));
  const through = pieces.map(({ g }, i) => viewStrides(places[i], g.shape) !== null);
  copyAllInto(
    places.map((place, i) => (through[i] ? reshape(place, pieces[i].g.shape) : place)),
    pieces.map(({ g }, i) => (through[i] ? g : reshape(g, places[i].shape))),
  );
  return full;
}

/** The rule table. */
export const rules: { [K in keyof OpArgs]: Rule<OpArgs[K]> } = {
  neg: (g) => [ew.neg(g)],
  abs: (g, [x]) => [ew.mul(g, ew.sign(x))],
  sign: (_g, [x]) => [zerosShaped(x)],
  sqrt: (g, _x, y) => [ew.div(g, ew.mul(y, 2))],
  exp: (g, _x, y) => [ew.mul(g, y)],
  log: (g, [x]) => [ew.div(g, x)],
  tanh: (g, _x, y) => [ew.mul(g, ew.neg(ew.sub(ew.mul(y, y), 1)))],
  sigmoid: (g, _x, y) => [ew.mul(ew.mul(g, ew.neg(ew.sub(y, 1))), y)],
  // As PyTorch's threshold_backward: nothing where the output is <= 0, so a NaN passes its gradient.
  relu: (g, _x, y) => [runKernel(reluGradKernel(g.dtype, y.dtype), [g, y])[0]],
  erf: (g, [x]) => [erfBackward(g, x)],
  rsqrt: (g, _x, y) => [rsqrtBackward(g, y)],
  // PyTorch's ToCopyBackward: the gradient goes back in the input's dtype (float32 master weights get float32).
  cast: (g, [x]) => [ew.cast(g, x.dtype)],
  add: (g, [a, b], _y, { alpha }) =>
    b === undefined ? [g] : [sumTo(g, a.shape), sumTo(alpha === 1 ? g : ew.mul(g, alpha), b.shape)],
  sub: (g, [a, b], _y, { alpha }) =>
    b === undefined ? [g] : [sumTo(g, a.shape), sumTo(ew.mul(g, -alpha), b.shape)],
  mul: (g, [a, b], _y, { other }) =>
    b === undefined ? [ew.mul(g, other!)] : [sumTo(ew.mul(g, b), a.shape), sumTo(ew.mul(g, a), b.shape)],
  div: (g, [a, b], _y, { other }) =>
    b === undefined
      ? [ew.div(g, other!)]
      : [sumTo(ew.div(g, b), a.shape), sumTo(ew.mul(ew.neg(g), ew.div(ew.div(a, b), b)), b.shape)],
  pow: (g, [a, b], y, { other }) => {
    if (b === undefined) {
      return [other === 0 ? zerosShaped(a) : ew.mul(g, ew.mul(ew.pow(a, other! - 1), other!))];
    }
    // As PyTorch: no gradient to the base where the exponent is 0, none to the exponent where the base is 0 and
    // the exponent non-negative.
    const ga = ew.where(ew.compare("eq", b, 0), 0, ew.mul(g, ew.mul(b, ew.pow(a, ew.sub(b, 1)))));
    const zeroBase = ew.mul(ew.compare("eq", a, 0), ew.compare("ge", b, 0));
    const gb = ew.mul(g, ew.where(zeroBase, 0, ew.mul(y, ew.log(a))));
    return [sumTo(ga, a.shape), sumTo(gb, b.shape)];
  },
  maximum: (g, [a, b], _y, { other }) =>
    b === undefined
      ? [extremeOfTwo("maximum", g, a, other!)]
      : [sumTo(extremeOfTwo("maximum", g, a, b), a.shape), sumTo(extremeOfTwo("maximum", g, b, a), b.shape)],
  minimum: (g, [a, b], _y, { other }) =>
    b === undefined
      ? [extremeOfTwo("minimum", g, a, other!)]
      : [sumTo(extremeOfTwo("minimum", g, a, b), a.shape), sumTo(extremeOfTwo("minimum", g, b, a), b.shape)],
  where: (g, inputs, _y, { condition, a }) => {
    const onTrue = ew.where(condition, g, 0);
    const onFalse = ew.where(condition, 0, g);
    if (inputs.length === 2) return [sumTo(onTrue, inputs[0].shape), sumTo(onFalse, inputs[1].shape)];
    return a === undefined ? [sumTo(onTrue, inputs[0].shape)] : [sumTo(onFalse, inputs[0].shape)];
  },
  clamp: (g, [x], _y, { min, max }) => {
    let inside = ew.compare("eq", x, x);
    if (min !== undefined) inside = ew.mul(inside, ew.compare("ge", x, min));
    if (max !== undefined) inside = ew.mul(inside, ew.compare("le", x, max));
    return [ew.where(inside, g, 0)];
  },
  sum: (g, [x], _y, { dims, keepdim }) => {
    const kept = keepdim ? g : reshape(g, x.shape.map((s, i) => (dims.includes(i) ? 1 : s)));
    return [expand(kept, x.shape)];
  },
  extreme: (g, [x], y, { op, dim, keepdim }) => {
    if (dim === undefined) {
      // As PyTorch: spread evenly over the elements equal to the result, or over the NaNs when it is NaN.
      const nanResult = ew.compare("ne", y, y);
      const hits = ew.cast(ew.where(nanResult, ew.compare("ne", x, x), ew.compare("eq", x, y)), g.dtype);
      return [ew.mul(hits, ew.div(g, sum(hits)))];
    }
    const at = argExtreme(op === "max" ? "argmax" : "argmin", x, dim, true);
    const spread = keepdim ? g : reshape(g, at.shape);
    return [scatterAddInRange(zerosShaped(x), dim, at, spread)];
  },
  // An operand read transposed (a Linear layer's `weight.T`) gets its gradient as the transpose of a product
  // in the operand's own memory layout, so the transposes undo each other and nothing is copied.
  matmul: (g, [a, b], _y, _args, needed) => [
    needed[0]
      ? sumTo(
        readsTransposed(a)
          ? transpose(matmul(b, transpose(g, -2, -1)), -2, -1)
          : matmul(g, transpose(b, -2, -1)),
        a.shape,
      )
      : null,
    needed[1]
      ? sumTo(
        readsTransposed(b)
          ? transpose(matmul(transpose(g, -2, -1), a), -2, -1)
          : matmul(transpose(a, -2, -1), g),
        b.shape,
      )
      : null,
  ],
  gather: (g, [x], _y, { dim, index }) => [scatterAddInRange(zerosShaped(x), dim, index, g)],
  reshape: (g, _x, _y, { shape }) => [reshape(g, shape)],
  permute: (g, _x, _y, { dims }) => {
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [permute(g, inverse)];
  },
  expand: (g, _x, _y, { shape }) => [sumTo(g, shape)],
  narrow: (g, [x], _y, { dim, start }) => [narrowGradient(x, [{ dim, start, size: g.shape[dim], g }])],
  contiguous: (g) => [g],
  cat: (g, _x, _y, { dim, sizes }) => {
    let at = 0;
    return sizes.map((size) => narrow(g, dim, (at += size) - size, size));
  },
  fused: (g, inputs, output, { saved, backward }, needed, takeAccumulated) =>
    backward(g, { inputs, output, saved, needed, takeAccumulated }),
};
