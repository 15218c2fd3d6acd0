/**
 * Elementwise ops: each is one kernel of the IR (cached by dtype), run over broadcast operands. Numbers are
 * runtime scalars of the kernel, so `x.mul(lr)` with a changing `lr` compiles nothing new.
 *
 * @module
 */
import { record } from "../autograd/node.ts";
import type { Device } from "../backends/device.ts";
import * as ir from "../backends/kernel_ir.ts";
import type { Expr, Kernel } from "../backends/kernel_ir.ts";
import { type DType, isFloating, promoteTypes, resultType } from "./dtype.ts";
import { broadcastShapes, broadcastStrides, empty, sameShape } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

const kernels = new Map<string, Kernel>();

/** The kernel cached under `key`, built by `make` on first use. */
export function cachedKernel(key: string, make: () => Kernel): Kernel {
  let k = kernels.get(key);
  if (k === undefined) kernels.set(key, k = make());
  return k;
}

/** The one device all `tensors` live on, with PyTorch's error when they differ. */
export function commonDevice(tensors: readonly Tensor[]): Device {
  const device = tensors[0].device;
  for (const t of tensors) {
    if (t.device !== device) {
      throw new Error(
        `Expected all tensors to be on the same device, but found at least two devices, ${device} and ${t.device}`,
      );
    }
  }
  return device;
}

function checkInputs(kernel: Kernel, inputs: readonly Tensor[]): void {
  if (inputs.length !== kernel.inputs.length || inputs.some((t, i) => t.dtype !== kernel.inputs[i])) {
    throw new TypeError(
      `Kernel expects inputs of dtypes [${kernel.inputs}], got [${inputs.map((t) => t.dtype)}]`,
    );
  }
}

/**
 * Runs `kernel` on broadcast `inputs` and returns one new tensor per kernel output.
 *
 * @example
 * ```ts
 * import { defineKernel, mul, sub } from "@gradstep/gradstep/backends";
 * import { runKernel, tensor } from "@gradstep/gradstep";
 * const axpy = defineKernel(["float32", "float32"], ["float32"], ([x, y], [a]) => [sub(y, mul(a, x))]);
 * const [r] = runKernel(axpy, [tensor([1, 2]), tensor([3, 4])], [0.5]);
 * ```
 */
export function runKernel(
  kernel: Kernel,
  inputs: readonly Tensor[],
  scalars: readonly number[] = [],
): Tensor[] {
  checkInputs(kernel, inputs);
  const device = commonDevice(inputs);
  const shape = inputs.reduce<number[]>((s, t) => broadcastShapes(s, t.shape), []);
  // The kernel writes every element of its outputs, so they need no zeroing first.
  const outputs = kernel.outputs.map((e) => empty(shape, { dtype: e.dtype, device }, false));
  device.backend.elementwise(
    kernel,
    shape,
    inputs.map((t) => ({ buffer: t.storage.buffer, offset: t.offset, strides: broadcastStrides(t, shape) })),
    outputs.map((t) => t.strided),
    scalars,
  );
  return outputs;
}

/**
 * Runs `kernel` writing into existing `outputs` (views of one shape, e.g. a parameter updated in place); the
 * inputs broadcast to that shape and may be the outputs themselves.
 *
 * @example
 * ```ts
 * import { defineKernel, mul, sub } from "@gradstep/gradstep/backends";
 * import { noGrad, runKernelInto, tensor } from "@gradstep/gradstep";
 * const sgd = defineKernel(["float32", "float32"], ["float32"], ([p, g], [lr]) => [sub(p, mul(lr, g))]);
 * const param = tensor([1, 2, 3], { dtype: "float32" });
 * noGrad(() => runKernelInto(sgd, [param, tensor([0.5, 0.5, 0.5])], [param], [0.1])); // param: [0.95, 1.95, 2.95]
 * ```
 */
