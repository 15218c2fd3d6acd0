/**
 * `autocast`: mixed precision for the forward pass, as `torch.autocast`.
 *
 * @module
 */
import { withAutocast } from "../tensor/autocast_policy.ts";

/** Options of {@link autocast}. */
export interface AutocastOptions {
  /** The lower-precision dtype of matrix products (default and only choice: `"float16"`). */
  dtype?: "float16";
  /** Whether autocast is on in `fn` (default true); `false` turns it off inside an outer autocast. */
  enabled?: boolean;
}

/**
 * Runs `fn` with PyTorch's autocast op lists in force and returns its result: matrix products (`matmul`, `linear`,
 * `conv2d`) cast their operands to float16 and return float16; `softmax`, `logSoftmax`, `exp`, `log`, `pow`, `sum`
 * and the losses (`crossEntropy`, `nllLoss`, `mseLoss`) cast float16 operands to float32 and return float32; every
 * other op runs in its operands' dtypes, so a binary op of float16 and float32 gives float32 (PyTorch's type
 * promotion) and `mean`, `relu`, `add` of float16 stay float16. Casts are recorded: gradients flow back to float32
 * parameters as float32, and backward always runs outside autocast.
 *
 * `fn` must be synchronous, as for `tidy` and `noGrad`: an async function would leave autocast on for whatever
 * else runs while it awaits. Wrap the forward pass and the loss, and call `backward()` and the optimizer outside.
 *
 * On a WebGPU adapter without `shader-f16` (Mesa's GL llvmpipe) float16 is unavailable: autocast says so once per
 * device (console.warn) and runs the matrix products in float32.
 *
 * @example
 * ```ts
 * import { autocast } from "@gradstep/gradstep/amp";
 * import { Linear } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const layer = new Linear(8, 4);
 * const y = autocast(() => layer.forward(randn([2, 8])));
 * console.log(y.dtype); // "float16"
 * const loss = autocast(() => y.float().softmax(1).sum());
 * loss.backward();
 * console.log(layer.weight.grad!.dtype); // "float32"
 * ```
 */
export function autocast<T>(fn: () => T, options: AutocastOptions = {}): T {
  const { dtype = "float16", enabled = true } = options;
  if (dtype !== "float16") {
    throw new TypeError(
      `autocast: dtype must be "float16" (the only lower-precision dtype gradstep has), got ${
        JSON.stringify(dtype)
      }`,
    );
  }
  if (typeof enabled !== "boolean") {
    throw new TypeError(`autocast: expected enabled to be a boolean, got ${typeof enabled}`);
  }
  return withAutocast(enabled, () => {
    const result = fn();
    if (result instanceof Promise) {
      throw new Error(
        "autocast() needs a synchronous function; it got one that returned a Promise. " +
          "Call autocast() around the synchronous forward pass and loss instead",
      );
    }
    return result;
  });
}
