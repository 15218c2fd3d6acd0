/**
 * Optimizers, as `torch.optim`.
 *
 * @module
 */
export {
  BaseOptimizer,
  type GroupValues,
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  type RemovableHandle,
  type State,
  type StateDictValue,
  type StepHook,
} from "./optimizer.ts";
export { SGD, type SGDOptions } from "./sgd.ts";
export { Adam, type AdamOptions } from "./adam.ts";
export { Adafactor, type AdafactorOptions } from "./adafactor.ts";
export { Muon, type MuonAdjustLr, type MuonOptions } from "./muon.ts";
export { Lion, type LionOptions } from "./lion.ts";
export { LAMB, type LAMBOptions } from "./lamb.ts";
export {
  ScheduleFreeAdamW,
  type ScheduleFreeAdamWGroup,
  type ScheduleFreeAdamWOptions,
} from "./schedule_free_adamw.ts";
export * from "./lr_scheduler/mod.ts";
