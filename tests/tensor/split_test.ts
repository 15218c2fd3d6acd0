import { arange, chunk, type Device, split, type Tensor, tensor } from "../../mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { testCases } from "./transformer_cases.ts";

const BOTH = "matches PyTorch forward and backward";

testCases("split", {
  split: {
    title: `cuts by a size or a list of sizes (zeros included) along any dim and ${BOTH}`,
    run: ([x], a) => x.split(a.size as number | number[], (a.dim as number | undefined) ?? 0),
  },
  chunk: {
    title: `gives ceil-sized chunks, fewer when the size runs out, and ${BOTH}`,
    run: ([x], a) => chunk(x, a.chunks as number, (a.dim as number | undefined) ?? 0),
  },
});

const block = (dev: Device): Tensor => tensor(new Float32Array(24), { shape: [2, 3, 4], device: dev });

testOnDevices("split and chunk return views of the input's storage", (dev) => {
  const x = block(dev);
  for (const piece of [...split(x, 2, -1), ...x.chunk(3, 1)]) assertEquals(piece.storage, x.storage);
});

testOnDevices("chunk of an empty dimension gives that many empty pieces, as PyTorch", (dev) => {
  const pieces = chunk(tensor(new Float32Array(0), { shape: [0, 2], device: dev }), 3);
  assertEquals(pieces.map((p) => p.shape), [[0, 2], [0, 2], [0, 2]]);
});

testOnDevices("split and chunk reject bad sizes with PyTorch's messages", (dev) => {
  const x = block(dev);
  assertThrows(
    () => split(x, [1, 1], 1),
    Error,
    "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at dimension 1), but got split_sizes=[1, 1]",
  );
  assertThrows(
    () => split(x, [4, -1], 1),
    RangeError,
    "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=[4, -1]",
  );
  assertThrows(
    () => split(x, -1),
    RangeError,
    "split expects split_size be non-negative, but got split_size=-1",
  );
  assertThrows(() => split(x, 0), RangeError, "split_size can only be 0 if dimension size is 0");
  assertThrows(() => split(x, 1, 3), RangeError, "Dimension out of range");
  assertThrows(() => chunk(x, 0), RangeError, "chunk expects `chunks` to be greater than 0, got: 0");
  assertThrows(() => split(arange(1).reshape([]), 1), Error, "split expects at least a 1-dimensional tensor");
});
