import { tensor, topk } from "../../mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { testCases } from "./transformer_cases.ts";

testCases("topk", {
  topk: {
    title:
      "picks the largest or smallest along any dim, k from 0 to the size, ±inf and int32, and matches PyTorch's values, indices and gradient",
    run: ([x], a) =>
      x.topk(a.k as number, {
        dim: a.dim as number | undefined,
        largest: a.largest as boolean | undefined,
      }),
  },
});

testOnDevices(
  "topk takes equal values, -inf included, once each in the order of their positions",
  async (dev) => {
    const x = tensor([[2, -Infinity, 2, -Infinity, 1, 2]], { device: dev });
    const [values, indices] = topk(x, 6);
    assertEquals(Array.from(await indices.data()), [0, 2, 5, 4, 1, 3]);
    assertEquals(Array.from(await values.data()), [2, 2, 2, 1, -Infinity, -Infinity]);
    const [, smallest] = topk(x, 3, { largest: false });
    assertEquals(Array.from(await smallest.data()), [1, 3, 4]);
  },
);

testOnDevices("topk puts NaN first among the largest, as PyTorch", async (dev) => {
  const [values, indices] = topk(tensor([1, NaN, 3], { device: dev }), 2);
  assertEquals(Array.from(await indices.data()), [1, 2]);
  assertEquals(Array.from(await values.data()), [NaN, 3]);
});

testOnDevices("topk rejects k out of range", (dev) => {
  const x = tensor([[1, 2, 3]], { device: dev });
  assertThrows(() => topk(x, 4), RangeError, "selected index k out of range");
  assertThrows(() => x.topk(-1), RangeError, "selected index k out of range");
  assertThrows(() => x.topk(1, { dim: 2 }), RangeError, "Dimension out of range");
});
