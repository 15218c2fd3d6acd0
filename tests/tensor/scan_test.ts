import { cumsum, ones, tensor } from "../../mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { testCases } from "./transformer_cases.ts";

testCases("scan", {
  cumsum: {
    title:
      "runs along any dim of 0-d to 3-D tensors, sums int32 and bool to int32 and matches PyTorch forward and backward",
    run: ([x], a) => x.cumsum(a.dim as number),
  },
});

testOnDevices("cumsum over 1000 ones counts exactly, on every backend", async (dev) => {
  const c = cumsum(ones([2, 1000], { device: dev }), 1);
  const want = Float32Array.from({ length: 2000 }, (_, i) => (i % 1000) + 1);
  assertEquals(await c.data(), want);
});

testOnDevices("cumsum rejects a dim out of range", (dev) => {
  assertThrows(() => cumsum(tensor([1, 2], { device: dev }), 1), RangeError, "Dimension out of range");
});
