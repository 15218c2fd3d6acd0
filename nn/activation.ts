/**
 * Activations beyond ReLU/Sigmoid/Tanh (nn/layers.ts), as `torch.nn` and `torch.nn.functional` have them: GELU,
 * SiLU, LeakyReLU, ELU and Softplus each run as one elementwise kernel forward and one backward, recorded as one
 * node; Identity, Softmax and LogSoftmax wrap what tensors already do.
 *
 * @module
 */
import { checkOptions, integer } from "../tensor/validation.ts";
import { fusedOp } from "../autograd/function.ts";
import { isGradEnabled } from "../autograd/node.ts";
import * as ir from "../backends/kernel_ir.ts";
import type { Expr } from "../backends/kernel_ir.ts";
import { autocastArgs } from "../tensor/autocast_policy.ts";
import { isFloating } from "../tensor/dtype.ts";
import { cachedKernel, runKernel } from "../tensor/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkTensors, OPTION_SPECS } from "./functional_checks.ts";
import { Module } from "./module.ts";

/** An activation as two float32 expressions of the input `x` and its runtime scalars: value and derivative. */
interface Pointwise {
  /** The function's name, as messages and the tape show it. */
  readonly name: string;
  /** Names the kernels in the cache: distinct per formula (GELU has two). */
  readonly key: string;
  readonly value: (x: Expr, s: Expr[]) => Expr;
  readonly derivative: (x: Expr, s: Expr[]) => Expr;
}

/**
 * `op` applied to `input` elementwise, recorded as one node. When a gradient will be wanted the forward kernel also
 * writes f'(x) (sharing its subexpressions: σ(x), erf(x/√2)), so backward is the one product g·f'(x); the
 * transcendental functions are evaluated once per element either way. Computed in float32 whatever the floating
 * dtype; the result and the gradient are in the input's dtype.
 */
