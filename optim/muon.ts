/**
 * Muon, as PyTorch 2.9+'s `torch.optim.Muon`: momentum, then the Newton–Schulz orthogonalization of the update,
 * for 2-D parameters (the weights of hidden layers).
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zerosLike } from "../tensor/creation.ts";
import type { DType } from "../tensor/dtype.ts";
import { cachedKernel, runKernel, runKernelInto } from "../tensor/elementwise.ts";
import { tidy } from "../tensor/memory.ts";
import { empty } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { lerp } from "./lerp.ts";
import { check } from "./validation.ts";
import { Optimizer } from "./optimizer.ts";
import type { ParamGroup, Params, State } from "./state_dict.ts";

/** How Muon scales lr by the shape [A, B] of the parameter: PyTorch's `adjust_lr_fn`. */
export type MuonAdjustLr = "original" | "match_rms_adamw";

/** Muon's hyperparameters (PyTorch's defaults: lr 1e-3, weightDecay 0.1, momentum 0.95 with Nesterov). */
export interface MuonOptions {
  /** Learning rate (before the shape adjustment of `adjustLrFn`). */
  lr: number;
  /** Decoupled weight decay: θ ← θ·(1 − lr·weightDecay). */
  weightDecay: number;
  /** Momentum factor: the buffer is B ← lerp(B, G, 1 − momentum). */
  momentum: number;
  /** Orthogonalize lerp(G, B, momentum) (Nesterov) instead of B. */
  nesterov: boolean;
  /** The quintic Newton–Schulz coefficients (a, b, c). */
  nsCoefficients: [number, number, number];
  /** The floor of the Frobenius norm the update is divided by before the iterations. */
  eps: number;
  /** Number of Newton–Schulz iterations (0 to 99). */
  nsSteps: number;
  /**
   * lr's shape adjustment: null or "original" (Keller Jordan's √max(1, A/B)), or "match_rms_adamw" (Moonshot's
   * 0.2·√max(A, B), to reuse AdamW's lr and weight decay).
   */
  adjustLrFn: MuonAdjustLr | null;
}

/** The momentum kernel: B ← lerp(B, G, 1 − μ), and with Nesterov also the update lerp(G, B, μ). */
function momentumKernel(p: Tensor, g: Tensor, nesterov: boolean): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(
    `muon-momentum:${t}:${g.dtype}:${nesterov}`,
    () =>
      ir.defineKernel([g.dtype, t], [t, t], ([grad, buf], [oneMinusMomentum, momentum]) => {
        const d = ir.cast(grad, t);
        const next = lerp(buf, d, oneMinusMomentum);
        return nesterov ? [next, lerp(d, next, momentum)] : [next];
      }),
  );
}

/** `x / max(√sumSq, eps)`: the update scaled to Frobenius norm (at most) 1. */
function normalizeKernel(t: DType): ir.Kernel {
  return cachedKernel(
    `muon-normalize:${t}`,
    () => ir.defineKernel([t, t], [t], ([x, sumSq], [eps]) => [ir.div(x, ir.max(ir.sqrt(sumSq), eps))]),
  );
}

/** `s·x + y`, the linear part of a Newton–Schulz iteration. */
function axpyKernel(t: DType): ir.Kernel {
  return cachedKernel(
    `muon-axpy:${t}`,
    () => ir.defineKernel([t, t], [t], ([x, y], [s]) => [ir.add(ir.mul(s, x), y)]),
  );
}

/** The step: θ ← θ·(1 − lr·λ) − adjustedLr·O. */
function applyKernel(t: DType): ir.Kernel {
  return cachedKernel(`muon-apply:${t}`, () =>
    ir.defineKernel(
      [t, t],
      [t, t],
      ([param, o], [decay, adjustedLr]) => [ir.add(ir.mul(param, decay), ir.mul(ir.neg(adjustedLr), o))],
    ));
}

/**
 * The quintic Newton–Schulz iteration of PyTorch's `_zeropower_via_newtonschulz`, in the order of its operations:
 * X = G / max(‖G‖_F, eps) (transposed when G is tall); k times: A = X·Xᵀ, B = b·A + (c·A)·A, X = a·X + B·X.
 * PyTorch runs it in bfloat16; gradstep has no bfloat16 and runs it in the parameter's dtype.
 */
