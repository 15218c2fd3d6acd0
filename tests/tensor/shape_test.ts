import { cat, type Device, stack, type Tensor, tensor } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { type OpEntry, testOps } from "./op_cases.ts";

const BOTH = "matches PyTorch forward and backward";

const table: Record<string, OpEntry> = {
  reshape: {
    title: `infers -1, copies non-contiguous inputs, handles 0-d and empty ones and ${BOTH}`,
    run: ([x], a) => x.reshape(a.shape!),
  },
  view: {
    title: `splits and merges dims of transposed and narrowed tensors and ${BOTH}`,
    run: ([x], a) => x.view(a.shape!),
  },
  flatten: {
    title: `merges any dim range of 0-d and permuted tensors and ${BOTH}`,
    run: ([x], a) => x.flatten(a.startDim, a.endDim),
  },
  transpose: {
    title: `takes negative and equal dims and ${BOTH}`,
    run: ([x], a) => x.transpose(a.dim0!, a.dim1!),
  },
  permute: { title: `takes negative dims and ${BOTH}`, run: ([x], a) => x.permute(a.dims!) },
  T: { title: `reverses 1-D, 2-D and 3-D tensors and ${BOTH}`, run: ([x]) => x.T },
  unsqueeze: {
    title: `inserts at negative dims, into 0-d and strided tensors, and ${BOTH}`,
    run: ([x], a) => x.unsqueeze(a.dim as number),
  },
  squeeze: { title: `removes only size-1 dims and ${BOTH}`, run: ([x], a) => x.squeeze(a.dim as number) },
  expand: {
    title: `adds leading dims, keeps -1, reaches 0-size dims and ${BOTH}`,
    run: ([x], a) => x.expand(a.shape!),
  },
  narrow: {
    title: `takes negative starts and zero lengths and ${BOTH}`,
    run: ([x], a) => x.narrow(a.dim as number, a.start!, a.length!),
  },
  contiguous: { title: `copies transposed and expanded tensors and ${BOTH}`, run: ([x]) => x.contiguous() },
  cat: {
    title: `joins strided, empty and int32 parts along any dim and ${BOTH}`,
    run: (xs, a) => cat(xs, a.dim as number),
  },
  stack: {
    title: `stacks 0-d and strided parts along a new dim and ${BOTH}`,
    run: (xs, a) => stack(xs, a.dim as number),
  },
};

testOps("shape", table);

/** A float32 [2, 3, 4] tensor on `dev` (values are irrelevant to these errors). */
const block = (dev: Device): Tensor => tensor(new Float32Array(24), { shape: [2, 3, 4], device: dev });

testOnDevices("reshape and view reject a wrong size, naming the shape and the size", (dev) => {
  const x = block(dev);
  assertThrows(() => x.reshape([5, 5]), Error, "shape '[5,5]' is invalid for input of size 24");
  assertThrows(() => x.view([5, -1]), Error, "shape '[5,-1]' is invalid for input of size 24");
  assertThrows(() => x.reshape([-1, -1]), Error, "only one dimension can be inferred, got shape [-1,-1]");
  const empty = tensor(new Float32Array(0), { shape: [0, 4], device: dev });
  assertThrows(() => empty.reshape([0, -1]), Error, "shape '[0,-1]' is invalid for input of size 0");
});

testOnDevices("view on incompatible strides throws and points to reshape", (dev) => {
  const t = block(dev).transpose(0, 2);
  assertThrows(
    () => t.view([24]),
    Error,
    "view size [24] is not compatible with input tensor's size [4,3,2]",
  );
  assertThrows(() => t.view([-1]), Error, "use .reshape(...) instead");
  assertEquals(t.reshape([24]).shape, [24]);
});

testOnDevices("view shares storage with its input and reshape copies only when it must", (dev) => {
  const x = block(dev);
  assert(x.view([6, 4]).storage === x.storage);
  assert(x.reshape([4, 6]).storage === x.storage);
  assert(x.transpose(1, 2).reshape([24]).storage !== x.storage);
});

testOnDevices("shape ops reject dims out of range, naming the dim and the range", (dev) => {
  const x = block(dev);
  const message = "Dimension out of range (expected to be in range of [-3, 2], but got 3)";
  assertThrows(() => x.transpose(0, 3), RangeError, message);
  assertThrows(() => x.permute([0, 1, 3]), RangeError, message);
  assertThrows(() => x.flatten(0, 3), RangeError, message);
  assertThrows(() => x.squeeze(-4), RangeError, "but got -4");
  assertThrows(() => x.narrow(3, 0, 1), RangeError, message);
  assertThrows(() => x.unsqueeze(4), RangeError, "expected to be in range of [-4, 3], but got 4");
  assertThrows(() => cat([x, x], 3), RangeError, message);
  assertThrows(() => stack([x, x], 4), RangeError, "but got 4");
});

testOnDevices(
  "permute, flatten, expand and narrow reject bad arguments with the values in the message",
  (dev) => {
    const x = block(dev);
    assertThrows(
      () => x.permute([0, 0, 1]),
      Error,
      "permute(): dims [0,0,1] must be a permutation of the 3 dimensions",
    );
    assertThrows(() => x.permute([1, 0]), Error, "must be a permutation of the 3 dimensions");
    assertThrows(() => x.flatten(2, 1), Error, "startDim (2) cannot come after endDim (1)");
    assertThrows(
      () => x.expand([2, 5, 4]),
      Error,
      "The expanded size of the tensor (5) must match the existing size (3)",
    );
    assertThrows(() => x.expand([3, 4]), Error, "the number of sizes provided (2) must be greater or equal");
    assertThrows(() => x.narrow(2, 3, 2), RangeError, "start (3) + length (2) exceeds dimension size (4)");
    assertThrows(() => x.narrow(1, -4, 1), RangeError, "start (-4) + length (1) exceeds dimension size (3)");
  },
);

testOnDevices("cat and stack reject mismatched shapes and dtypes, naming both", (dev) => {
  const x = block(dev);
  const y = tensor(new Float32Array(10), { shape: [2, 5], device: dev });
  assertThrows(
    () => cat([x, y]),
    Error,
    "sizes of tensors must match except in dimension 0, got [2,3,4] and [2,5]",
  );
  assertThrows(() => cat([y, y.T], 0), Error, "got [2,5] and [5,2]");
  assertThrows(
    () => cat([y, y.int()], 1),
    TypeError,
    "cat(): expected all tensors of dtype float32, got int32",
  );
  assertThrows(() => cat([]), Error, "cat() expects a non-empty list of tensors");
  assertThrows(
    () => stack([y, y.T]),
    Error,
    "stack expects each tensor to be equal size, but got [2,5] and [5,2]",
  );
  assertThrows(() => stack([]), Error, "stack() expects a non-empty list of tensors");
});
