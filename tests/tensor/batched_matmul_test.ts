import { TOLERANCE } from "../helpers.ts";
import { testCases } from "./transformer_cases.ts";

testCases("matmul", {
  matmul: {
    title:
      "multiplies attention's [B, H, T, D] @ [B, H, D, T] and [B, T, C] @ [C, N], broadcasts batch dims and 1-D operands and matches PyTorch forward and backward",
    run: ([a, b]) => a.matmul(b),
    tolerance: TOLERANCE.composite,
  },
  scores: {
    title: "of q and a transposed view of k matches PyTorch forward and backward",
    run: ([q, k]) => q.matmul(k.transpose(-2, -1)),
    tolerance: TOLERANCE.composite,
  },
});
