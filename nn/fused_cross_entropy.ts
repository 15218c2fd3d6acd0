/**
 * Cross-entropy of class-index targets as one recorded node of few kernels: forward, the row max (a reduction),
 * one kernel for the shifted exponentials and the shifted target logit, one reduction of both over the classes,
 * one kernel for each row's loss and weight, one reduction of both over the rows and, for the mean, one kernel
 * dividing; backward, one kernel `(softmax − onehot)·g/Σw`: 7 kernels in all where the composite it replaces
 * (logSoftmax, gather, weights, weighted mean; still used with class weights or label smoothing) took 30 in an
 * MNIST step. Values round as that composite's: the same operations in the same order and dtype.
 *
 * @module
 */
import { type FusedForward, fusedOp } from "../autograd/function.ts";
import * as ir from "../backends/kernel_ir.ts";
import type { Expr } from "../backends/kernel_ir.ts";
import { tensor } from "../tensor/creation.ts";
import type { DType } from "../tensor/dtype.ts";
import { cachedKernel, runKernel, runKernelInto } from "../tensor/elementwise.ts";
import { extreme, sum } from "../tensor/reduce.ts";
import { empty, narrow, reshape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** How the per-row losses combine: their mean over the rows not ignored, their sum, or none. */
export type FusedReduction = "mean" | "sum" | "none";

/** [x, max, label, class] → [exp(x − max), x − max where class = label else 0]. */
function shiftKernel(dtype: DType): ir.Kernel {
  return cachedKernel(
    `cross-entropy.shift:${dtype}`,
    () =>
      ir.defineKernel([dtype, dtype, "int32", "int32"], [], ([x, m, label, cls]) => {
        const s = ir.sub(x, m);
        return [ir.exp(s), ir.where(ir.eq(cls, label), s, ir.constant(0, dtype))];
      }),
  );
}

/** Whether `label` counts: not the ignored index (a runtime scalar). */
const counted = (label: Expr, ignore: Expr): Expr => ir.ne(label, ignore);

/** [Σexp, target shift, label] (ignore) → [−(shift − log Σexp) where counted else 0, 1 where counted else 0]. */
function rowKernel(dtype: DType): ir.Kernel {
  return cachedKernel(
    `cross-entropy.row:${dtype}`,
    () =>
      ir.defineKernel([dtype, dtype, "int32"], ["int32"], ([total, target, label], [ignore]) => {
        const keep = counted(label, ignore);
        const zero = ir.constant(0, dtype);
        return [
          ir.where(keep, ir.neg(ir.sub(target, ir.log(total))), zero),
          ir.where(keep, ir.constant(1, dtype), zero),
        ];
      }),
  );
}

/** [Σloss, Σw] → Σloss / Σw, NaN when every row is ignored (as PyTorch's weighted mean). */
function meanKernel(dtype: DType): ir.Kernel {
  return cachedKernel(
    `cross-entropy.mean:${dtype}`,
    () =>
      ir.defineKernel([dtype, dtype], [], ([loss, weight]) => [
        ir.where(ir.eq(weight, 0), ir.constant(NaN, dtype), ir.div(loss, weight)),
      ]),
  );
}

/**
 * The gradient: [g, Σw, x, max, Σexp, label, class] (ignore) → (exp(log-probability)·c − onehot·c) where counted,
 * else 0, with c = g / Σw (Σw taken as 1 when 0) for the mean and c = g otherwise.
 */
function gradKernel(dtype: DType, mean: boolean): ir.Kernel {
  return cachedKernel(`cross-entropy.grad:${dtype}:${mean}`, () =>
    ir.defineKernel(
      [dtype, dtype, dtype, dtype, dtype, "int32", "int32"],
      ["int32"],
      ([g, weight, x, m, total, label, cls], [ignore]) => {
        const c = mean ? ir.div(g, ir.where(ir.eq(weight, 0), ir.constant(1, dtype), weight)) : g;
        const r = ir.mul(ir.exp(ir.sub(ir.sub(x, m), ir.log(total))), c);
        return [
          ir.where(
            counted(label, ignore),
            ir.where(ir.eq(cls, label), ir.sub(r, c), r),
            ir.constant(0, dtype),
          ),
        ];
      },
    ));
}

/**
 * The cross-entropy of `logits` ([N, C], floating) against checked class indices `labels` (int32 [N]), rows whose
 * label is `ignoreIndex` contributing neither loss nor gradient, combined by `reduction` (the mean over the rows
 * counted, NaN with a zero gradient when none is). Recorded as one node.
 *
 * @example
 * ```ts
 * import { fusedCrossEntropy } from "./fused_cross_entropy.ts";
 * import { randn, tensor } from "../mod.ts";
 * const loss = fusedCrossEntropy(randn([4, 10]), tensor([3, 1, 4, 1], { dtype: "int32" }), -100, "mean");
 * ```
 */
export function fusedCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  ignoreIndex: number,
  reduction: FusedReduction,
): Tensor {
  const [n, c] = logits.shape;
  const { dtype, device } = logits;
  const column = labels.reshape([n, 1]);
  const classes = tensor(Int32Array.from({ length: c }, (_, i) => i), { shape: [1, c], device });
  const forward = (): FusedForward => {
    const max = extreme("max", logits, 1, true);
    const shifted = empty([2, n, c], { dtype, device }, false);
    runKernelInto(shiftKernel(dtype), [logits, max, column, classes], [part(shifted, 0), part(shifted, 1)]);
    const sums = sum(shifted, 2);
    const rows = empty([2, n], { dtype, device }, false);
    runKernelInto(rowKernel(dtype), [part(sums, 0), part(sums, 1), labels], [part(rows, 0), part(rows, 1)], [
      ignoreIndex,
    ]);
    const total = reshape(part(sums, 0), [n, 1]);
    if (reduction === "none") return { output: part(rows, 0), saved: [max, total] };
    const both = sum(rows, 1);
    const weight = part(both, 1);
    const loss = reduction === "sum"
      ? part(both, 0)
      : runKernel(meanKernel(dtype), [part(both, 0), weight])[0];
    return { output: loss, saved: [max, total, weight] };
  };
  return fusedOp("crossEntropy", [logits], forward, (g, { inputs: [x], saved: [max, total, weight] }) => {
    const kernel = gradKernel(dtype, reduction === "mean");
    const rowGrad = reduction === "none" ? reshape(g, [n, 1]) : g;
    return [
      runKernel(kernel, [rowGrad, weight ?? rowGrad, x, max, total, column, classes], [ignoreIndex])[0],
    ];
  });
}

/** Sub-tensor `i` of `t` along its first dimension (a view). */
function part(t: Tensor, i: number): Tensor {
  return reshape(narrow(t, 0, i, 1), t.shape.slice(1));
}
