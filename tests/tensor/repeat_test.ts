import { ones, repeat } from "../../mod.ts";
import { assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { testCases } from "./transformer_cases.ts";

const BOTH = "matches PyTorch forward and backward";

testCases("repeat", {
  repeat: {
    title: `tiles every dim, adds leading ones, takes zeros and int32 and ${BOTH}`,
    run: ([x], a) => x.repeat(a.repeats as number[]),
  },
  expand: {
    title: `keeps sizes at -1, adds leading dims, reaches size 0 and ${BOTH}`,
    run: ([x], a) => x.expand(a.shape as number[]),
  },
});

testOnDevices("repeat and expand reject bad sizes with PyTorch's messages", (dev) => {
  const x = ones([2, 3], { device: dev });
  assertThrows(
    () => repeat(x, [2]),
    Error,
    "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor",
  );
  assertThrows(
    () => x.repeat([2, -1]),
    RangeError,
    "Trying to create tensor with negative dimension -3: [4, -3]",
  );
  assertThrows(
    () => x.expand([-1, 2, 3]),
    Error,
    "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0",
  );
  assertThrows(
    () => x.expand([2, -2]),
    RangeError,
    "expand: sizes must be non-negative integers or -1, got -2",
  );
});
