/**
 * Image transforms, as `torchvision.transforms`: `toTensor` turns uint8 images into float tensors in [0, 1],
 * `normalize` standardises channels, `compose` chains them. They work on one image or a batch alike.
 *
 * @module
 */
import { tensor } from "../tensor/creation.ts";
import { Tensor } from "../tensor/tensor.ts";
import { arrayOf, finite, func } from "../tensor/validation.ts";

/** Raw 8-bit images, channels last as NumPy/PIL hold them: `shape` is [H, W, C] or [N, H, W, C]. */
export interface RawImages {
  /** The bytes, row-major. */
  readonly data: Uint8Array;
  /** [H, W, C] or [N, H, W, C]. */
  readonly shape: readonly number[];
}

/** A transform: raw images or a tensor in, a tensor out. */
export type Transform = (input: RawImages | Tensor) => Tensor;

/**
 * Applies `transforms` in order.
 *
 * @example
 * ```ts
 * import { transforms } from "@gradstep/gradstep/data";
 * const t = transforms.compose(transforms.toTensor(), transforms.normalize([0.1307], [0.3081]));
 * ```
 */
export function compose(...transforms: Transform[]): Transform {
  arrayOf(func)("transforms", transforms);
  return (input) => transforms.reduce<RawImages | Tensor>((x, t) => t(x), input) as Tensor;
}

/**
 * uint8 images ([H, W, C] or [N, H, W, C]) to float32 tensors ([C, H, W] or [N, C, H, W]) scaled to [0, 1], as
 * `ToTensor`.
 *
 * @example
 * ```ts
 * import { transforms } from "@gradstep/gradstep/data";
 * const x = transforms.toTensor()({ data: new Uint8Array(784).fill(255), shape: [28, 28, 1] }); // [1, 28, 28] of ones
 * ```
 */
export function toTensor(): Transform {
  return (input) => {
    if (input instanceof Tensor) {
      throw new TypeError("toTensor() expects raw uint8 images ({ data, shape }), got a Tensor");
    }
    const { data, shape } = input;
    if (shape.length !== 3 && shape.length !== 4) {
      throw new Error(`toTensor() expects images of shape [H, W, C] or [N, H, W, C], got [${shape}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      throw new Error(`toTensor() expects ${size} bytes for images of shape [${shape}], got ${data.length}`);
    }
    const scaled = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) scaled[i] = data[i] / 255;
    const hwc = tensor(scaled, { shape });
    const r = shape.length;
    return hwc.permute(r === 3 ? [2, 0, 1] : [0, 3, 1, 2]).contiguous();
  };
}

/**
 * `(x - mean[c]) / std[c]` for each channel c of [C, H, W] or [N, C, H, W] tensors, as `Normalize`.
 *
 * @example
 * ```ts
 * import { transforms } from "@gradstep/gradstep/data";
 * const norm = transforms.normalize([0.1307], [0.3081]);
 * ```
 */
export function normalize(mean: readonly number[], std: readonly number[]): Transform {
  arrayOf(finite)("mean", mean);
  arrayOf(finite)("std", std);
  if (mean.length !== std.length || mean.length === 0) {
    throw new Error(
      `normalize() needs one mean and one std per channel, got ${mean.length} means and ${std.length} stds`,
    );
  }
  if (std.some((s) => Math.fround(s) === 0)) {
    throw new RangeError(
      `std evaluated to zero after conversion to float32, leading to division by zero: [${std}]`,
    );
  }
  return (input) => {
    if (!(input instanceof Tensor)) {
      throw new TypeError("normalize() expects a tensor; apply toTensor() first");
    }
    const channels = input.shape[input.ndim - 3];
    if (input.ndim < 3 || (channels !== mean.length && mean.length !== 1)) {
      throw new Error(
        `normalize() with ${mean.length} channel statistics cannot apply to a tensor of shape [${input.shape}]`,
      );
    }
    const shape = [mean.length, 1, 1];
    const device = input.device;
    return input.sub(tensor(Float32Array.from(mean), { shape, device })).div(
      tensor(Float32Array.from(std), { shape, device }),
    );
  };
}