function pointwise(op: Pointwise, input: Tensor, scalars: readonly number[] = []): Tensor {
  const dtype = input.dtype;
  if (!isFloating(dtype)) {
    throw new TypeError(`${op.name}(): expected a floating-point input, got ${dtype}`);
  }
  const withDerivative = isGradEnabled() && input.requiresGrad;
  const forward = cachedKernel(
    `nn.${op.key}:${dtype}:${withDerivative}`,
    () =>
      ir.defineKernel([dtype], scalars.map(() => "float32"), ([x], s) => {
        const value = ir.cast(op.value(ir.cast(x, "float32"), s), dtype);
        return withDerivative ? [value, op.derivative(ir.cast(x, "float32"), s)] : [value];
      }),
  );
  return fusedOp(op.name, [input], () => {
    const [output, derivative] = runKernel(forward, [input], scalars);
    return { output, saved: withDerivative ? [derivative] : [] };
  }, (g, { saved: [derivative] }) => {
    const chain = cachedKernel(
      `nn.chain:${g.dtype}:${dtype}`,
      () =>
        ir.defineKernel(
          [g.dtype, "float32"],
          [],
          ([gy, d]) => [ir.cast(ir.mul(ir.cast(gy, "float32"), d), dtype)],
        ),
    );
    return [runKernel(chain, [g, derivative])[0]];
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/**
 * 2z for the tanh approximation's z = √(2/π)(x + 0.044715x³). Written with σ(2z) = (1 + tanh z)/2, which keeps its
 * relative precision in the far negative tail, where 1 + tanh z cancels.
 */
const geluTanh2z = (x: Expr): Expr =>
  ir.mul(2 * SQRT_2_OVER_PI, ir.add(x, ir.mul(GELU_CUBIC, ir.mul(x, ir.mul(x, x)))));

const GELU_TANH: Pointwise = {
  name: "gelu",
  key: "geluTanh",
  // 0.5x(1 + tanh z) = x·σ(2z)
  value: (x) => ir.mul(x, ir.sigmoid(geluTanh2z(x))),
  // σ(2z)·(1 + 2x·σ(−2z)·dz/dx), dz/dx = √(2/π)(1 + 3·0.044715x²)
  derivative: (x) => {
    const twoZ = geluTanh2z(x);
    const dz = ir.mul(SQRT_2_OVER_PI, ir.add(1, ir.mul(3 * GELU_CUBIC, ir.mul(x, x))));
    return ir.mul(ir.sigmoid(twoZ), ir.add(1, ir.mul(ir.mul(2, x), ir.mul(ir.sigmoid(ir.neg(twoZ)), dz))));
  },
};

const GELU_EXACT: Pointwise = {
  name: "gelu",
  key: "gelu",
  value: (x) => ir.mul(ir.mul(0.5, x), ir.add(1, ir.erf(ir.mul(Math.SQRT1_2, x)))),
  // Φ(x) + x·φ(x), φ the standard normal density.
  derivative: (x) =>
    ir.add(
      ir.mul(0.5, ir.add(1, ir.erf(ir.mul(Math.SQRT1_2, x)))),
      ir.mul(x, ir.mul(1 / Math.sqrt(2 * Math.PI), ir.exp(ir.mul(-0.5, ir.mul(x, x))))),
    ),
};

const SILU: Pointwise = {
  name: "silu",
  key: "silu",
  value: (x) => ir.mul(x, ir.sigmoid(x)),
  // σ(x)(1 + x(1 − σ(x)))
  derivative: (x) => ir.mul(ir.sigmoid(x), ir.add(1, ir.mul(x, ir.sub(1, ir.sigmoid(x))))),
};

const LEAKY_RELU: Pointwise = {
  name: "leakyRelu",
  key: "leakyRelu",
  value: (x, [slope]) => ir.where(ir.gt(x, 0), x, ir.mul(slope, x)),
  derivative: (x, [slope]) => ir.where(ir.gt(x, 0), 1, slope),
};

const EXPONENTIAL_LINEAR: Pointwise = {
  name: "elu",
  key: "elu",
  value: (x, [alpha]) => ir.where(ir.gt(x, 0), x, ir.mul(alpha, ir.sub(ir.exp(x), 1))),
  derivative: (x, [alpha]) => ir.where(ir.gt(x, 0), 1, ir.mul(alpha, ir.exp(x))),
};

const SOFTPLUS: Pointwise = {
  name: "softplus",
  key: "softplus",
  // Above the threshold (in βx) the input itself, as PyTorch, where log(1 + e^βx)/β equals it in float32.
  value: (x, [beta, threshold]) =>
    ir.where(ir.gt(ir.mul(beta, x), threshold), x, ir.div(ir.log(ir.add(1, ir.exp(ir.mul(beta, x)))), beta)),
  derivative: (x, [beta, threshold]) =>
    ir.where(ir.gt(ir.mul(beta, x), threshold), 1, ir.sigmoid(ir.mul(beta, x))),
};

/** Options of {@link gelu} and {@link GELU}. */
export interface GeluOptions {
  /** "none" (default): x·Φ(x) with the exact normal CDF; "tanh": PyTorch's tanh approximation. */
  approximate?: "none" | "tanh";
}

function checkApproximate(approximate: string): void {
  if (approximate !== "none" && approximate !== "tanh") {
    throw new Error(`approximate argument must be either none or tanh., got "${approximate}"`);
  }
}

/**
 * The Gaussian error linear unit x·Φ(x), as `torch.nn.functional.gelu`; `approximate: "tanh"` uses
 * 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
 *
 * @example
 * ```ts
 * import { gelu } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * const y = gelu(tensor([-1, 0, 1], { dtype: "float32" }), { approximate: "tanh" }); // [-0.1588, 0, 0.8412]
 * ```
 */
export function gelu(input: Tensor, options: GeluOptions = {}): Tensor {
  checkTensors("gelu", { input });
  checkOptions("gelu", options, OPTION_SPECS.gelu);
  const { approximate = "none" } = options;
  checkApproximate(approximate);
  return pointwise(approximate === "tanh" ? GELU_TANH : GELU_EXACT, input);
}

/**
 * x·σ(x), the sigmoid linear unit (swish), as `torch.nn.functional.silu`.
 *
 * @example
 * ```ts
 * import { silu } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * const y = silu(tensor([-1, 0, 1], { dtype: "float32" })); // [-0.2689, 0, 0.7311]
 * ```
 */
export function silu(input: Tensor): Tensor {
  checkTensors("silu", { input });
  return pointwise(SILU, input);
}

/** Options of {@link leakyRelu} and {@link LeakyReLU}. */
export interface LeakyReluOptions {
  /** The slope for negative inputs (default 0.01). */
  negativeSlope?: number;
}

/**
 * x where x > 0, else negativeSlope·x, as `torch.nn.functional.leaky_relu`.
 *
 * @example
 * ```ts
 * import { leakyRelu } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * const y = leakyRelu(tensor([-2, 3], { dtype: "float32" }), { negativeSlope: 0.1 }); // [-0.2, 3]
 * ```
 */
export function leakyRelu(input: Tensor, options: LeakyReluOptions = {}): Tensor {
  checkTensors("leakyRelu", { input });
  checkOptions("leakyRelu", options, OPTION_SPECS.leakyRelu);
  return pointwise(LEAKY_RELU, input, [options.negativeSlope ?? 0.01]);
}

/** Options of {@link elu} and {@link ELU}. */
export interface EluOptions {
  /** The scale of the negative part, α(eˣ − 1) (default 1). */
  alpha?: number;
}

/**
 * The exponential linear unit: x where x > 0, else α(eˣ − 1), as `torch.nn.functional.elu`.
 *
 * @example
 * ```ts
 * import { elu } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * const y = elu(tensor([-1, 2], { dtype: "float32" })); // [-0.6321, 2]
 * ```
 */
export function elu(input: Tensor, options: EluOptions = {}): Tensor {
  checkTensors("elu", { input });
  checkOptions("elu", options, OPTION_SPECS.elu);
  return pointwise(EXPONENTIAL_LINEAR, input, [options.alpha ?? 1]);
}

/** Options of {@link softplus} and {@link Softplus}. */
export interface SoftplusOptions {
  /** The sharpness β of log(1 + e^βx)/β (default 1). */
  beta?: number;
  /** Above this value of βx the result is x itself (default 20). */
  threshold?: number;
}

/**
 * log(1 + e^βx)/β, a smooth ReLU, as `torch.nn.functional.softplus`; x itself where βx > threshold.
 *
 * @example
 * ```ts
 * import { softplus } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * const y = softplus(tensor([0, 30], { dtype: "float32" })); // [0.6931, 30]
 * ```
 */
export function softplus(input: Tensor, options: SoftplusOptions = {}): Tensor {
  checkTensors("softplus", { input });
  checkOptions("softplus", options, OPTION_SPECS.softplus);
  // On autocast's float32 list, as PyTorch's softplus.
  [input] = autocastArgs("float32", [input]);
  return pointwise(SOFTPLUS, input, [options.beta ?? 1, options.threshold ?? 20]);
}

/**
 * The GELU activation as a module, as `nn.GELU`.
 *
 * @example
 * ```ts
 * import { GELU } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = new GELU({ approximate: "tanh" }).forward(randn([4, 8]));
 * ```
 */
export class GELU extends Module {
  /** "none" (exact) or "tanh". */
  readonly approximate: "none" | "tanh";
  /** A GELU, exact unless `approximate: "tanh"`. */
  constructor(options: GeluOptions = {}) {
    super();
    checkOptions("GELU", options, OPTION_SPECS.gelu);
    this.approximate = options.approximate ?? "none";
    checkApproximate(this.approximate);
  }
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return gelu(input, { approximate: this.approximate });
  }
}

/**
 * The SiLU (swish) activation as a module, as `nn.SiLU`.
 *
 * @example
 * ```ts
 * import { SiLU } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = new SiLU().forward(randn([4, 8]));
 * ```
 */
export class SiLU extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return silu(input);
  }
}

