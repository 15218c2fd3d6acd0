/**
 * Fused ops: a composite computed by its own kernels forward and back, recorded on the tape as one node, like
 * PyTorch's `torch.autograd.Function`. Layers use it so that, say, LayerNorm or GELU is one or two kernels each
 * way instead of a dozen recorded primitives.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { noGrad, record } from "./node.ts";

/** What a fused op's backward receives besides the output's gradient. */
export interface FusedContext {
  /** The tensors the op read, in the order given to {@link fusedOp}. */
  readonly inputs: readonly Tensor[];
  /** The op's output. */
  readonly output: Tensor;
  /** The tensors the forward pass chose to keep for backward (e.g. LayerNorm's mean and reciprocal deviation). */
  readonly saved: readonly Tensor[];
  /** Whether each input wants its gradient; skip the costly ones it does not. */
  readonly needed: readonly boolean[];
  /**
   * Hands over the gradient accumulated so far for input `i` by the ops already run backward (null when none, or
   * when an input appears twice): a backward that takes it must return its own gradient for `i` with it added, so
   * it can add it inside its last kernel (a residual stream's sum) instead of the engine adding it separately.
   */
  readonly takeAccumulated: (i: number) => Tensor | null;
}

/** A fused op's backward: one gradient (or null) per input, each shaped like that input. */
export type FusedBackward = (g: Tensor, ctx: FusedContext) => (Tensor | null)[];

/** A fused op's forward: its output and what backward needs kept. */
export interface FusedForward {
  /** The op's result. */
  output: Tensor;
  /** Tensors kept for backward (beyond the inputs and the output, which are always kept). */
  saved?: readonly Tensor[];
}

/**
 * Runs `forward` without recording and records its output as one node whose gradient is `backward`'s. The
 * forward may use any tensor ops (they are not taped); backward runs without recording, as every rule does.
 *
 * @example
 * ```ts
 * import { fusedOp, tensor } from "@gradstep/gradstep";
 * // x² as one node, with its hand-written derivative.
 * const square = (x: ReturnType<typeof tensor>) =>
 *   fusedOp("square", [x], () => ({ output: x.mul(x) }), (g, { inputs: [a] }) => [g.mul(a).mul(2)]);
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * square(x).sum().backward();
 * console.log(await x.grad!.toArray()); // [2, 4, 6]
 * ```
 */
export function fusedOp(
  name: string,
  inputs: readonly Tensor[],
  forward: () => FusedForward,
  backward: FusedBackward,
): Tensor {
  const { output, saved = [] } = noGrad(forward);
  return record(output, "fused", inputs, { name, saved, backward });
}
