import { std, tensor, variance } from "../../mod.ts";
import { assertThrows } from "../../deps.ts";
import { testOnDevices, TOLERANCE } from "../helpers.ts";
import { type CaseArgs, testCases } from "./transformer_cases.ts";

const BOTH = "matches PyTorch forward and backward";

const options = (a: CaseArgs): { correction?: number; keepdim?: boolean } => ({
  correction: a.correction as number | undefined,
  keepdim: a.keepdim as boolean | undefined,
});

testCases("statistics", {
  var: {
    title:
      `over all, one or several dims with correction 0, 1 or 2 and keepdim, NaN for too few, and ${BOTH}`,
    run: ([x], a) => x.var(a.dim as number | number[] | undefined, options(a)),
    tolerance: TOLERANCE.composite,
  },
  std: {
    title: `over all, one or several dims with correction 0 or 1 and keepdim, and ${BOTH}`,
    run: ([x], a) => std(x, a.dim as number | number[] | undefined, options(a)),
    tolerance: TOLERANCE.composite,
  },
});

testOnDevices("var and std reject integer tensors and repeated dims", (dev) => {
  const ints = tensor([[1, 2], [3, 4]], { dtype: "int32", device: dev });
  assertThrows(() => variance(ints), TypeError, "var(): input dtype should be floating point, but got int32");
  assertThrows(() => std(ints.float(), [1, -1]), Error, "dim 1,1 appears multiple times in the list of dims");
});