/**
 * The leaky ReLU as a module, as `nn.LeakyReLU`.
 *
 * @example
 * ```ts
 * import { LeakyReLU } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = new LeakyReLU({ negativeSlope: 0.2 }).forward(randn([4, 8]));
 * ```
 */
export class LeakyReLU extends Module {
  /** The slope for negative inputs. */
  readonly negativeSlope: number;
  /** A leaky ReLU with `negativeSlope` (default 0.01). */
  constructor(options: LeakyReluOptions = {}) {
    super();
    checkOptions("LeakyReLU", options, OPTION_SPECS.leakyRelu);
    this.negativeSlope = options.negativeSlope ?? 0.01;
  }
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return leakyRelu(input, { negativeSlope: this.negativeSlope });
  }
}

/**
 * The ELU as a module, as `nn.ELU`.
 *
 * @example
 * ```ts
 * import { ELU } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = new ELU({ alpha: 0.5 }).forward(randn([4, 8]));
 * ```
 */
export class ELU extends Module {
  /** The scale α of the negative part. */
  readonly alpha: number;
  /** An ELU with `alpha` (default 1). */
  constructor(options: EluOptions = {}) {
    super();
    checkOptions("ELU", options, OPTION_SPECS.elu);
    this.alpha = options.alpha ?? 1;
  }
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return elu(input, { alpha: this.alpha });
  }
}

