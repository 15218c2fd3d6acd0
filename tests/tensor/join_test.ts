import { cat, stack } from "../../mod.ts";
import { testCases } from "./transformer_cases.ts";

const BOTH = "matches PyTorch forward and backward";

testCases("join", {
  cat: {
    title: `joins parts of different sizes along any dim, an empty one too, and ${BOTH}`,
    run: (xs, a) => cat(xs, a.dim as number),
  },
  stack: {
    title: `stacks along a new first, middle or last dim and ${BOTH}`,
    run: (xs, a) => stack(xs, a.dim as number),
  },
});
