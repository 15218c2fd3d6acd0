import { cpu, tensor } from "../../mod.ts";
import { assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { type OpEntry, testOps } from "./op_cases.ts";

const table: Record<string, OpEntry> = {
  gather: {
    title: "matches PyTorch forward and backward along any dim, accumulating repeated indices",
    run: ([x, index], a) => x.gather(a.dim as number, index),
  },
  indexSelect: {
    title: "matches PyTorch forward and backward, with repeated and empty indices",
    run: ([x, index], a) => x.indexSelect(a.dim as number, index),
  },
};

testOps("indexing", table);

// The CPU throws at the op itself; WebGPU reports the same Error at the next read (tests/backends/index_checks_test.ts).
Deno.test("gather and indexSelect reject indices out of range on the CPU at once, naming the index and the size", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float32", device: cpu });
  assertThrows(
    () => x.gather(1, tensor([[0, 3], [1, 2]], { dtype: "int32", device: cpu })),
    RangeError,
    "gather(): index 3 is out of bounds for dimension 1 with size 3",
  );
  assertThrows(
    () => x.gather(0, tensor([[-1]], { dtype: "int32", device: cpu })),
    RangeError,
    "index -1 is out of bounds",
  );
  assertThrows(
    () => x.indexSelect(0, tensor([0, 2], { dtype: "int32", device: cpu })),
    RangeError,
    "index 2 is out of bounds for dimension 0 with size 2",
  );
});

testOnDevices("gather and indexSelect reject malformed indices", (dev) => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float32", device: dev });
  assertThrows(
    () => x.gather(1, tensor([[0.5]], { device: dev })),
    TypeError,
    "gather(): Expected dtype int32 for index, got float32",
  );
  assertThrows(
    () => x.indexSelect(1, tensor([0, 2], { device: dev })),
    TypeError,
    'got float32 (indices are made with tensor(values, { dtype: "int32" }) or from an Int32Array',
  );
  assertThrows(
    () => x.gather(1, tensor([0, 1], { dtype: "int32", device: dev })),
    Error,
    "Index tensor must have the same number of dimensions as input tensor (1 vs 2)",
  );
  assertThrows(
    () => x.gather(1, tensor([[0], [1], [0]], { dtype: "int32", device: dev })),
    Error,
    "Size does not match at dimension 0 expected index [3,1] to be smaller than self [2,3]",
  );
  assertThrows(() => x.gather(2, tensor([[0]], { dtype: "int32", device: dev })), RangeError, "but got 2");
  assertThrows(
    () => x.indexSelect(0, tensor([[0]], { dtype: "int32", device: dev })),
    Error,
    "index_select(): Index is supposed to be a vector, got shape [1,1]",
  );
});