/**
 * Softplus as a module, as `nn.Softplus`.
 *
 * @example
 * ```ts
 * import { Softplus } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const y = new Softplus({ beta: 2 }).forward(randn([4, 8]));
 * ```
 */
export class Softplus extends Module {
  /** The sharpness β. */
  readonly beta: number;
  /** The value of βx above which the result is x. */
  readonly threshold: number;
  /** A softplus with `beta` (default 1) and `threshold` (default 20). */
  constructor(options: SoftplusOptions = {}) {
    super();
    checkOptions("Softplus", options, OPTION_SPECS.softplus);
    this.beta = options.beta ?? 1;
    this.threshold = options.threshold ?? 20;
  }
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return softplus(input, { beta: this.beta, threshold: this.threshold });
  }
}

/**
 * Returns its input unchanged, as `nn.Identity` (a placeholder where a model may or may not have a layer).
 *
 * @example
 * ```ts
 * import { Identity } from "@gradstep/gradstep/nn";
 * import { tensor } from "@gradstep/gradstep";
 * const x = tensor([1, 2]);
 * console.log(new Identity().forward(x) === x); // true
 * ```
 */
export class Identity extends Module {
  /** Returns `input` itself. */
  forward(input: Tensor): Tensor {
    return input;
  }
}

/** Options of {@link Softmax} and {@link LogSoftmax}. */
export interface SoftmaxOptions {
  /**
   * The dimension that sums to one. Without it, PyTorch's legacy choice: 0 for inputs of 0, 1 or 3 dimensions,
   * else 1.
   */
  dim?: number;
}

/** The dimension PyTorch's softmax modules use when none is given (`_get_softmax_dim`). */
function softmaxDim(dim: number | undefined, input: Tensor): number {
  return dim ?? (input.ndim === 0 || input.ndim === 1 || input.ndim === 3 ? 0 : 1);
}

/**
 * Softmax along `dim`, as `nn.Softmax`.
 *
 * @example
 * ```ts
 * import { Softmax } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const p = new Softmax({ dim: -1 }).forward(randn([2, 5])); // rows sum to 1
 * ```
 */
export class Softmax extends Module {
  /** The dimension that sums to one (undefined: PyTorch's legacy choice by rank). */
  readonly dim: number | undefined;
  /** A softmax along `dim`. */
  constructor(options: SoftmaxOptions = {}) {
    super();
    checkOptions("Softmax", options, { dim: integer(-Infinity) });
    this.dim = options.dim;
  }
  /** Applies the softmax. */
  forward(input: Tensor): Tensor {
    return input.softmax(softmaxDim(this.dim, input));
  }
}

/**
 * Log-softmax along `dim`, as `nn.LogSoftmax`.
 *
 * @example
 * ```ts
 * import { LogSoftmax } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const logp = new LogSoftmax({ dim: 1 }).forward(randn([2, 5]));
 * ```
 */
export class LogSoftmax extends Module {
  /** The dimension normalised over (undefined: PyTorch's legacy choice by rank). */
  readonly dim: number | undefined;
  /** A log-softmax along `dim`. */
  constructor(options: SoftmaxOptions = {}) {
    super();
    checkOptions("LogSoftmax", options, { dim: integer(-Infinity) });
    this.dim = options.dim;
  }
  /** Applies the log-softmax. */
  forward(input: Tensor): Tensor {
    return input.logSoftmax(softmaxDim(this.dim, input));
  }
}
