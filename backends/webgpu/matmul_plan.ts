/**
 * Which matmul shader variant runs for one product: how each operand is read (vec4s along its contiguous
 * dimension when its offset and other strides are multiples of 4 and that dimension's extent is too, else
 * scalars), and the block each invocation computes, by a shape rule: the largest block (8×8, then 8×4, then 4×4
 * outputs) that still gives the product at least {@link MIN_WORKGROUPS} workgroups, so small outputs keep the
 * adapter's threads busy.
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import type { View } from "../backend.ts";
import type { MatmulConfig, MatmulVariant, OperandRead } from "./matmul_shader.ts";

/** Workgroups a product should have at least, when a smaller block can give them. */
const MIN_WORKGROUPS = 2;

/** Candidate blocks, largest first; all of 8×8 invocations. */
const CONFIGS: readonly MatmulConfig[] = [
  { rows: 8, cols: 8, wx: 8, wy: 8 },
  { rows: 8, cols: 4, wx: 8, wy: 8 },
  { rows: 4, cols: 4, wx: 8, wy: 8 },
];

/**
 * How to read an operand whose matrix dimensions have strides `kStride` (along k) and `mnStride` (along its
 * rows for A, columns for B) and extents `kExtent` and `mnExtent`: vec4s along k first when `kFirst`, else along
 * its rows/columns first.
 */
function operandRead(
  view: View,
  batched: boolean,
  kAxis: 1 | 2,
  kExtent: number,
  mnExtent: number,
  kFirst: boolean,
): OperandRead {
  const [batchStride] = view.strides;
  const aligned = (stride: number): boolean => stride % 4 === 0;
  if (view.offset % 4 !== 0 || (batched && !aligned(batchStride))) return "scalar";
  const mnAxis = kAxis === 1 ? 2 : 1;
  const k4 = view.strides[kAxis] === 1 && aligned(view.strides[mnAxis]) && kExtent % 4 === 0;
  const mn4 = view.strides[mnAxis] === 1 && aligned(view.strides[kAxis]) && mnExtent % 4 === 0;
  if (k4 && (kFirst || !mn4)) return "k4";
  return mn4 ? "mn4" : "scalar";
}

/**
 * The variant for `a` [batch, m, k] @ `b` [batch, k, n] into a contiguous `dtype` output.
 *
 * @example
 * ```ts ignore
 * const rowMajor = (rows: number, cols: number) => ({ offset: 0, strides: [rows * cols, cols, 1] });
 * planMatmul({ buffer, ...rowMajor(64, 784) }, { buffer, ...rowMajor(784, 128) }, "float32", 1, 64, 128, 784);
 * // { rows: 8, cols: 8, wx: 8, wy: 8, dtype: "float32", a: "k4", b: "mn4", kTail: false, out4: true }
 * ```
 */
export function planMatmul(
  a: View,
  b: View,
  dtype: DType,
  batch: number,
  m: number,
  n: number,
  k: number,
): MatmulVariant {
  const batched = batch > 1;
  const groups = (c: MatmulConfig): number =>
    Math.ceil(n / (c.cols * c.wx)) * Math.ceil(m / (c.rows * c.wy)) * batch;
  const config = CONFIGS.find((c) => groups(c) >= MIN_WORKGROUPS) ?? CONFIGS[CONFIGS.length - 1];
  return {
    ...config,
    dtype,
    a: operandRead(a, batched, 2, k, m, true),
    b: operandRead(b, batched, 1, k, n, false),
    kTail: k % 4 !== 0,
    out4: n % 4 === 0,
  };
}
