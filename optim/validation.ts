/**
 * The optimizers' validation helpers: PyTorch's errors for invalid hyperparameters.
 *
 * @module
 */

import { check } from "../tensor/validation.ts";

export { check };

/**
 * Throws PyTorch's "Invalid `what`: value" (naming `name` in what was expected) unless `value >= 0`; NaN fails, as in
 * PyTorch.
 */
export function checkNonNegative(value: number, what: string, name: string): void {
  check(value >= 0, `Invalid ${what}: ${value} (expected ${name} >= 0)`);
}

/** Throws PyTorch's errors unless `betas` are two numbers in [0, 1), as Adam and its relatives require. */
export function checkBetas(betas: readonly number[]): void {
  check(Array.isArray(betas) && betas.length === 2, `Invalid betas: ${betas} (expected two numbers)`);
  betas.forEach((beta, i) =>
    check(beta >= 0 && beta < 1, `Invalid beta parameter at index ${i}: ${beta} (expected 0 <= beta < 1)`)
  );
}