export function runKernelInto(
  kernel: Kernel,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  scalars: readonly number[] = [],
): void {
  checkInputs(kernel, inputs);
  const device = commonDevice([...outputs, ...inputs]);
  const shape = outputs[0].shape;
  outputs.forEach((t, i) => {
    if (t.dtype !== kernel.outputs[i].dtype) {
      throw new TypeError(
        `Kernel output ${i} is ${kernel.outputs[i].dtype}, but the tensor written is ${t.dtype}`,
      );
    }
    if (!sameShape(t.shape, shape)) {
      throw new Error(`Outputs of one kernel need one shape, got [${shape}] and [${t.shape}]`);
    }
  });
  for (const t of inputs) {
    if (!sameShape(broadcastShapes(t.shape, shape), shape)) {
      throw new Error(
        `output with shape [${shape}] doesn't match the broadcast shape [${broadcastShapes(t.shape, shape)}]`,
      );
    }
  }
  device.backend.elementwise(
    kernel,
    shape,
    inputs.map((t) => ({ buffer: t.storage.buffer, offset: t.offset, strides: broadcastStrides(t, shape) })),
    outputs.map((t) => t.strided),
    scalars,
  );
}

/** Copies `src` (broadcast, converted to `dst`'s dtype) into `dst`; returns `dst`. Not recorded. */
export function copyInto(dst: Tensor, src: Tensor): Tensor {
  const kernel = cachedKernel(
    `copy:${src.dtype}:${dst.dtype}`,
    () => ir.defineKernel([src.dtype], [], ([x]) => [ir.cast(x, dst.dtype)]),
  );
  runKernelInto(kernel, [src], [dst]);
  return dst;
}

// ---- unary ----------------------------------------------------------------------------------------------------

type UnaryName = "neg" | "abs" | "sign" | "sqrt" | "exp" | "log" | "tanh" | "sigmoid" | "relu";
const FLOAT_RESULT = new Set<UnaryName>(["sqrt", "exp", "log", "tanh", "sigmoid"]);
const UNARY: Record<UnaryName, (x: Expr) => Expr> = {
  neg: ir.neg,
  abs: ir.abs,
  // PyTorch's definition, (0 < x) - (x < 0): the sign of NaN is 0.
  sign: (x) => ir.sub(ir.cast(ir.lt(0, x), x.dtype), ir.cast(ir.lt(x, 0), x.dtype)),
  sqrt: ir.sqrt,
  exp: ir.exp,
  log: ir.log,
  tanh: ir.tanh,
  sigmoid: ir.sigmoid,
  relu: (x) => ir.max(x, 0),
};

function unary(name: UnaryName, t: Tensor): Tensor {
  if (t.dtype === "bool" && (name === "neg" || name === "sign" || name === "abs" || name === "relu")) {
    throw new TypeError(`${name}() is not supported for bool tensors`);
  }
  const dtype = FLOAT_RESULT.has(name) && !isFloating(t.dtype) ? "float32" : t.dtype;
  const kernel = cachedKernel(
    `${name}:${t.dtype}`,
    () => ir.defineKernel([t.dtype], [], ([x]) => [UNARY[name](ir.cast(x, dtype))]),
  );
  const [out] = runKernel(kernel, [t]);
  return isFloating(dtype) ? record(out, name, [t], {}) : out;
}

/** `-t` */
export const neg = (t: Tensor): Tensor => unary("neg", t);
/** `|t|` */
export const abs = (t: Tensor): Tensor => unary("abs", t);
/** -1, 0 or 1 by sign */
export const sign = (t: Tensor): Tensor => unary("sign", t);
/** square root */
export const sqrt = (t: Tensor): Tensor => unary("sqrt", t);
/** e to the power t */
export const exp = (t: Tensor): Tensor => unary("exp", t);
/** natural logarithm */
export const log = (t: Tensor): Tensor => unary("log", t);
/** hyperbolic tangent */
export const tanh = (t: Tensor): Tensor => unary("tanh", t);
/** logistic sigmoid */
export const sigmoid = (t: Tensor): Tensor => unary("sigmoid", t);
/** `max(t, 0)` */
export const relu = (t: Tensor): Tensor => unary("relu", t);

// ---- binary ---------------------------------------------------------------------------------------------------

/** `x ** y`; integer tensors to integer tensor powers go through float32, exact while results stay below 2^24. */
function powExpr(x: Expr, y: Expr): Expr {
  if (x.dtype !== "int32") return ir.pow(x, y);
  return ir.cast(ir.pow(ir.cast(x, "float32"), ir.cast(y, "float32")), "int32");
}

/** The arithmetic binary ops; `add`/`sub` take an `alpha` multiplying the second operand. */
export type ArithName = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";
const ARITH: Record<ArithName, (x: Expr, y: Expr) => Expr> = {
  add: ir.add,
  sub: ir.sub,
  mul: ir.mul,
  div: ir.div,
  pow: powExpr,
  maximum: ir.max,
  minimum: ir.min,
};

