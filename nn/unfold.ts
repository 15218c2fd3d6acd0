/**
 * Sliding windows over the last two dimensions (im2col), shared by convolution and pooling: one gather with a
 * precomputed int32 index turns [N, C, H, W] into [N, C, kH·kW, outH·outW], so the layers are a matrix product or
 * a reduction over it and their gradients are the gather's (a scatter-add). Padding is a mapping of coordinates:
 * reflected, replicated or wrapped positions read real elements, and zero (or −∞) padding reads one extra element
 * appended to each plane.
 *
 * @module
 */
import { cat } from "../tensor/shape.ts";
import { full, tensor } from "../tensor/creation.ts";
import { gatherInRange } from "../tensor/indexing.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** A size given once for both spatial dimensions, or as [height, width]. */
export type Pair = number | readonly [number, number];

/** How positions outside the input are filled: a constant (PyTorch's "zeros") or from the input's own elements. */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** `value` as [height, width]. */
export function pair(value: Pair): [number, number] {
  return typeof value === "number" ? [value, value] : [value[0], value[1]];
}

/** A sliding window over a plane of `input` size: everything the index needs, per dimension [height, width]. */
export interface Windows {
  /** The input plane. */
  input: [number, number];
  /** The window. */
  kernel: [number, number];
  /** Steps between windows. */
  stride: [number, number];
  /** Steps between a window's taps. */
  dilation: [number, number];
  /** Padding before the first row and column (after the last is implied by `output`). */
  padBefore: [number, number];
  /** Windows along each dimension. */
  output: [number, number];
  /** How padded positions are filled. */
  mode: PaddingMode;
}

/**
 * Windows along one dimension of `size` with padding `before` and `after`: floor (or, with `ceil`, PyTorch's
 * pooling rule: ceiling, unless the last window would start in the padding) of the positions a window fits.
 */
export function windowCount(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  before: number,
  after: number,
  ceil = false,
): number {
  const span = size + before + after - dilation * (kernel - 1) - 1;
  const count = Math.floor((span + (ceil ? stride - 1 : 0)) / stride) + 1;
  return ceil && (count - 1) * stride >= size + before ? count - 1 : count;
}

/** The input coordinate a padded coordinate `c` reads, or -1 for the fill value. */
function source(c: number, size: number, mode: PaddingMode): number {
  if (c >= 0 && c < size) return c;
  if (mode === "zeros") return -1;
  if (mode === "replicate") return c < 0 ? 0 : size - 1;
  if (mode === "reflect") return c < 0 ? -c : 2 * (size - 1) - c;
  return ((c % size) + size) % size;
}

/**
 * For tap k (row-major over the kernel) and window l (row-major over the output), the flat position in the plane
 * that it reads, or H·W (the appended fill element); and whether any tap reads the fill.
 */
function windowIndex(w: Windows): { index: Int32Array; filled: boolean } {
  const [[h, wd], [kh, kw], [oh, ow]] = [w.input, w.kernel, w.output];
  const rows = (size: number, k: number, out: number, d: 0 | 1): Int32Array => {
    const at = new Int32Array(k * out);
    for (let i = 0; i < k; i++) {
      for (let o = 0; o < out; o++) {
        at[i * out + o] = source(o * w.stride[d] - w.padBefore[d] + i * w.dilation[d], size, w.mode);
      }
    }
    return at;
  };
  const r = rows(h, kh, oh, 0);
  const c = rows(wd, kw, ow, 1);
  const index = new Int32Array(kh * kw * oh * ow);
  let filled = false;
  let p = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let y = 0; y < oh; y++) {
        const row = r[i * oh + y];
        for (let x = 0; x < ow; x++) {
          const col = c[j * ow + x];
          const outside = row < 0 || col < 0;
          filled ||= outside;
          index[p++] = outside ? h * wd : row * wd + col;
        }
      }
    }
  }
  return { index, filled };
}

/**
 * The planes of `input` ([N, C, H, W]) as [N, C, H·W], with one `fill` element appended when a window reads zero
 * padding, and the position every window's taps read in them: an int32 index [N, C, kH·kW·outH·outW], the same
 * for every plane (a broadcast view), taps before windows.
 */
export function windowTaps(input: Tensor, w: Windows, fill: number): { planes: Tensor; taps: Tensor } {
  const [n, c, h, wd] = input.shape;
  const { index, filled } = windowIndex(w);
  const flat = input.reshape([n, c, h * wd]);
  const planes = filled
    ? cat([flat, full([1, 1, 1], fill, { dtype: input.dtype, device: input.device }).expand([n, c, 1])], 2)
    : flat;
  const taps = tensor(index, { shape: [1, 1, index.length], device: input.device }).expand([
    n,
    c,
    index.length,
  ]);
  return { planes, taps };
}

/**
 * The windows of `input` ([N, C, H, W]) as [N, C, kH·kW, outH·outW]; positions in zero padding read `fill`.
 * Differentiable: the gradient scatters back to the input (adding where windows overlap).
 */
export function unfoldWindows(input: Tensor, w: Windows, fill = 0): Tensor {
  const { planes, taps } = windowTaps(input, w, fill);
  return gatherInRange(planes, 2, taps).reshape([
    ...input.shape.slice(0, 2),
    w.kernel[0] * w.kernel[1],
    w.output[0] * w.output[1],
  ]);
}
