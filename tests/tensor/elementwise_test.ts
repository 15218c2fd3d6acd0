import { Device, type Tensor, tensor, where } from "../../mod.ts";
import { CpuBackend } from "../../backends/cpu/cpu_backend.ts";
import { assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { type OpArgs, type OpEntry, testOps } from "./op_cases.ts";

const UNARY =
  "matches PyTorch forward and backward on 0-d, empty, transposed, expanded, special and int32 inputs";
const BINARY =
  "broadcasts both ways and matches PyTorch forward and backward, with views, numbers and promotion";
const COMPARE = "broadcasts and matches PyTorch on ties, NaN, infinities, numbers and mixed dtypes";

/** The second operand: the second input, or the number the case gives. */
const other = (xs: Tensor[], a: OpArgs): Tensor | number => xs[1] ?? a.other!;
const alpha = (
  a: OpArgs,
): { alpha: number } | undefined => (a.alpha === undefined ? undefined : { alpha: a.alpha });

const table: Record<string, OpEntry> = {
  neg: { title: UNARY, run: ([x]) => x.neg() },
  sqrt: { title: UNARY, run: ([x]) => x.sqrt() },
  exp: { title: UNARY, run: ([x]) => x.exp() },
  log: { title: `${UNARY} (log of 0 is -inf)`, run: ([x]) => x.log() },
  abs: { title: UNARY, run: ([x]) => x.abs() },
  sign: { title: UNARY, run: ([x]) => x.sign() },
  relu: { title: `${UNARY} (NaN passes its gradient)`, run: ([x]) => x.relu() },
  sigmoid: { title: UNARY, run: ([x]) => x.sigmoid() },
  tanh: { title: UNARY, run: ([x]) => x.tanh() },
  add: { title: `${BINARY} and alpha`, run: (xs, a) => xs[0].add(other(xs, a), alpha(a)) },
  sub: { title: `${BINARY} and alpha`, run: (xs, a) => xs[0].sub(other(xs, a), alpha(a)) },
  mul: { title: BINARY, run: (xs, a) => xs[0].mul(other(xs, a)) },
  div: { title: `${BINARY} (division by zero)`, run: (xs, a) => xs[0].div(other(xs, a)) },
  pow: {
    title: `${BINARY} (zero bases, negative and int exponents)`,
    run: (xs, a) => xs[0].pow(other(xs, a)),
  },
  maximum: { title: `${BINARY} (ties split the gradient, NaN)`, run: (xs, a) => xs[0].maximum(other(xs, a)) },
  minimum: { title: `${BINARY} (ties split the gradient, NaN)`, run: (xs, a) => xs[0].minimum(other(xs, a)) },
  eq: { title: COMPARE, run: (xs, a) => xs[0].eq(other(xs, a)) },
  ne: { title: COMPARE, run: (xs, a) => xs[0].ne(other(xs, a)) },
  gt: { title: COMPARE, run: (xs, a) => xs[0].gt(other(xs, a)) },
  lt: { title: COMPARE, run: (xs, a) => xs[0].lt(other(xs, a)) },
  ge: { title: COMPARE, run: (xs, a) => xs[0].ge(other(xs, a)) },
  le: { title: COMPARE, run: (xs, a) => xs[0].le(other(xs, a)) },
  where: {
    title: "broadcasts condition and branches, takes numbers on either side and matches PyTorch backward",
    run: ([condition, ...rest], a) => {
      const x = a.a ?? rest.shift()!;
      const y = a.b ?? rest.shift()!;
      return typeof x === "number" ? where(condition, x, y) : x.where(condition, y);
    },
  },
  clamp: {
    title: "matches PyTorch on bounds, NaN, infinities, min > max and int32, forward and backward",
    run: ([x], a) => x.clamp(a.min, a.max),
  },
  float: { title: "casts int32 and bool to float32 as PyTorch does", run: ([x]) => x.float() },
  int: { title: "casts to int32 truncating toward zero as PyTorch does", run: ([x]) => x.int() },
  half: { title: "rounds to float16 as PyTorch does and passes the gradient back", run: ([x]) => x.half() },
  bool: { title: "casts to bool as PyTorch does", run: ([x]) => x.bool() },
};

testOps("elementwise", table);

testOnDevices("binary ops reject shapes that do not broadcast, naming both shapes", (dev) => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], { device: dev });
  const b = tensor([1, 2], { device: dev });
  assertThrows(() => a.add(b), Error, "shapes [2,3] and [2] do not broadcast");
  assertThrows(() => a.mul(b), Error, "The size of tensor a (3) must match the size of tensor b (2)");
  assertThrows(() => a.eq(b), Error, "do not broadcast");
  assertThrows(() => where(a.gt(1), a, b), Error, "do not broadcast");
});

testOnDevices(
  "bool arithmetic and float alpha on integers are refused with the fix in the message",
  (dev) => {
    const b = tensor([true, false], { device: dev });
    assertThrows(() => b.add(b), TypeError, "add() is not supported for two bool operands");
    assertThrows(() => b.neg(), TypeError, "neg() is not supported for bool tensors");
    const i = tensor([1, 2], { dtype: "int32", device: dev });
    assertThrows(
      () => i.add(i, { alpha: 0.5 }),
      TypeError,
      "alpha must not be a floating point number, got 0.5",
    );
  },
);

testOnDevices("clamp without bounds is an error", (dev) => {
  assertThrows(
    () => tensor([1, 2], { device: dev }).clamp(),
    Error,
    "clamp() needs at least one of min and max",
  );
});

testOnDevices("tensors on different devices cannot be combined", (dev) => {
  const elsewhere = new Device("cpu", "a second CPU", new Set(), new CpuBackend());
  const a = tensor([1, 2], { device: dev });
  const b = tensor([3, 4], { device: elsewhere });
  assertThrows(
    () => a.add(b),
    Error,
    "Expected all tensors to be on the same device, but found at least two devices",
  );
  assertThrows(() => a.matmul(b), Error, "Expected all tensors to be on the same device");
});
