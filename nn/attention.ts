/**
 * Scaled dot-product attention, as PyTorch 2's `torch.nn.functional.scaled_dot_product_attention`, recorded as
 * one fused node: forward is two batched matrix products around a masked, scaled softmax of three elementwise
 * kernels and two row reductions; backward is four matrix products, one row reduction and two elementwise
 * kernels (dS = P ⊙ (dP − rowsum(dO ⊙ O)), FlashAttention's form of rowsum(dP ⊙ P)).
 *
 * @module
 */
import { fusedOp } from "../autograd/function.ts";
import * as ir from "../backends/kernel_ir.ts";
import type { Expr, Kernel } from "../backends/kernel_ir.ts";
import { autocastArgs } from "../tensor/autocast_policy.ts";
import { rand, tensor } from "../tensor/creation.ts";
import { type DType, isFloating } from "../tensor/dtype.ts";
import { cachedKernel, runKernel } from "../tensor/elementwise.ts";
import { matmul } from "../tensor/matmul.ts";
import type { Generator } from "../tensor/random.ts";
import { extreme, sum, sumTo } from "../tensor/reduce.ts";
import { contiguousAll } from "../tensor/multi_copy.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkOptions } from "../tensor/validation.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";

/** Options of {@link scaledDotProductAttention}. */
export interface ScaledDotProductAttentionOptions {
  /**
   * A mask broadcastable to the weights' shape [..., L, S], as PyTorch 2's SDPA reads it: a bool mask is TRUE
   * WHERE ATTENTION IS ALLOWED (false positions get −∞ before the softmax); a float mask is added to the scaled
   * scores. (`MultiheadAttention`'s bool masks, like PyTorch's, are the other way round: true means masked.)
   */
  attnMask?: Tensor | null;
  /** The probability of dropping each attention weight, in [0, 1] (default 0; applied whenever > 0, as PyTorch). */
  dropoutP?: number;
  /** Whether query i may attend only to keys j ≤ i (PyTorch's top-left aligned causal mask; default false). */
  isCausal?: boolean;
  /** The factor of the scores (default 1/√E, E the query's last dimension). */
  scale?: number | null;
  /** The random stream of the dropout mask (default: the global one seeded by `manualSeed`). */
  generator?: Generator;
}

const f32 = (e: Expr): Expr => ir.cast(e, "float32");

/** The additive −∞ above the diagonal (key j > query i) of an [L, S] causal mask, built on the host. */
function causalBias(query: Tensor, l: number, s: number): Tensor {
  const values = new Float32Array(l * s);
  for (let i = 0; i < l; i++) values.fill(-Infinity, i * s + Math.min(i + 1, s), (i + 1) * s);
  return tensor(values, { shape: [l, s], device: query.device });
}

/** z = s·scale (+ mask), float32: −∞ where a bool mask is false, the float mask added. */
function scoresKernel(sd: DType, md: DType | null): Kernel {
  return cachedKernel(
    `nn.sdpa:z:${sd}:${md}`,
    () =>
      ir.defineKernel(md === null ? [sd] : [sd, md], ["float32", "float32"], ([s, m], [scale, minusInf]) => {
        const z = ir.mul(f32(s), scale);
        if (md === null) return [z];
        return [md === "bool" ? ir.where(m, z, minusInf) : ir.add(z, f32(m))];
      }),
  );
}

/** e = exp((x − max)·factor), float32: the softmax's numerators, from raw (factor = scale) or prepared scores. */
function expKernel(xd: DType): Kernel {
  return cachedKernel(
    `nn.sdpa:exp:${xd}`,
    () =>
      ir.defineKernel([xd, xd], ["float32"], ([x, m], [factor]) => [
        ir.exp(ir.mul(ir.sub(f32(x), f32(m)), factor)),
      ]),
  );
}

/** P = e / Σe in `pd`; with dropout also the dropped weights where(u < keep, P / keep, 0). */
function probKernel(pd: DType, dropout: boolean): Kernel {
  return cachedKernel(`nn.sdpa:p:${pd}:${dropout}`, () =>
    ir.defineKernel(
      dropout ? ["float32", "float32", "float32"] : ["float32", "float32"],
      dropout ? ["float32"] : [],
      ([e, total, u], [keep]) => {
        const p = ir.div(e, total);
        return dropout
          ? [ir.cast(p, pd), ir.cast(ir.where(ir.lt(u, keep), ir.div(p, keep), 0), pd)]
          : [ir.cast(p, pd)];
      },
    ));
}

