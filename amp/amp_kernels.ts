/**
 * PyTorch's two AMP kernels, on the device: the check-and-unscale of gradients
 * (`_amp_foreach_non_finite_check_and_unscale_`) and the scale update (`_amp_update_scale_`).
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zeros } from "../tensor/creation.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import { empty } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";

/**
 * PyTorch's `_amp_foreach_non_finite_check_and_unscale_` for one gradient, in one kernel: `g` is multiplied by
 * `invScale` in place, and the result counts the elements that were inf or NaN before (as float32). The test is
 * `!(|x| < inf)`, which shader compilers cannot fold away as they may fold `x · 0` to 0.
 */
export function unscaleCountingNonFinite(g: Tensor, invScale: Tensor): Tensor {
  const kernel = cachedKernel(
    `unscale-count-nonfinite:${g.dtype}`,
    () =>
      ir.defineKernel([g.dtype, "float32"], [], ([x, inv]) => [
        ir.mul(x, ir.cast(inv, g.dtype)),
        ir.cast(ir.not(ir.lt(ir.abs(x), Infinity)), "float32"),
      ]),
  );
  const flags = empty(g.shape, { dtype: "float32", device: g.device });
  runKernelInto(kernel, [g, invScale], [g, flags]);
  const count = flags.sum();
  flags.dispose();
  return count;
}

/** `found = count > 0 ? 1 : 0` */
export function foundFrom(count: Tensor): Tensor {
  const kernel = cachedKernel(
    "found-inf-from-count",
    () => ir.defineKernel(["float32"], [], ([n]) => [ir.cast(ir.gt(n, 0), "float32")]),
  );
  const found = zeros([], { device: count.device });
  runKernelInto(kernel, [count], [found]);
  return found;
}

/**
 * PyTorch's `_amp_update_scale_`, one kernel on the device: after a step with inf/NaN the scale backs off and the
 * tracker resets; otherwise the tracker counts up and, at `growthInterval`, the scale grows (unless that would be
 * inf) and the tracker resets.
 */
export function updateScaleKernel(): ir.Kernel {
  return cachedKernel("amp-update-scale", () =>
    ir.defineKernel(
      ["float32", "int32", "float32"],
      ["float32", "float32", "int32"],
      ([scale, tracker, found], [growth, backoff, interval]) => {
        const successful = ir.add(tracker, 1);
        const grows = ir.eq(successful, interval);
        const grown = ir.mul(scale, growth);
        const finite = ir.lt(ir.abs(grown), Infinity);
        const zero = ir.constant(0, "int32");
        return [
          ir.where(found, ir.mul(scale, backoff), ir.where(grows, ir.where(finite, grown, scale), scale)),
          ir.where(found, zero, ir.where(grows, zero, successful)),
        ];
      },
    ));
}
