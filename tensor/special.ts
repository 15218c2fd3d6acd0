/**
 * Special functions a transformer's layers use: `erf` (exact GELU) and `rsqrt` (normalisation), each one kernel
 * forward and one backward, with integer inputs computed in float32 as PyTorch does.
 *
 * @module
 */
import { record } from "../autograd/node.ts";
import * as ir from "../backends/kernel_ir.ts";
import type { Expr } from "../backends/kernel_ir.ts";
import { isFloating } from "./dtype.ts";
import { cachedKernel, runKernel } from "./elementwise.ts";
import type { Tensor } from "./tensor.ts";

/** The functions of this file, each an expression of its (floating-point) operand. */
const FORWARD = {
  erf: ir.erf,
  rsqrt: (x: Expr): Expr => ir.recip(ir.sqrt(x)),
} as const;

function special(name: keyof typeof FORWARD, t: Tensor): Tensor {
  const dtype = isFloating(t.dtype) ? t.dtype : "float32";
  const kernel = cachedKernel(
    `${name}:${t.dtype}`,
    () => ir.defineKernel([t.dtype], [], ([x]) => [FORWARD[name](ir.cast(x, dtype))]),
  );
  const [out] = runKernel(kernel, [t]);
  return record(out, name, [t], {});
}

/**
 * The error function, `2/√π ∫₀ˣ e^(−t²) dt`, elementwise, as `torch.erf` (within 1.5 ulp of the true value in
 * float32 on every backend).
 *
 * @example
 * ```ts
 * import { erf, tensor } from "@gradstep/gradstep";
 * const y = erf(tensor([-1, 0, 0.5])); // [-0.8427, 0, 0.5205]
 * ```
 */
export function erf(t: Tensor): Tensor {
  return special("erf", t);
}

/**
 * `1 / √t`, elementwise, as `torch.rsqrt` (∞ at 0, NaN below).
 *
 * @example
 * ```ts
 * import { rsqrt, tensor } from "@gradstep/gradstep";
 * const y = rsqrt(tensor([1, 4, 16])); // [1, 0.5, 0.25]
 * ```
 */
export function rsqrt(t: Tensor): Tensor {
  return special("rsqrt", t);
}

/**
 * The gradient of {@link erf} at `x` for the output gradient `g`: `g · 2/√π · e^(−x²)`, one kernel.
 *
 * @example
 * ```ts ignore
 * import { tensor } from "@gradstep/gradstep";
 * import { erfBackward } from "./special.ts";
 * const dx = erfBackward(tensor([1, 1]), tensor([0, 1])); // [1.1284, 0.4151]
 * ```
 */
export function erfBackward(g: Tensor, x: Tensor): Tensor {
  const kernel = cachedKernel(
    `erfBackward:${g.dtype}:${x.dtype}`,
    () =>
      ir.defineKernel([g.dtype, x.dtype], [], ([dy, x0]) => {
        const v = ir.cast(x0, g.dtype);
        return [ir.mul(dy, ir.mul(2 / Math.sqrt(Math.PI), ir.exp(ir.neg(ir.mul(v, v)))))];
      }),
  );
  return runKernel(kernel, [g, x])[0];
}

/**
 * The gradient of {@link rsqrt} from its output `y` for the output gradient `g`: `−g · y³ / 2`, one kernel.
 *
 * @example
 * ```ts ignore
 * import { tensor } from "@gradstep/gradstep";
 * import { rsqrtBackward } from "./special.ts";
 * const dx = rsqrtBackward(tensor([1]), tensor([0.5])); // [-0.0625], the slope of 1/√x at 4
 * ```
 */
export function rsqrtBackward(g: Tensor, y: Tensor): Tensor {
  const kernel = cachedKernel(
    `rsqrtBackward:${g.dtype}:${y.dtype}`,
    () =>
      ir.defineKernel([g.dtype, y.dtype], [], ([dy, y0]) => {
        const v = ir.cast(y0, g.dtype);
        return [ir.mul(ir.mul(dy, -0.5), ir.mul(v, ir.mul(v, v)))];
      }),
  );
  return runKernel(kernel, [g, y])[0];
}
