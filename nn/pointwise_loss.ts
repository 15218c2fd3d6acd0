/**
 * Elementwise losses, as `torch.nn.functional`: L1, smooth L1, Huber and the Kullback–Leibler divergence, and the
 * machinery they share with binary cross-entropy (`binary_cross_entropy.ts`): each loss is written once as a
 * per-element value and its derivatives in the kernel IR, run as one fused kernel forward (the weighted loss) and
 * one back (the input's and the target's gradients together), recorded as one node, then reduced.
 *
 * @module
 */
import { fusedOp } from "../autograd/function.ts";
import * as ir from "../backends/kernel_ir.ts";
import type { Expr } from "../backends/kernel_ir.ts";
import { autocastArgs } from "../tensor/autocast_policy.ts";
import { isFloating } from "../tensor/dtype.ts";
import { cachedKernel, runKernel } from "../tensor/elementwise.ts";
import { sumTo } from "../tensor/reduce.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkOptions } from "../tensor/validation.ts";
import { checkReduction, type Reduction, warnOnBroadcast } from "./functional.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";

/** The operands of a loss kernel by name; `param` is the loss's runtime scalar (beta, delta; 0 where unused). */
export interface LossOperands {
  /** The prediction. */
  input: Expr;
  /** The target. */
  target: Expr;
  /** BCE with logits' weight of positive targets, when given. */
  posWeight?: Expr;
  /** The loss's runtime scalar. */
  param: Expr;
}

/** A loss written once in the kernel IR: its per-element value and its derivatives in the input and the target. */
export interface LossKernel {
  /** The loss's name, keying its kernels. */
  name: string;
  /** The per-element loss (before the weight). */
  value(o: LossOperands): Expr;
  /** d value / d input and d value / d target. */
  grads(o: LossOperands): { input: Expr; target: Expr };
}

/** The tensors of one loss call; optional ones are null. */
export interface LossTensors {
  /** The prediction. */
  input: Tensor;
  /** The target. */
  target: Tensor;
  /** A weight per element, broadcast (no gradient). */
  weight?: Tensor | null;
  /** BCE with logits' weight of positive targets, broadcast (no gradient). */
  posWeight?: Tensor | null;
}

type OperandName = "input" | "target" | "weight" | "posWeight";

/**
 * The weighted per-element loss of `spec` as one recorded node whose backward is one kernel (the input's and the
 * target's gradients, the ones wanted), reduced by `reduction`; the weights are constants, as in PyTorch.
 */
export function elementwiseLoss(
  spec: LossKernel,
  tensors: LossTensors,
  reduction: Reduction,
  param = 0,
): Tensor {
  const named = (["input", "target", "weight", "posWeight"] as const)
    .flatMap((name): [OperandName, Tensor][] => {
      const t = tensors[name];
      return t === undefined || t === null ? [] : [[name, t]];
    });
  for (const [name, t] of named.slice(2)) {
    if (t.requiresGrad) throw new Error(`the derivative for '${name}' is not implemented.`);
  }
  const names = named.map(([name]) => name);
  const operands = autocastArgs("float32", named.map(([, t]) => t));
  operands.forEach((t, i) => {
    if (t.dtype !== operands[0].dtype || !isFloating(t.dtype)) {
      throw new TypeError(
        `Found dtype ${t.dtype} for ${names[i]} but expected ${operands[0].dtype} (a float dtype)`,
      );
    }
  });
  const dtypes = operands.map((t) => t.dtype);
  const key = `loss:${spec.name}:${names}:${dtypes}`;
  const bind = (inputs: Expr[], scalar: Expr): LossOperands & { weight?: Expr } => {
    const pick = (name: OperandName): Expr | undefined => {
      const i = names.indexOf(name);
      return i < 0 ? undefined : inputs[i];
    };
    return {
      input: inputs[0],
      target: inputs[1],
      weight: pick("weight"),
      posWeight: pick("posWeight"),
      param: scalar,
    };
  };
  const forward = cachedKernel(`${key}:forward`, () =>
    ir.defineKernel(dtypes, ["float32"], (inputs, [p]) => {
      const o = bind(inputs, p);
      const value = spec.value(o);
      return [o.weight === undefined ? value : ir.mul(value, o.weight)];
    }));
  const losses = fusedOp(
    spec.name,
    operands,
    () => ({ output: runKernel(forward, operands, [param])[0] }),
    (g, { needed }) => {
      const wanted = (["input", "target"] as const).filter((_, i) => needed[i]);
      const backward = cachedKernel(
        `${key}:backward:${wanted}:${g.dtype}`,
        () =>
          ir.defineKernel([...dtypes, g.dtype], ["float32"], (inputs, [p]) => {
            const o = bind(inputs, p);
            const upstream = inputs[inputs.length - 1];
            const scale = o.weight === undefined ? upstream : ir.mul(upstream, o.weight);
            const grads = spec.grads(o);
            return wanted.map((name) => ir.mul(grads[name], scale));
          }),
      );
      const grads = runKernel(backward, [...operands, g], [param]);
      return operands.map((t, i) => {
        const j = wanted.indexOf(names[i] as "input" | "target");
        return j < 0 ? null : sumTo(grads[j], t.shape);
      });
    },
  );
  return reduce(losses, reduction);
}

