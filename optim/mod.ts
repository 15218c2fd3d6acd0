/**
 * Optimizers, as `torch.optim`.
 *
 * @module
 */
export { BaseOptimizer, type RemovableHandle, type StepHook } from "./base_optimizer.ts";
export { Optimizer } from "./optimizer.ts";
export type {
  GroupValues,
  OptimizerStateDict,
  ParamGroup,
  ParamGroupInput,
  Params,
  State,
  StateDictValue,
} from "./state_dict.ts";
export {
  ElementwiseOptimizer,
  type StepContext,
  type Structure,
  type UpdateResult,
  type UpdateTerms,
} from "./elementwise_optimizer.ts";
export { SGD, type SGDOptions, type SGDScalar, type SGDStructure } from "./sgd.ts";
export type { GradientOptions, L2Structure } from "./gradient.ts";
export {
  Adam,
  type AdamFactor,
  type AdamOptions,
  type AdamScalar,
  type AdamStateName,
  type AdamStructure,
} from "./adam.ts";
export { AdamW, type AdamWOptions } from "./adamw.ts";
export { Adagrad, type AdagradOptions, type AdagradScalar } from "./adagrad.ts";
export { Adadelta, type AdadeltaOptions, type AdadeltaScalar, type AdadeltaStateName } from "./adadelta.ts";
export { Adamax, type AdamaxOptions, type AdamaxScalar, type AdamaxStateName } from "./adamax.ts";
export { NAdam, type NAdamOptions } from "./nadam.ts";
export { RAdam, type RAdamOptions } from "./radam.ts";
export {
  RMSprop,
  type RMSpropOptions,
  type RMSpropScalar,
  type RMSpropStateName,
  type RMSpropStructure,
} from "./rmsprop.ts";
export {
  Rprop,
  type RpropOptions,
  type RpropScalar,
  type RpropStateName,
  type RpropStructure,
} from "./rprop.ts";
export { ASGD, type ASGDOptions } from "./asgd.ts";
export { LBFGS, type LBFGSMemory, type LBFGSOptions, type LBFGSState } from "./lbfgs.ts";
export {
  cubicInterpolate,
  type LineEvaluation,
  strongWolfe,
  type StrongWolfeOptions,
} from "./strong_wolfe.ts";
export { Adafactor, type AdafactorOptions } from "./adafactor.ts";
export { Muon, type MuonAdjustLr, type MuonOptions } from "./muon.ts";
export { Lion, type LionOptions, type LionScalar, type LionStructure } from "./lion.ts";
export { LAMB, type LAMBOptions } from "./lamb.ts";
export {
  ScheduleFreeAdamW,
  type ScheduleFreeAdamWGroup,
  type ScheduleFreeAdamWOptions,
} from "./schedule_free_adamw.ts";
export * from "./lr_scheduler/mod.ts";