function orthogonalize(g: Tensor, group: MuonOptions): Tensor {
  const [a, b, c] = group.nsCoefficients;
  const tall = g.shape[0] > g.shape[1];
  let x = tall ? g.T : g;
  const axpy = axpyKernel(x.dtype);
  [x] = runKernel(normalizeKernel(x.dtype), [x, x.mul(x).sum()], [group.eps]);
  for (let i = 0; i < group.nsSteps; i++) {
    const gram = x.matmul(x.T);
    const [poly] = runKernel(axpy, [gram, gram.mul(c).matmul(gram)], [b]);
    [x] = runKernel(axpy, [x, poly.matmul(x)], [a]);
  }
  return tall ? x.T : x;
}

/** PyTorch's `_adjust_lr`: lr scaled by the parameter's shape [A, B]. */
function adjustedLr(lr: number, adjust: MuonAdjustLr | null, [rows, cols]: readonly number[]): number {
  if (adjust === "match_rms_adamw") return lr * 0.2 * Math.sqrt(Math.max(rows, cols));
  return lr * Math.sqrt(Math.max(1, rows / cols));
}

/**
 * Muon (Keller Jordan et al.), as PyTorch's `torch.optim.Muon`: momentum, Newton–Schulz orthogonalization of the
 * (Nesterov) momentum, decoupled weight decay and a shape-adjusted lr. Only for 2-D parameters: optimize biases,
 * embeddings and the output layer with e.g. AdamW in a second optimizer. Five matrix products per iteration run
 * on the device; nothing is read back.
 *
 * @example
 * ```ts
 * import { Muon } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const hidden = new Linear(784, 128);
 * const optimizer = new Muon([hidden.weight], { lr: 0.02, adjustLrFn: "match_rms_adamw" });
 * ```
 */
export class Muon extends Optimizer<MuonOptions> {
  /** An optimizer of the 2-D `params` with the given hyperparameters (PyTorch's defaults otherwise). */
  constructor(params: Params<MuonOptions>, options: Partial<MuonOptions> = {}) {
    super(params, {
      lr: 1e-3,
      weightDecay: 0.1,
      momentum: 0.95,
      nesterov: true,
      nsCoefficients: [3.4445, -4.775, 2.0315],
      eps: 1e-7,
      nsSteps: 5,
      adjustLrFn: null,
    }, options);
  }

  /** PyTorch's checks of Muon's hyperparameters and of its parameters' shapes, in its words. */
  protected validate(group: MuonOptions & { params?: Tensor[] }): void {
    check(group.lr >= 0, `Learning rate should be >= 0 but is: ${group.lr}`);
    check(group.momentum >= 0, `momentum should be >= 0 but is: ${group.momentum}`);
    check(group.weightDecay >= 0, `weight decay should be >= 0 but is: ${group.weightDecay}`);
    check(
      group.adjustLrFn === null || group.adjustLrFn === "original" || group.adjustLrFn === "match_rms_adamw",
      `Adjust learning rate function ${group.adjustLrFn} is not supported (expected null, "original" or "match_rms_adamw")`,
    );
    check(
      Array.isArray(group.nsCoefficients) && group.nsCoefficients.length === 3,
      `Coefficients must be a tuple of exactly 3 values, got ${group.nsCoefficients}`,
    );
    check(
      Number.isInteger(group.nsSteps) && group.nsSteps >= 0 && group.nsSteps < 100,
      `Number of steps must be less than 100 for computational efficiency, got nsSteps ${group.nsSteps} (expected an integer from 0 to 99)`,
    );
    group.params?.forEach((p, i) =>
      check(
        p.ndim === 2,
        `Muon only supports 2D parameters whereas we found a parameter with size: [${p.shape}] (params[${i}]; optimize it with e.g. AdamW)`,
      )
    );
  }

  /** The momentum buffer, zeros. */
  protected initState(p: Tensor): State {
    return { momentumBuffer: zerosLike(p) };
  }

  /** The momentum kernel, the Newton–Schulz iterations, then one kernel that steps the parameter. */
  protected update(p: Tensor, grad: Tensor, group: ParamGroup<MuonOptions>, state: State): void {
    const buf = state.momentumBuffer as Tensor;
    tidy(() => {
      const momentum = [1 - group.momentum, group.momentum];
      const kernel = momentumKernel(p, grad, group.nesterov);
      let direction = buf;
      if (group.nesterov) {
        direction = empty(p.shape, p);
        runKernelInto(kernel, [grad, buf], [buf, direction], momentum);
      } else runKernelInto(kernel, [grad, buf], [buf], momentum);
      runKernelInto(
        applyKernel(p.dtype),
        [p, orthogonalize(direction, group)],
        [p],
        [1 - group.lr * group.weightDecay, adjustedLr(group.lr, group.adjustLrFn, p.shape)],
      );
    });
  }
}