function reduce(losses: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? losses : reduction === "sum" ? losses.sum() : losses.mean();
}

const L1: LossKernel = {
  name: "l1Loss",
  value: ({ input, target }) => ir.abs(ir.sub(input, target)),
  grads: ({ input, target }) => {
    const s = ir.sign(ir.sub(input, target));
    return { input: s, target: ir.neg(s) };
  },
};

/**
 * The absolute error between `input` and `target`, as `torch.nn.functional.l1_loss`.
 *
 * @example
 * ```ts
 * import { l1Loss } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * const loss = l1Loss(tensor([1, 2, 3]), tensor([1, 2, 5])); // (0 + 0 + 2) / 3
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkTensors("l1Loss", { input, target });
  checkOptions("l1Loss", options, OPTION_SPECS.reduction);
  const reduction = options.reduction ?? "mean";
  checkReduction(reduction);
  warnOnBroadcast(input, target);
  return elementwiseLoss(L1, { input, target }, reduction);
}

/** A loss that is quadratic for |d| < `param` (d = input - target) and linear beyond, and its slope. */
function quadraticThenLinear(
  name: string,
  quadratic: (d: Expr, param: Expr) => Expr,
  linear: (d: Expr, param: Expr) => Expr,
  slope: (d: Expr, param: Expr) => Expr,
): LossKernel {
  return {
    name,
    value: ({ input, target, param }) => {
      const d = ir.sub(input, target);
      return ir.where(ir.lt(ir.abs(d), param), quadratic(d, param), linear(d, param));
    },
    // The target's slope is the slope at target - input, as PyTorch computes it (they differ at a tie).
    grads: ({ input, target, param }) => ({
      input: slope(ir.sub(input, target), param),
      target: slope(ir.sub(target, input), param),
    }),
  };
}

const SMOOTH_L1 = quadraticThenLinear(
  "smoothL1Loss",
  (d, beta) => ir.div(ir.mul(ir.mul(d, d), 0.5), beta),
  (d, beta) => ir.sub(ir.abs(d), ir.mul(beta, 0.5)),
  // PyTorch 1.13's slope: -1 where d <= -beta, 1 where d >= beta, d / beta between (so -1 at d = 0 when beta = 0).
  (d, beta) => ir.where(ir.le(d, ir.neg(beta)), -1, ir.where(ir.ge(d, beta), 1, ir.div(d, beta))),
);

/**
 * Smooth L1: `0.5·d²/beta` where |d| < beta, else `|d| - 0.5·beta` (d = input - target), as
 * `torch.nn.functional.smooth_l1_loss`; `beta` (default 1) of 0 is the L1 loss (with PyTorch 1.13's slope of
 * -1 at d = 0).
 *
 * @example
 * ```ts
 * import { smoothL1Loss } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const loss = smoothL1Loss(randn([8]), randn([8]), { beta: 0.5 });
 * ```
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; beta?: number } = {},
): Tensor {
  checkTensors("smoothL1Loss", { input, target });
  checkOptions("smoothL1Loss", options, OPTION_SPECS.smoothL1);
  const { reduction = "mean", beta = 1 } = options;
  checkReduction(reduction);
  if (!(beta >= 0)) throw new RangeError("smooth_l1_loss does not support negative values for beta.");
  warnOnBroadcast(input, target);
  return elementwiseLoss(SMOOTH_L1, { input, target }, reduction, beta);
}

const HUBER = quadraticThenLinear(
  "huberLoss",
  (d) => ir.mul(ir.mul(d, d), 0.5),
  (d, delta) => ir.mul(delta, ir.sub(ir.abs(d), ir.mul(delta, 0.5))),
  (d, delta) => ir.where(ir.lt(ir.abs(d), delta), d, ir.mul(delta, ir.sign(d))),
);

/**
 * The Huber loss: `0.5·d²` where |d| < delta, else `delta·(|d| - 0.5·delta)` (d = input - target), as
 * `torch.nn.functional.huber_loss`; `delta` (default 1) must be positive.
 *
 * @example
 * ```ts
 * import { huberLoss } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const loss = huberLoss(randn([8]), randn([8]), { delta: 2 });
 * ```
 */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; delta?: number } = {},
): Tensor {
  checkTensors("huberLoss", { input, target });
  checkOptions("huberLoss", options, OPTION_SPECS.huber);
  const { reduction = "mean", delta = 1 } = options;
  checkReduction(reduction);
  if (!(delta > 0)) throw new RangeError("huber_loss does not support non-positive values for delta.");
  warnOnBroadcast(input, target);
  return elementwiseLoss(HUBER, { input, target }, reduction, delta);
}