function operandType(a: Tensor, b: Tensor | number): DType {
  return typeof b === "number"
    ? resultType([{ dtype: a.dtype, rank: a.ndim }], [b])
    : resultType([{ dtype: a.dtype, rank: a.ndim }, { dtype: b.dtype, rank: b.ndim }]);
}

/**
 * `a op b` with PyTorch's type promotion; `alpha` scales `b` for add/sub. Writes into `out` when given (in-place
 * ops; not recorded), else returns a new, recorded tensor.
 */
export function arith(name: ArithName, a: Tensor, b: Tensor | number, alpha?: number, out?: Tensor): Tensor {
  let dtype = operandType(a, b);
  if ((name === "div" || name === "pow") && !isFloating(dtype)) {
    const integral = name === "pow" &&
      (typeof b === "number" ? Number.isInteger(b) && b >= 0 : dtype === "int32");
    dtype = integral ? dtype : "float32";
  }
  if (dtype === "bool" && name !== "maximum" && name !== "minimum" && name !== "mul") {
    throw new TypeError(
      `${name}() is not supported for two bool operands; convert one with .int() or .float()`,
    );
  }
  if (name === "pow" && dtype === "int32" && typeof b === "number") return powInt(a, b, out);
  if (alpha !== undefined && dtype !== "float32" && dtype !== "float16" && !Number.isInteger(alpha)) {
    throw new TypeError(
      `For integral input tensors, argument alpha must not be a floating point number, got ${alpha}`,
    );
  }
  const scaled = alpha !== undefined && alpha !== 1;
  const target = out?.dtype ?? dtype;
  const bType = typeof b === "number" ? "scalar" : b.dtype;
  const kernel = cachedKernel(`${name}:${a.dtype}:${bType}:${dtype}:${target}:${scaled}`, () => {
    const inputs = typeof b === "number" ? [a.dtype] : [a.dtype, b.dtype];
    const scalars: DType[] = typeof b === "number" ? [dtype] : [];
    if (scaled) scalars.push(dtype);
    return ir.defineKernel(inputs, scalars, (ins, scs) => {
      const x = ir.cast(ins[0], dtype);
      let y = typeof b === "number" ? scs[0] : ir.cast(ins[1], dtype);
      if (scaled) y = ir.mul(scs[scs.length - 1], y);
      return [ir.cast(ARITH[name](x, y), target)];
    });
  });
  const inputs = typeof b === "number" ? [a] : [a, b];
  const scalars = typeof b === "number" ? [b] : [];
  if (scaled) scalars.push(alpha);
  if (out !== undefined) {
    runKernelInto(kernel, inputs, [out], scalars);
    return out;
  }
  const [result] = runKernel(kernel, inputs, scalars);
  if (!isFloating(dtype)) return result;
  return record(result, name, inputs, { other: typeof b === "number" ? b : undefined, alpha: alpha ?? 1 });
}

/** Integer powers of an integer tensor by repeated multiplication (PyTorch keeps them integral). */
function powInt(a: Tensor, exponent: number, out?: Tensor): Tensor {
  const kernel = cachedKernel(
    `powInt:${a.dtype}:${exponent}:${out?.dtype}`,
    () =>
      ir.defineKernel([a.dtype], [], ([x]) => {
        let acc: Expr = ir.constant(1, "int32");
        for (let i = 0; i < exponent; i++) acc = ir.mul(acc, ir.cast(x, "int32"));
        return [ir.cast(acc, out?.dtype ?? "int32")];
      }),
  );
  if (out === undefined) return runKernel(kernel, [a])[0];
  runKernelInto(kernel, [a], [out]);
  return out;
}

/** `a + alpha * b` */
export const add = (a: Tensor, b: Tensor | number, alpha?: number): Tensor => arith("add", a, b, alpha);
/** `a - alpha * b` */
export const sub = (a: Tensor, b: Tensor | number, alpha?: number): Tensor => arith("sub", a, b, alpha);
/** `a * b` */
export const mul = (a: Tensor, b: Tensor | number): Tensor => arith("mul", a, b);
/** `a / b` (true division: integers give float32) */
export const div = (a: Tensor, b: Tensor | number): Tensor => arith("div", a, b);
/** `a ** b` */
export const pow = (a: Tensor, b: Tensor | number): Tensor => arith("pow", a, b);
/** elementwise larger of a and b (NaN propagates) */
export const maximum = (a: Tensor, b: Tensor | number): Tensor => arith("maximum", a, b);
/** elementwise smaller of a and b (NaN propagates) */
export const minimum = (a: Tensor, b: Tensor | number): Tensor => arith("minimum", a, b);

