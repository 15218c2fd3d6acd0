/**
 * Autograd: grad mode switches. Gradients themselves come from `Tensor.backward()`.
 *
 * @module
 */
export { enableGrad, isGradEnabled, noGrad } from "./node.ts";