/** dO ⊙ O, float32: its row sums are rowsum(dP ⊙ P). */
function productKernel(gd: DType, od: DType): Kernel {
  return cachedKernel(
    `nn.sdpa:do:${gd}:${od}`,
    () => ir.defineKernel([gd, od], [], ([g, o]) => [ir.mul(f32(g), f32(o))]),
  );
}

/**
 * dS = P ⊙ (dP − r), dP undropped first where there was dropout; outputs [dS·scale] in `pd`, and dS itself in
 * the float mask's dtype `md` when that mask wants its gradient.
 */
function scoreGradKernel(pd: DType, gd: DType, dropout: boolean, md: DType | null): Kernel {
  return cachedKernel(`nn.sdpa:ds:${pd}:${gd}:${dropout}:${md}`, () =>
    ir.defineKernel(
      dropout ? [pd, gd, "float32", "float32"] : [pd, gd, "float32"],
      ["float32", "float32"],
      ([p, dp, r, u], [scale, keep]) => {
        const dpUndropped = dropout ? ir.where(ir.lt(u, keep), ir.div(f32(dp), keep), 0) : f32(dp);
        const ds = ir.mul(f32(p), ir.sub(dpUndropped, r));
        const scaled = ir.cast(ir.mul(ds, scale), pd);
        return md === null ? [scaled] : [scaled, ir.cast(ds, md)];
      },
    ));
}

function checkInputs(query: Tensor, key: Tensor, value: Tensor, mask: Tensor | null): void {
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) {
    throw new Error(
      `scaledDotProductAttention: query, key and value need at least 2 dimensions ([..., L, E], [..., S, E], [..., S, Ev]), got [${query.shape}], [${key.shape}] and [${value.shape}]`,
    );
  }
  if (query.dtype !== key.dtype || query.dtype !== value.dtype || !isFloating(query.dtype)) {
    throw new TypeError(
      `Expected query, key, and value to have the same floating-point dtype, but got query.dtype: ${query.dtype} key.dtype: ${key.dtype} and value.dtype: ${value.dtype} instead.`,
    );
  }
  const e = query.shape[query.ndim - 1];
  if (key.shape[key.ndim - 1] !== e) {
    throw new Error(
      `scaledDotProductAttention: the query's last dimension (E = ${e}) must equal the key's, got query [${query.shape}] and key [${key.shape}]`,
    );
  }
  if (key.shape[key.ndim - 2] !== value.shape[value.ndim - 2]) {
    throw new Error(
      `scaledDotProductAttention: key and value need the same sequence length S, got key [${key.shape}] and value [${value.shape}]`,
    );
  }
  if (mask === null) return;
  if (mask.dtype !== "bool" && !isFloating(mask.dtype)) {
    throw new TypeError(
      `Expected attn_mask dtype to be bool or float, but got attn_mask.dtype: ${mask.dtype}`,
    );
  }
  const weights = [query.shape[query.ndim - 2], key.shape[key.ndim - 2]];
  const trailing = mask.shape.slice(-2);
  if (!trailing.every((d, i) => d === 1 || d === weights[i + 2 - trailing.length])) {
    throw new Error(
      `scaledDotProductAttention: attn_mask of shape [${mask.shape}] is not broadcastable to the attention weights [..., ${weights}]`,
    );
  }
}

