import { noGrad, type Tensor, tensor } from "../../mod.ts";
import { assert, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { type OpArgs, type OpEntry, testOps } from "./op_cases.ts";

const ARITH = "writes into its tensor (views included) as PyTorch does, broadcasting the operand";

const other = (xs: Tensor[], a: OpArgs): Tensor | number => xs[1] ?? a.other!;
const alpha = (
  a: OpArgs,
): { alpha: number } | undefined => (a.alpha === undefined ? undefined : { alpha: a.alpha });

const table: Record<string, OpEntry> = {
  add_: { title: `${ARITH}, with alpha`, run: (xs, a) => xs[0].add_(other(xs, a), alpha(a)) },
  sub_: { title: `${ARITH}, with alpha`, run: (xs, a) => xs[0].sub_(other(xs, a), alpha(a)) },
  mul_: { title: ARITH, run: (xs, a) => xs[0].mul_(other(xs, a)) },
  div_: { title: ARITH, run: (xs, a) => xs[0].div_(other(xs, a)) },
  copy_: { title: "broadcasts and converts its source as PyTorch does", run: ([x, src]) => x.copy_(src) },
  fill_: {
    title: "fills contiguous and narrowed tensors as PyTorch does",
    run: ([x], a) => x.fill_(a.value!),
  },
  zero_: { title: "zeroes a view as PyTorch does", run: ([x]) => x.zero_() },
};

testOps("inplace", table);

testOnDevices("in-place ops refuse results their tensor's dtype cannot hold", (dev) => {
  const i = tensor([1, 2, 3], { dtype: "int32", device: dev });
  const message = "result type float32 can't be cast to the desired output type int32";
  assertThrows(() => i.add_(0.5), TypeError, message);
  assertThrows(() => i.mul_(tensor([1.5, 2, 3], { device: dev })), TypeError, message);
  assertThrows(() => i.div_(2), TypeError, message);
});

testOnDevices("in-place ops refuse a shape the operand does not broadcast to", (dev) => {
  const x = tensor([1, 2, 3], { dtype: "float32", device: dev });
  assertThrows(() => x.add_(tensor([[1, 2, 3]], { dtype: "float32", device: dev })), Error, "[1,3]");
  assertThrows(() => x.copy_(tensor([1, 2], { dtype: "float32", device: dev })), Error, "do not broadcast");
});

testOnDevices(
  "in-place ops on a leaf that requires grad need noGrad, and are refused on recorded tensors",
  (dev) => {
    const w = tensor([1, 2], { dtype: "float32", device: dev, requiresGrad: true });
    assertThrows(
      () => w.sub_(1),
      Error,
      "a leaf Variable that requires grad is being used in an in-place operation",
    );
    assertThrows(
      () => w.mul(2).zero_(),
      Error,
      "in-place operations on tensors recorded by autograd are not supported",
    );
    noGrad(() => w.sub_(1));
    assert(w.isLeaf && w.requiresGrad);
  },
);
