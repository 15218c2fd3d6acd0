/**
 * Autograd: grad mode switches, and the tape's types. Gradients themselves come from `Tensor.backward()`.
 *
 * @module
 */
export { enableGrad, isGradEnabled, type Node, noGrad, type OpName } from "./node.ts";
export type { BinaryArgs, FusedArgs, NoArgs, OpArgs, Rule, WhereArgs } from "./rules.ts";
export { type FusedBackward, type FusedContext, type FusedForward, fusedOp } from "./function.ts";