/** The comparison ops; they return bool tensors and are not differentiable. */
export type CompareName = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

/** `a op b` as a bool tensor. */
export function compare(name: CompareName, a: Tensor, b: Tensor | number): Tensor {
  const dtype = operandType(a, b);
  const bType = typeof b === "number" ? "scalar" : b.dtype;
  const kernel = cachedKernel(`${name}:${a.dtype}:${bType}:${dtype}`, () =>
    ir.defineKernel(
      typeof b === "number" ? [a.dtype] : [a.dtype, b.dtype],
      typeof b === "number" ? [dtype] : [],
      (
        ins,
        scs,
      ) => [ir[name](ir.cast(ins[0], dtype), typeof b === "number" ? scs[0] : ir.cast(ins[1], dtype))],
    ));
  return typeof b === "number" ? runKernel(kernel, [a], [b])[0] : runKernel(kernel, [a, b])[0];
}

/**
 * `a` where `condition` is true (non-zero), else `b`, broadcasting all three.
 *
 * @example
 * ```ts
 * import { tensor, where } from "@gradstep/gradstep";
 * const x = tensor([-1, 2, -3]);
 * const y = where(x.gt(0), x, 0); // [0, 2, 0]
 * ```
 */
export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const tensors = [a, b].filter((v): v is Tensor => typeof v !== "number");
  const numbers = [a, b].filter((v): v is number => typeof v === "number");
  const dtype = resultType(tensors.map((t) => ({ dtype: t.dtype, rank: t.ndim })), numbers);
  const kinds = [a, b].map((v) => (typeof v === "number" ? "s" : v.dtype)).join(",");
  const kernel = cachedKernel(
    `where:${condition.dtype}:${kinds}:${dtype}`,
    () =>
      ir.defineKernel(
        [condition.dtype, ...tensors.map((t) => t.dtype)],
        numbers.map(() => dtype),
        (ins, scs) => {
          let ti = 1;
          let si = 0;
          const pick = (
            v: Tensor | number,
          ): Expr => (typeof v === "number" ? scs[si++] : ir.cast(ins[ti++], dtype));
          const x = pick(a);
          return [ir.where(ins[0], x, pick(b))];
        },
      ),
  );
  const [out] = runKernel(kernel, [condition, ...tensors], numbers);
  return isFloating(dtype)
    ? record(out, "where", tensors, { condition, a: typeof a === "number" ? a : undefined })
    : out;
}

/** `t` limited to [min, max]; either bound may be undefined. NaN stays NaN. */
export function clamp(t: Tensor, min?: number, max?: number): Tensor {
  if (min === undefined && max === undefined) throw new Error("clamp() needs at least one of min and max");
  const dtype = resultType(
    [{ dtype: t.dtype, rank: t.ndim }],
    [min, max].filter((v) => v !== undefined) as number[],
  );
  const kernel = cachedKernel(
    `clamp:${t.dtype}:${dtype}:${min !== undefined}:${max !== undefined}`,
    () =>
      ir.defineKernel([t.dtype], [dtype, dtype], ([x], [lo, hi]) => {
        let y = ir.cast(x, dtype);
        if (min !== undefined) y = ir.max(y, lo);
        if (max !== undefined) y = ir.min(y, hi);
        return [y];
      }),
  );
  const [out] = runKernel(kernel, [t], [min ?? 0, max ?? 0]);
  return isFloating(dtype) ? record(out, "clamp", [t], { min, max }) : out;
}

/** `t` converted to `dtype` (`t` itself when it already is). Float-to-float conversions are recorded. */
export function cast(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const [out] = runKernel(
    cachedKernel(
      `copy:${t.dtype}:${dtype}`,
      () => ir.defineKernel([t.dtype], [], ([x]) => [ir.cast(x, dtype)]),
    ),
    [t],
  );
  return isFloating(dtype) && isFloating(t.dtype) ? record(out, "cast", [t], {}) : out;
}

/** Shorthand used by the gradient rules: the promoted dtype of two tensors. */
export function promoted(a: Tensor, b: Tensor): DType {
  return promoteTypes(a.dtype, b.dtype);
}
