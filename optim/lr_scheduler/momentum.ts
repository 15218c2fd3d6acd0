/**
 * Momentum cycling for CyclicLR and OneCycleLR: SGD-style `momentum`, or the first of Adam-style `betas`.
 *
 * @module
 */
import type { ScheduledGroup } from "./lr_scheduler.ts";
import type { AnyOptimizer } from "./step_order.ts";

/**
 * Whether `optimizer` cycles beta1 (it has betas) rather than momentum; throws PyTorch's error when it has
 * neither.
 */
export function usesBeta1(optimizer: AnyOptimizer): boolean {
  const defaults: object = optimizer.defaults;
  if (!("momentum" in defaults) && !("betas" in defaults)) {
    throw new RangeError(
      `optimizer must support momentum with \`cycleMomentum\` option enabled: ${optimizer.constructor.name} has ` +
        "neither momentum nor betas (pass cycleMomentum: false)",
    );
  }
  return "betas" in defaults;
}

/** Sets the group's momentum, or its beta1 (a new betas array, as PyTorch makes a new tuple). */
export function setMomentum(group: ScheduledGroup, useBeta1: boolean, value: number): void {
  if (useBeta1) group.betas = [value, ...group.betas!.slice(1)];
  else group.momentum = value;
}
