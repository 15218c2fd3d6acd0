/**
 * Dropout, as `torch.nn.Dropout` and `torch.nn.functional.dropout`: in training each element is zeroed with
 * probability p and the survivors scaled by 1 / (1 − p) (inverted dropout), so evaluation is the identity. Masks
 * come from gradstep's generator (seeded by `manualSeed`), so they are reproducible, though not PyTorch's.
 *
 * @module
 */
import { anything, boolean, checkOptions, instanceOf, shown } from "../tensor/validation.ts";
import { noGrad } from "../autograd/node.ts";
import { rand } from "../tensor/creation.ts";
import { where } from "../tensor/elementwise.ts";
import { Generator } from "../tensor/random.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkTensors } from "./functional_checks.ts";
import { Module } from "./module.ts";

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** The probability that an element is zeroed, in [0, 1] (default 0.5). */
  p?: number;
  /** Whether to drop at all (default true); false returns the input itself. */
  training?: boolean;
  /** The random stream of the mask (default: the global one seeded by `manualSeed`). */
  generator?: Generator;
}

function checkProbability(p: number): void {
  if (typeof p !== "number") throw new TypeError(`Invalid p: expected a number, got ${shown(p)}`);
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  }
}

/**
 * `input` with each element zeroed with probability `p` and the rest scaled by 1 / (1 − p) when training, as
 * `torch.nn.functional.dropout`; the input itself otherwise (or when p is 0).
 *
 * @example
 * ```ts
 * import { dropout } from "@gradstep/gradstep/nn";
 * import { manualSeed, ones } from "@gradstep/gradstep";
 * manualSeed(0);
 * const y = dropout(ones([8]), { p: 0.25 }); // each element 0 or 4/3
 * ```
 */
export function dropout(input: Tensor, options: DropoutOptions = {}): Tensor {
  checkTensors("dropout", { input });
  checkOptions("dropout", options, { p: anything, training: boolean, generator: instanceOf(Generator) });
  const { p = 0.5, training = true, generator } = options;
  checkProbability(p);
  if (!training || p === 0 || input.numel === 0) return input;
  if (p === 1) return input.mul(0);
  const mask = noGrad(() => {
    const kept = rand(input.shape, { dtype: input.dtype, device: input.device, generator }).lt(1 - p);
    return where(kept, 1 / (1 - p), 0).to(input.dtype);
  });
  return input.mul(mask);
}

/**
 * Zeroes each element with probability `p` in training mode, scaling the rest by 1 / (1 − p); the identity in
 * evaluation mode, as `nn.Dropout`.
 *
 * @example
 * ```ts
 * import { Dropout, Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const model = new Sequential(new Linear(784, 128), new ReLU(), new Dropout(0.2), new Linear(128, 10));
 * const train = model.forward(randn([64, 784])); // dropout active
 * model.eval();
 * const test = model.forward(randn([64, 784])); // dropout is the identity
 * ```
 */
export class Dropout extends Module {
  /** A layer that drops with probability `p` (default 0.5), from `generator` when given. */
  constructor(readonly p = 0.5, readonly options: { generator?: Generator } = {}) {
    super();
    checkProbability(p);
    checkOptions("Dropout", options, { generator: instanceOf(Generator) });
  }
  /** Applies dropout in training mode; returns `input` itself in evaluation mode. */
  forward(input: Tensor): Tensor {
    return dropout(input, { p: this.p, training: this.training, generator: this.options.generator });
  }
}
