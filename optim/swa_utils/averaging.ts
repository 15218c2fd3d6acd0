/**
 * The averaging rules of AveragedModel, as `torch.optim.swa_utils.get_swa_multi_avg_fn` and
 * `get_ema_multi_avg_fn`: each one fused kernel per tensor that also takes the model's values on the first update.
 *
 * @module
 */
import * as ir from "../../backends/kernel_ir.ts";
import { type DType, isFloating } from "../../tensor/dtype.ts";
import { cachedKernel, runKernelInto } from "../../tensor/elementwise.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { check, number } from "../../tensor/validation.ts";

/**
 * Updates `averaged` in place from `current` (tensors of the model, paired by position), given how many models
 * were averaged so far (a 0-d int32 tensor, on the device).
 */
export type MultiAvgFn = (averaged: Tensor[], current: Tensor[], numAveraged: Tensor) => void;

/** The built-in rules: they take `current` themselves when nothing has been averaged yet. */
export const TAKE_FIRST: WeakSet<MultiAvgFn> = new WeakSet<MultiAvgFn>();

/**
 * A kernel over (averaged, current, numAveraged) computing `rule` in float32 (cast back to the tensor's dtype),
 * or the current value where numAveraged is 0.
 */
function averageInto(
  name: string,
  rule: (a: ir.Expr, m: ir.Expr, n: ir.Expr, scalars: ir.Expr[]) => ir.Expr,
  scalars: number[],
  averaged: Tensor[],
  current: Tensor[],
  numAveraged: Tensor,
): void {
  averaged.forEach((a, i) => {
    const m = current[i];
    const key = `swa_utils:${name}:${a.dtype}:${m.dtype}:${numAveraged.dtype}:${scalars.length}`;
    const kernel = cachedKernel(key, () =>
      ir.defineKernel(
        [a.dtype, m.dtype, numAveraged.dtype],
        scalars.map((): DType => "float32"),
        ([av, cur, n], sc) => {
          const result = rule(ir.cast(av, "float32"), ir.cast(cur, "float32"), ir.cast(n, "float32"), sc);
          return [ir.where(ir.eq(n, 0), ir.cast(cur, a.dtype), ir.cast(result, a.dtype))];
        },
      ));
    runKernelInto(kernel, [a, m, numAveraged], [a], scalars);
  });
}

/**
 * Stochastic Weight Averaging: the equal-weight running mean a + (m − a) / (n + 1), AveragedModel's default.
 *
 * @example
 * ```ts
 * import { AveragedModel, getSwaMultiAvgFn } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const swa = new AveragedModel(new Linear(4, 2), { multiAvgFn: getSwaMultiAvgFn() });
 * ```
 */
export function getSwaMultiAvgFn(): MultiAvgFn {
  const fn: MultiAvgFn = (averaged, current, numAveraged) =>
    averageInto(
      "swa",
      (a, m, n) => ir.add(a, ir.div(ir.sub(m, a), ir.add(n, 1))),
      [],
      averaged,
      current,
      numAveraged,
    );
  TAKE_FIRST.add(fn);
  return fn;
}

/**
 * An exponential moving average with `decay` (default 0.999), as PyTorch 2's `get_ema_multi_avg_fn`: floating
 * tensors move toward the model's by lerp(a, m, 1 − decay) (PyTorch's lerp: a + w(m − a) for w < 0.5, else
 * m − (m − a)(1 − w)); other tensors (BatchNorm's batch count) become a·decay + m·(1 − decay), truncated.
 *
 * @example
 * ```ts
 * import { AveragedModel, getEmaMultiAvgFn } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(4, 2);
 * const ema = new AveragedModel(model, { multiAvgFn: getEmaMultiAvgFn(0.999), useBuffers: true });
 * ema.updateParameters(model); // after every optimizer step
 * ```
 */
export function getEmaMultiAvgFn(decay = 0.999): MultiAvgFn {
  number("decay", decay);
  check(
    decay >= 0 && decay <= 1,
    `Invalid decay value ${decay} provided. Please provide a value in [0,1] range.`,
  );
  const weight = 1 - decay;
  const lerp = (a: ir.Expr, m: ir.Expr, _n: ir.Expr, [w]: ir.Expr[]): ir.Expr =>
    weight < 0.5 ? ir.add(a, ir.mul(w, ir.sub(m, a))) : ir.sub(m, ir.mul(ir.sub(m, a), ir.sub(1, w)));
  const mix = (a: ir.Expr, m: ir.Expr, _n: ir.Expr, [d, w]: ir.Expr[]): ir.Expr =>
    ir.add(ir.mul(a, d), ir.mul(m, w));
  const fn: MultiAvgFn = (averaged, current, numAveraged) => {
    const floating = (i: number): boolean => isFloating(averaged[i].dtype);
    const floats = (list: Tensor[]): Tensor[] => list.filter((_, i) => floating(i));
    const others = (list: Tensor[]): Tensor[] => list.filter((_, i) => !floating(i));
    averageInto(`ema:${weight < 0.5}`, lerp, [weight], floats(averaged), floats(current), numAveraged);
    averageInto("ema-mix", mix, [decay, weight], others(averaged), others(current), numAveraged);
  };
  TAKE_FIRST.add(fn);
  return fn;
}
