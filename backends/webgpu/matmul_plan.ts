/**
 * Which matmul shader variant runs for one product. The family is the adapter's: `direct` (operands read straight
 * from storage, matmul_shader.ts) on a software adapter, where it is measured fastest, `staged` (through
 * workgroup memory, matmul_staged_shader.ts) on a hardware one. In the direct family each operand is read as vec4s
 * along its contiguous dimension when its offset and other strides are multiples of 4 and that dimension's extent
 * is too, else as scalars. The block size follows a shape rule: the largest candidate of the family (direct: 8×8,
 * 8×4, then 4×4 outputs per invocation; staged: 64×64 then 32×32 outputs per workgroup) that still gives the
 * product its family's minimum of workgroups, so that small outputs keep the adapter's cores busy.
 *
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import type { View } from "../backend.ts";
import type { MatmulConfig, MatmulVariant, OperandRead } from "./matmul_shader.ts";

/** How a family's shader reads its operands. */
export type MatmulFamily = "direct" | "staged";

/** Per family: candidate configs, largest first, and the workgroups a product should have when a smaller gives them. */
const FAMILIES: Record<MatmulFamily, { configs: readonly MatmulConfig[]; minWorkgroups: number }> = {
  // lavapipe runs one workgroup per CPU thread: two workgroups already occupy this project's two cores.
  direct: {
    configs: [{ rows: 8, cols: 8, wx: 8, wy: 8 }, { rows: 8, cols: 4, wx: 8, wy: 8 }, {
      rows: 4,
      cols: 4,
      wx: 8,
      wy: 8,
    }],
    minWorkgroups: 2,
  },
  staged: {
    configs: [{ rows: 4, cols: 4, wx: 16, wy: 16, slice: 16 }, { rows: 4, cols: 4, wx: 8, wy: 8, slice: 16 }],
    minWorkgroups: 32,
  },
};

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
 * The variant of `family` for `a` [batch, m, k] @ `b` [batch, k, n] into a contiguous `dtype` output.
 *
 * @example
 * ```ts ignore
 * const rowMajor = (rows: number, cols: number) => ({ offset: 0, strides: [rows * cols, cols, 1] });
 * planMatmul("direct", { buffer, ...rowMajor(64, 784) }, { buffer, ...rowMajor(784, 128) }, "float32", 1, 64, 128, 784);
 * // { rows: 8, cols: 8, wx: 8, wy: 8, dtype: "float32", a: "k4", b: "mn4", kTail: false, out4: true }
 * ```
 */
export function planMatmul(
  family: MatmulFamily,
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
  const { configs, minWorkgroups } = FAMILIES[family];
  const config = configs.find((c) => groups(c) >= minWorkgroups) ?? configs[configs.length - 1];
  const out4 = n % 4 === 0;
  if (family === "staged") {
    // The staged shader copies quads of rows (columns) at one k: vec4s only along them; it handles any k.
    const quads = (read: OperandRead): OperandRead => read === "mn4" ? "mn4" : "scalar";
    return {
      ...config,
      dtype,
      a: quads(operandRead(a, batched, 2, k, m, false)),
      b: quads(operandRead(b, batched, 1, k, n, false)),
      kTail: false,
      out4,
    };
  }
  return {
    ...config,
    dtype,
    a: operandRead(a, batched, 2, k, m, true),
    b: operandRead(b, batched, 1, k, n, false),
    kTail: k % 4 !== 0,
    out4,
  };
}
