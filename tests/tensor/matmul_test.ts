import { matmul, tensor } from "../../mod.ts";
import { assertThrows } from "../../deps.ts";
import { testOnDevices, TOLERANCE } from "../helpers.ts";
import { type OpEntry, testOps } from "./op_cases.ts";

const table: Record<string, OpEntry> = {
  matmul: {
    title: "follows PyTorch's 1-D, 2-D and broadcast batch rules and matches it forward and backward, " +
      "on transposed, expanded and empty operands",
    run: ([a, b]) => a.matmul(b),
    tolerance: TOLERANCE.composite,
  },
};

testOps("matmul", table);

testOnDevices("matmul rejects shapes that do not multiply, naming both shapes", (dev) => {
  const a = tensor(new Float32Array(6), { shape: [2, 3], device: dev });
  const b = tensor(new Float32Array(8), { shape: [4, 2], device: dev });
  assertThrows(() => a.matmul(b), Error, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)");
  assertThrows(() => a.matmul(tensor([1, 2], { dtype: "float32", device: dev })), Error, "(2x3 and 2x1)");
  assertThrows(() => matmul(b.reshape([2, 2, 2]), a.expand([3, 2, 3])), Error, "do not broadcast");
});

testOnDevices("matmul needs tensors of at least one dimension", (dev) => {
  const scalar = tensor(2, { dtype: "float32", device: dev });
  const v = tensor([1, 2], { dtype: "float32", device: dev });
  assertThrows(
    () => scalar.matmul(v),
    Error,
    "both arguments to matmul need to be at least 1D, but they are 0D and 1D",
  );
});

testOnDevices("matmul refuses operands of different dtypes and integer operands", (dev) => {
  const f = tensor([[1, 2], [3, 4]], { dtype: "float32", device: dev });
  const i = tensor([[1, 2], [3, 4]], { dtype: "int32", device: dev });
  assertThrows(
    () => f.matmul(i),
    TypeError,
    "expected m1 and m2 to have the same dtype, but got: float32 != int32",
  );
  assertThrows(() => i.matmul(i), TypeError, "matmul needs floating-point tensors, got int32");
});
