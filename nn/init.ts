/**
 * Parameter initialisation, as `torch.nn.init`: each function fills a tensor in place without recording and
 * returns it. Random fills draw from the default generator (seeded by `manualSeed`) unless one is given.
 *
 * @module
 */
import { noGrad } from "../autograd/node.ts";
import { tensor } from "../tensor/creation.ts";
import { defaultGenerator, Generator } from "../tensor/random.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { check, checkOptions, finite, instanceOf, number, oneOf, shown } from "../tensor/validation.ts";
import { checkTensors } from "./functional_checks.ts";

/** How fan is counted for {@link kaimingUniform_}. */
export type FanMode = "fanIn" | "fanOut";

function fill(t: Tensor, values: Float64Array): Tensor {
  return noGrad(() => t.copy_(tensor(values, { shape: t.shape, dtype: t.dtype, device: t.device })));
}

/**
 * The fan-in and fan-out of a weight of at least 2 dimensions ([out, in, …receptive field]).
 *
 * @example
 * ```ts
 * import { calculateFanInAndFanOut } from "@gradstep/gradstep/nn";
 * import { zeros } from "@gradstep/gradstep";
 * calculateFanInAndFanOut(zeros([128, 784])); // { fanIn: 784, fanOut: 128 }
 * ```
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  checkTensors("calculateFanInAndFanOut", { tensor: t });
  if (t.ndim < 2) {
    throw new Error(
      `Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, got shape [${t.shape}]`,
    );
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

/**
 * Fills `t` with values uniform in [a, b).
 *
 * @example
 * ```ts
 * import { uniform_ } from "@gradstep/gradstep/nn";
 * import { zeros } from "@gradstep/gradstep";
 * const w = uniform_(zeros([3, 3]), -0.1, 0.1);
 * ```
 */
export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  checkTensors("uniform_", { tensor: t });
  finite("a", a);
  finite("b", b);
  check(a <= b, `uniform_ expects to return a [from, to) range, but found from=${a} > to=${b}`);
  instanceOf(Generator)("generator", generator);
  const u = generator.uniform(t.numel);
  for (let i = 0; i < u.length; i++) u[i] = a + (b - a) * u[i];
  return fill(t, u);
}

/**
 * Fills `t` with normal values of the given mean and standard deviation.
 *
 * @example
 * ```ts
 * import { normal_ } from "@gradstep/gradstep/nn";
 * import { zeros } from "@gradstep/gradstep";
 * const w = normal_(zeros([3, 3]), 0, 0.02);
 * ```
 */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  checkTensors("normal_", { tensor: t });
  finite("mean", mean);
  finite("std", std);
  check(std >= 0, `normal expects std >= 0.0, but found std ${std}`);
  instanceOf(Generator)("generator", generator);
  const z = generator.normal(t.numel);
  for (let i = 0; i < z.length; i++) z[i] = mean + std * z[i];
  return fill(t, z);
}

/**
 * Fills `t` with `value`.
 *
 * @example
 * ```ts
 * import { constant_ } from "@gradstep/gradstep/nn";
 * import { zeros } from "@gradstep/gradstep";
 * const b = constant_(zeros([10]), 0.1);
 * ```
 */
export function constant_(t: Tensor, value: number): Tensor {
  checkTensors("constant_", { tensor: t });
  number("value", value);
  return noGrad(() => t.fill_(value));
}

const GAINS: readonly string[] = ["linear", "sigmoid", "tanh", "relu", "leaky_relu"];

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`.
 *
 * @example
 * ```ts
 * import { calculateGain } from "@gradstep/gradstep/nn";
 * calculateGain("relu"); // √2
 * ```
 */
export function calculateGain(
  nonlinearity: "linear" | "sigmoid" | "tanh" | "relu" | "leaky_relu",
  param?: number,
): number {
  if (param !== undefined && typeof param !== "number") {
    throw new TypeError(`negative_slope ${shown(param)} not a valid number`);
  }
  if (!GAINS.includes(nonlinearity)) {
    throw new RangeError(
      `Unsupported nonlinearity ${typeof nonlinearity === "string" ? nonlinearity : shown(nonlinearity)}`,
    );
  }
  switch (nonlinearity) {
    case "linear":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
  }
}

/**
 * Kaiming (He) uniform initialisation: U(-bound, bound) with bound = gain·√(3 / fan), gain from the leaky-ReLU
 * slope `a` — PyTorch's default for Linear weights uses `a = √5`.
 *
 * @example
 * ```ts
 * import { kaimingUniform_ } from "@gradstep/gradstep/nn";
 * import { zeros } from "@gradstep/gradstep";
 * const w = kaimingUniform_(zeros([128, 784]), { a: Math.sqrt(5) });
 * ```
 */
export function kaimingUniform_(
  t: Tensor,
  options: { a?: number; mode?: FanMode; nonlinearity?: "relu" | "leaky_relu"; generator?: Generator } = {},
): Tensor {
  checkTensors("kaimingUniform_", { tensor: t });
  checkOptions("kaimingUniform_", options, {
    a: number,
    mode: oneOf(["fanIn", "fanOut"]),
    nonlinearity: oneOf(["relu", "leaky_relu"]),
    generator: instanceOf(Generator),
  });
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = (options.mode ?? "fanIn") === "fanIn" ? fanIn : fanOut;
  const gain = calculateGain(options.nonlinearity ?? "leaky_relu", options.a ?? 0);
  const bound = fan === 0 ? 0 : gain * Math.sqrt(3 / fan);
  return uniform_(t, -bound, bound, options.generator);
}

/**
 * Xavier (Glorot) uniform initialisation: U(-a, a) with a = gain·√(6 / (fanIn + fanOut)).
 *
 * @example
 * ```ts
 * import { xavierUniform_ } from "@gradstep/gradstep/nn";
 * import { zeros } from "@gradstep/gradstep";
 * const w = xavierUniform_(zeros([64, 64]));
 * ```
 */
export function xavierUniform_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  checkTensors("xavierUniform_", { tensor: t });
  finite("gain", gain);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, generator);
}