/**
 * Attention softmax(q kᵀ · scale + mask) v, as PyTorch 2's `torch.nn.functional.scaled_dot_product_attention`:
 * `query` [..., L, E], `key` [..., S, E], `value` [..., S, Ev] (leading dimensions broadcast) give [..., L, Ev].
 * A bool `attnMask` is true where attention is ALLOWED (PyTorch 2's SDPA convention); a float one is added to
 * the scaled scores; `isCausal` lets query i see keys j ≤ i and cannot be combined with `attnMask` (as PyTorch).
 * Dropout on the weights uses gradstep's generator, so it is reproducible but not PyTorch's stream. A row that is
 * masked everywhere gives NaN, as the formula does.
 *
 * @example
 * ```ts
 * import { scaledDotProductAttention } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const [q, k, v] = [randn([2, 4, 8, 16]), randn([2, 4, 8, 16]), randn([2, 4, 8, 16])];
 * const y = scaledDotProductAttention(q, k, v, { isCausal: true }); // [2, 4, 8, 16]
 * ```
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  checkTensors("scaledDotProductAttention", { query, key, value });
  checkOptions("scaledDotProductAttention", options, OPTION_SPECS.attention);
  const { attnMask = null, dropoutP = 0, isCausal = false, generator } = options;
  if (isCausal && attnMask !== null) {
    throw new Error(
      "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True",
    );
  }
  if (!(dropoutP >= 0 && dropoutP <= 1)) {
    throw new RangeError(`dropout probability has to be between 0 and 1, but got ${dropoutP}`);
  }
  [query, key, value] = autocastArgs("lower", [query, key, value]);
  checkInputs(query, key, value, attnMask);
  const [l, e] = query.shape.slice(-2);
  const s = key.shape[key.ndim - 2];
  const scale = options.scale ?? 1 / Math.sqrt(e);
  const mask = isCausal ? causalBias(query, l, s) : attnMask;
  const floatMask = attnMask !== null && attnMask.dtype !== "bool" ? attnMask : null;
  const inputs = floatMask === null ? [query, key, value] : [query, key, value, floatMask];
  const dropout = dropoutP > 0;
  const keep = 1 - dropoutP;
  const pd = query.dtype;
  return fusedOp("scaledDotProductAttention", inputs, () => {
    // Row-major copies of views whose batch dimensions no single stride walks (heads split off a projection),
    // made once and kept for backward, so no matrix product copies them again.
    const [q, k, v] = contiguousAll([query, key, value]);
    const scores = matmul(q, k.transpose(-2, -1));
    // Without a mask and with a positive scale, the raw scores' max shifts the scaled ones: one kernel less.
    const prepared = mask === null && scale > 0 ? scores : runKernel(
      scoresKernel(scores.dtype, mask?.dtype ?? null),
      mask === null ? [scores] : [scores, mask],
      [scale, -Infinity],
    )[0];
    const max = extreme("max", prepared, -1, true);
    const [numerators] = runKernel(expKernel(prepared.dtype), [prepared, max], [
      prepared === scores ? scale : 1,
    ]);
    const total = sum(numerators, -1, true);
    if (!dropout) {
      const [probs] = runKernel(probKernel(pd, false), [numerators, total]);
      return { output: matmul(probs, v), saved: [q, k, v, probs] };
    }
    const uniform = rand(numerators.shape, { device: query.device, generator });
    const [probs, dropped] = runKernel(probKernel(pd, true), [numerators, total, uniform], [keep]);
    return { output: matmul(dropped, v), saved: [q, k, v, probs, dropped, uniform] };
  }, (gradOutput, { output, needed, saved }) => {
    const [q, k, v, probs, dropped = probs, uniform] = saved;
    // Made row-major once here (heads merged back into one projection's input give a view whose batch dimensions
    // no single stride walks), not by each matrix product that reads it.
    const [g] = contiguousAll([gradOutput]);
    const gradValue = needed[2] ? sumTo(matmul(dropped.transpose(-2, -1), g), value.shape) : null;
    const maskGrad = needed[3] === true;
    if (!needed[0] && !needed[1] && !maskGrad) return [null, null, gradValue, null];
    const gradDropped = matmul(g, v.transpose(-2, -1));
    const rowDot = sum(runKernel(productKernel(g.dtype, output.dtype), [g, output])[0], -1, true);
    const operands = dropout ? [probs, gradDropped, rowDot, uniform] : [probs, gradDropped, rowDot];
    const kernel = scoreGradKernel(pd, gradDropped.dtype, dropout, maskGrad ? floatMask!.dtype : null);
    const [ds, dsUnscaled] = runKernel(kernel, operands, [scale, keep]);
    return [
      needed[0] ? sumTo(matmul(ds, k), query.shape) : null,
      needed[1] ? sumTo(matmul(ds.transpose(-2, -1), q), key.shape) : null,
      gradValue,
      maskGrad ? sumTo(dsUnscaled, floatMask!.shape) : null,
    ];
  });
}
