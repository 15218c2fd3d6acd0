/**
 * PyTorch's check that `scheduler.step()` follows `optimizer.step()`: schedulers count an optimizer's steps
 * through its step post-hook, and warn once per optimizer when a scheduler's first `step()` after its construction
 * comes before any optimizer step. A step that was deliberately skipped (a GradScaler finding inf or NaN
 * gradients) counts as a step once reported with {@link markOptimizerStepSkipped}.
 *
 * @module
 */
import type { BaseOptimizer } from "../base_optimizer.ts";

/** Any optimizer: schedulers read and write its param groups' lr (and momentum or betas). */
export type AnyOptimizer = BaseOptimizer<{ lr: number }>;

const steps = new WeakMap<AnyOptimizer, number>();
const watched = new WeakSet<AnyOptimizer>();
const warned = new WeakSet<AnyOptimizer>();

/** Starts counting `optimizer`'s steps (once per optimizer), with a step post-hook. */
export function watchSteps(optimizer: AnyOptimizer): void {
  if (watched.has(optimizer)) return;
  watched.add(optimizer);
  optimizer.registerStepPostHook(() => steps.set(optimizer, optimizerSteps(optimizer) + 1));
}

/** The steps `optimizer` took (or reported skipped) since a scheduler started watching it. */
export function optimizerSteps(optimizer: AnyOptimizer): number {
  return steps.get(optimizer) ?? 0;
}

/**
 * Tells the schedulers of `optimizer` that its step was deliberately skipped, so that a `scheduler.step()` that
 * follows does not warn that it came before `optimizer.step()`. `GradScaler.step(optimizer)` calls this when it
 * skips `optimizer.step()` because a gradient is inf or NaN (PyTorch warns wrongly there); call it likewise when
 * your own loop skips a step on purpose.
 *
 * @example
 * ```ts
 * import { markOptimizerStepSkipped, SGD, StepLR, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new StepLR(optimizer, { stepSize: 10 });
 * const gradientsAreFinite = false; // e.g. what a loss scaler found
 * if (gradientsAreFinite) optimizer.step();
 * else markOptimizerStepSkipped(optimizer);
 * scheduler.step(); // no warning: the optimizer's step was skipped on purpose
 * ```
 */
export function markOptimizerStepSkipped(optimizer: AnyOptimizer): void {
  steps.set(optimizer, optimizerSteps(optimizer) + 1);
}

/** PyTorch's warning that `scheduler.step()` came before `optimizer.step()`, once per optimizer. */
export function warnStepOrder(optimizer: AnyOptimizer): void {
  if (warned.has(optimizer)) return;
  warned.add(optimizer);
  console.warn(
    "Detected call of `scheduler.step()` before `optimizer.step()`: call `optimizer.step()` first, as PyTorch " +
      "1.1.0 and later expect. Failure to do this will skip the first value of the learning rate schedule. If " +
      "the optimizer step was skipped on purpose (e.g. a loss scaler found inf or NaN gradients), report it " +
      "with markOptimizerStepSkipped(optimizer).",
  );
}
