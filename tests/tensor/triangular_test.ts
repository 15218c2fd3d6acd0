import { type Device, maskedFill, ones, type Tensor, tensor, tril, triu } from "../../mod.ts";
import { assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { testCases } from "./transformer_cases.ts";

const BOTH = "matches PyTorch forward and backward";

testCases("triangular", {
  tril: {
    title: `keeps on and below any diagonal of batched, wide and tall matrices, int32 and bool, and ${BOTH}`,
    run: ([x], a) => tril(x, (a.diagonal as number | undefined) ?? 0),
  },
  triu: {
    title: `keeps on and above any diagonal of batched, wide and tall matrices and ${BOTH}`,
    run: ([x], a) => x.triu((a.diagonal as number | undefined) ?? 0),
  },
  maskedFill: {
    title: `fills where a broadcast bool mask holds, with a number or a 0-d tensor, keeps int32 and ${BOTH}`,
    run: ([x, mask, value], a) => x.maskedFill(mask, value ?? (a.value as number)),
  },
});

const square = (dev: Device): Tensor => ones([3, 3], { device: dev });

testOnDevices("tril, triu and maskedFill reject bad input with PyTorch's messages", (dev) => {
  assertThrows(
    () => tril(ones([3], { device: dev })),
    Error,
    "tril: input tensor must have at least 2 dimensions",
  );
  assertThrows(() => triu(square(dev), 0.5), TypeError, "triu(): diagonal must be an integer, got 0.5");
  assertThrows(
    () => maskedFill(square(dev), square(dev), 0),
    TypeError,
    "masked_fill_ only supports boolean masks, but got mask with dtype float32",
  );
  const wrongShape = ones([2, 3], { dtype: "bool", device: dev });
  assertThrows(
    () => maskedFill(square(dev), wrongShape, 0),
    Error,
    "must match the size of tensor b (3) at non-singleton dimension 0",
  );
  assertThrows(
    () =>
      maskedFill(square(dev), ones([3, 3], { dtype: "bool", device: dev }), tensor([1, 2], { device: dev })),
    Error,
    "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)",
  );
});
