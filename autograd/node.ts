/**
 * The tape: each differentiable op's result points at a {@link Node} naming the op (a key of the rule table),
 * its inputs and whatever else its rule needs. Grad mode decides whether ops record.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import type { OpArgs } from "./rules.ts";

/** The name of a differentiable primitive: a key of the rule table. */
export type OpName = keyof OpArgs;

/** One recorded op: its rule's name, its tensor inputs, its output and its non-tensor arguments. */
export interface Node<K extends OpName = OpName> {
  /** The primitive: the key of its rule. */
  readonly op: K;
  /** The tensors it read (emptied once backward frees the node). */
  inputs: readonly Tensor[];
  /** The tensor it produced (null once freed). */
  output: Tensor | null;
  /** Its non-tensor arguments. */
  args: OpArgs[K];
  /** Set once backward has freed what the node saved (unless `retainGraph`). */
  released: boolean;
}

let gradEnabled = true;

/**
 * Whether ops currently record gradients (false inside {@link noGrad}).
 *
 * @example
 * ```ts
 * import { isGradEnabled, noGrad } from "@gradstep/gradstep";
 * noGrad(() => console.log(isGradEnabled())); // false
 * ```
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

function withGradMode<T>(mode: boolean, fn: () => T, name: string): T {
  const previous = gradEnabled;
  gradEnabled = mode;
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new Error(
        `${name}() needs a synchronous function; it got one that returned a Promise. ` +
          `Call ${name}() around the synchronous part (e.g. the forward pass) instead`,
      );
    }
    return result;
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Runs `fn` without recording operations for autograd, as PyTorch's `torch.no_grad()`; returns its result.
 *
 * @example
 * ```ts
 * import { noGrad, tensor } from "@gradstep/gradstep";
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2));
 * console.log(y.requiresGrad); // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn, "noGrad");
}

/**
 * Runs `fn` with recording switched on, even inside {@link noGrad}; returns its result.
 *
 * @example
 * ```ts
 * import { enableGrad, noGrad, tensor } from "@gradstep/gradstep";
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => enableGrad(() => w.mul(2)));
 * console.log(y.requiresGrad); // true
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn, "enableGrad");
}

/**
 * Records `output` as the result of `op` on `inputs` when grad mode is on and any input requires a gradient.
 * Returns `output`.
 */
export function record<K extends OpName>(
  output: Tensor,
  op: K,
  inputs: readonly Tensor[],
  args: OpArgs[K],
): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    output.attachGradFn({ op, inputs, output, args, released: false } as Node);
  }
  return output;
}