const KL_DIV: LossKernel = {
  name: "klDiv",
  // xlogy(y, y) - y·x, with 0·log 0 = 0; the target's derivative is PyTorch's autograd one (NaN where y = 0).
  value: ({ input: x, target: y }) => ir.sub(ir.where(ir.eq(y, 0), 0, ir.mul(y, ir.log(y))), ir.mul(y, x)),
  grads: ({ input: x, target: y }) => ({
    input: ir.neg(y),
    target: ir.sub(ir.add(ir.where(ir.ne(y, 0), ir.log(y), 0), ir.div(y, y)), x),
  }),
};

const KL_DIV_LOG_TARGET: LossKernel = {
  name: "klDivLogTarget",
  // exp(y)·(y - x)
  value: ({ input: x, target: y }) => ir.mul(ir.exp(y), ir.sub(y, x)),
  grads: ({ input: x, target: y }) => ({
    input: ir.neg(ir.exp(y)),
    target: ir.mul(ir.exp(y), ir.add(ir.sub(y, x), 1)),
  }),
};

/** How {@link klDiv} combines its per-element values: "batchmean" divides their sum by the batch size. */
export type KLDivReduction = Reduction | "batchmean";

/** Throws PyTorch's error unless `reduction` is one of KL divergence's four reductions. */
export function checkKLDivReduction(reduction: KLDivReduction): void {
  if (reduction !== "batchmean" && reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new Error(
      `${reduction} is not a valid value for reduction: expected "mean", "batchmean", "sum" or "none"`,
    );
  }
}

/** Options of {@link klDiv}. */
export interface KLDivOptions {
  /**
   * How to combine the per-element values (default "mean", which divides by every element's count and warns as
   * PyTorch does; "batchmean" is the divergence's definition).
   */
  reduction?: KLDivReduction;
  /** Whether `target` holds log-probabilities (default false: probabilities). */
  logTarget?: boolean;
}

let warnedMean = false;

/**
 * The Kullback–Leibler divergence of `target` from log-probabilities `input`, elementwise
 * `target·(log target - input)`, as `torch.nn.functional.kl_div`.
 *
 * @example
 * ```ts
 * import { klDiv } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const loss = klDiv(randn([4, 5]).logSoftmax(1), randn([4, 5]).softmax(1), { reduction: "batchmean" });
 * ```
 */
export function klDiv(input: Tensor, target: Tensor, options: KLDivOptions = {}): Tensor {
  checkTensors("klDiv", { input, target });
  checkOptions("klDiv", options, OPTION_SPECS.klDiv);
  const { reduction = "mean", logTarget = false } = options;
  checkKLDivReduction(reduction);
  if (reduction === "mean" && !warnedMean) {
    warnedMean = true;
    console.warn(
      "reduction: 'mean' divides the total loss by both the batch size and the support size. 'batchmean' " +
        "divides only by the batch size, and aligns with the KL div math definition. 'mean' will be changed to " +
        "behave the same as 'batchmean' in the next major release.",
    );
  }
  const spec = logTarget ? KL_DIV_LOG_TARGET : KL_DIV;
  if (reduction !== "batchmean") return elementwiseLoss(spec, { input, target }, reduction);
  const total = elementwiseLoss(spec, { input, target }, "sum");
  return input.ndim === 0 ? total : total.div(input.shape[0]);
}
