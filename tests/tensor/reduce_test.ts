import { tensor } from "../../mod.ts";
import { assertThrows } from "../../deps.ts";
import { testOnDevices, TOLERANCE } from "../helpers.ts";
import { type OpArgs, type OpEntry, testOps } from "./op_cases.ts";

const SUM = "reduces all, one, several and negative dims with and without keepdim, 0-d, empty and strided " +
  "inputs, and matches PyTorch forward and backward";
const EXTREME = "matches PyTorch forward and backward: ties over all elements share the gradient evenly, " +
  "ties over a dim send it to the first, NaN wins";
const ARG = "returns PyTorch's int32 positions: the first on ties, NaN wins";
const SOFTMAX = "matches PyTorch forward and backward along any dim, stably for large values and with -inf";

const keepdim = (a: OpArgs): { keepdim: boolean } => ({ keepdim: a.keepdim ?? false });
const oneDim = (a: OpArgs): number | undefined => a.dim as number | undefined;

const table: Record<string, OpEntry> = {
  sum: { title: SUM, run: ([x], a) => x.sum(a.dim, keepdim(a)) },
  mean: { title: SUM, run: ([x], a) => x.mean(a.dim, keepdim(a)) },
  max: { title: EXTREME, run: ([x], a) => x.max(oneDim(a), keepdim(a)) },
  min: { title: EXTREME, run: ([x], a) => x.min(oneDim(a), keepdim(a)) },
  argmax: { title: ARG, run: ([x], a) => x.argmax(oneDim(a), keepdim(a)) },
  argmin: { title: ARG, run: ([x], a) => x.argmin(oneDim(a), keepdim(a)) },
  softmax: { title: SOFTMAX, run: ([x], a) => x.softmax(a.dim as number), tolerance: TOLERANCE.composite },
  logSoftmax: {
    title: SOFTMAX,
    run: ([x], a) => x.logSoftmax(a.dim as number),
    tolerance: TOLERANCE.composite,
  },
  logsumexp: {
    title: "matches PyTorch forward and backward over one or several dims, with infinities and stably",
    run: ([x], a) => x.logsumexp(a.dim!, keepdim(a)),
    tolerance: TOLERANCE.composite,
  },
};

testOps("reduce", table);

testOnDevices("reductions reject dims out of range, naming the dim and the valid range", (dev) => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float32", device: dev });
  const message = "Dimension out of range (expected to be in range of [-2, 1], but got 2)";
  assertThrows(() => x.sum(2), RangeError, message);
  assertThrows(() => x.mean([0, -3]), RangeError, "but got -3");
  assertThrows(() => x.max(2), RangeError, message);
  assertThrows(() => x.argmin(-3), RangeError, "but got -3");
  assertThrows(() => x.softmax(5), RangeError, "but got 5");
  assertThrows(() => x.logsumexp(2), RangeError, message);
  assertThrows(() => x.sum(0.5), RangeError, "but got 0.5");
});

testOnDevices("reductions reject repeated dims", (dev) => {
  const x = tensor([[1, 2], [3, 4]], { dtype: "float32", device: dev });
  assertThrows(() => x.sum([1, -1]), Error, "appears multiple times in the list of dims");
});

testOnDevices("max, min and their positions need elements to choose from", (dev) => {
  const empty = tensor(new Float32Array(0), { shape: [0, 3], device: dev });
  assertThrows(() => empty.max(), Error, "Expected reduction dim to be specified for input.numel() == 0");
  assertThrows(() => empty.min(0), Error, "Expected reduction dim 0 to have non-zero size");
  assertThrows(() => empty.argmax(), Error, "Expected reduction dim to be specified for input.numel() == 0");
  assertThrows(() => empty.argmin(0), Error, "Expected reduction dim 0 to have non-zero size");
});

testOnDevices("mean of an integer tensor is a dtype error, as in PyTorch", (dev) => {
  assertThrows(
    () => tensor([1, 2], { dtype: "int32", device: dev }).mean(),
    TypeError,
    "Input dtype must be either a floating",
  );
});
