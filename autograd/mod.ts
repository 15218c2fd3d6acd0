/**
 * Autograd: grad mode switches, and the tape's types. Gradients themselves come from `Tensor.backward()`.
 *
 * @module
 */
export { enableGrad, isGradEnabled, type Node, noGrad, type OpName } from "./node.ts";
export type { BinaryArgs, NoArgs, OpArgs, Rule, WhereArgs } from "./rules.ts";
