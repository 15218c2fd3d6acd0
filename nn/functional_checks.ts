/**
 * The run-time checks the functional forms in `nn/` share with their layers: that the tensor arguments are
 * Tensors (PyTorch's "argument 'input' must be Tensor, not str"), and each option record's names and types. A
 * layer and its functional form check the same record, so the two refuse the same values with the same words.
 *
 * @module
 */
import { Generator } from "../tensor/random.ts";
import { Tensor } from "../tensor/tensor.ts";
import {
  anything,
  boolean,
  type Check,
  describe,
  instanceOf,
  integer,
  nullable,
  number,
  string,
} from "../tensor/validation.ts";

/**
 * Throws a TypeError in PyTorch's words unless every entry of `args` is a Tensor; the entries named in
 * `optional` may also be null.
 *
 * @example
 * ```ts
 * import { checkTensors } from "./functional_checks.ts";
 * import { zeros } from "../tensor/creation.ts";
 * checkTensors("linear", { input: zeros([2, 3]), weight: zeros([4, 3]), bias: null }, ["bias"]); // passes
 * ```
 */
export function checkTensors(
  owner: string,
  args: Readonly<Record<string, unknown>>,
  optional: readonly string[] = [],
): void {
  for (const [name, value] of Object.entries(args)) {
    if (value instanceof Tensor || (value === null && optional.includes(name))) continue;
    const expected = optional.includes(name) ? "Tensor or None" : "Tensor";
    throw new TypeError(`${owner}(): argument '${name}' must be ${expected}, not ${describe(value)}`);
  }
}

/** A Tensor or null. */
const tensorOrNull: Check = nullable(instanceOf(Tensor));

/**
 * The option records' specs, for `checkOptions`: each names every option of a functional form (and of its layer)
 * with its type's check. Reductions are listed as `anything` because `checkReduction` words their error.
 *
 * @example
 * ```ts
 * import { OPTION_SPECS } from "./functional_checks.ts";
 * import { checkOptions } from "../tensor/validation.ts";
 * checkOptions("mseLoss", { reduction: "sum" }, OPTION_SPECS.reduction); // passes
 * ```
 */
export const OPTION_SPECS = {
  reduction: { reduction: anything },
  nll: { weight: tensorOrNull, ignoreIndex: integer(-Infinity), reduction: anything },
  crossEntropy: {
    weight: tensorOrNull,
    ignoreIndex: integer(-Infinity),
    reduction: anything,
    labelSmoothing: number,
  },
  bce: { weight: tensorOrNull, reduction: anything },
  bceWithLogits: { weight: tensorOrNull, reduction: anything, posWeight: tensorOrNull },
  smoothL1: { reduction: anything, beta: number },
  huber: { reduction: anything, delta: number },
  klDiv: { reduction: anything, logTarget: boolean },
  gelu: { approximate: string },
  leakyRelu: { negativeSlope: number },
  elu: { alpha: number },
  softplus: { beta: number, threshold: number },
  embedding: {
    paddingIdx: nullable(integer(-Infinity)),
    maxNorm: nullable(number),
    normType: number,
    scaleGradByFreq: boolean,
  },
  layerNorm: { weight: tensorOrNull, bias: tensorOrNull, eps: number },
  rmsNorm: { weight: tensorOrNull, eps: nullable(number) },
  batchNorm: { weight: tensorOrNull, bias: tensorOrNull, training: boolean, momentum: number, eps: number },
  attention: {
    attnMask: tensorOrNull,
    dropoutP: number,
    isCausal: boolean,
    scale: nullable(number),
    generator: instanceOf(Generator),
  },
  multiheadAttentionForward: {
    keyPaddingMask: tensorOrNull,
    needWeights: boolean,
    attnMask: tensorOrNull,
    averageAttnWeights: boolean,
    isCausal: boolean,
  },
  encoderLayerForward: { srcMask: tensorOrNull, srcKeyPaddingMask: tensorOrNull, isCausal: boolean },
  encoderForward: { mask: tensorOrNull, srcKeyPaddingMask: tensorOrNull, isCausal: boolean },
} as const satisfies Record<string, Readonly<Record<string, Check>>>;
