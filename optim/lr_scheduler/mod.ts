/**
 * Learning-rate schedulers, as `torch.optim.lr_scheduler` (and `torch.optim.swa_utils`), with PyTorch's sequences,
 * state dicts and errors; plus warmup-cosine and warmup-stable-decay schedulers and optax-style schedule functions.
 *
 * @example
 * ```ts
 * import { StepLR } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { SGD, zeros } from "@gradstep/gradstep";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const scheduler = new StepLR(optimizer, { stepSize: 7, gamma: 0.1 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   optimizer.step(); // after an epoch of training
 *   scheduler.step();
 * }
 * console.log(scheduler.getLastLr()); // [0.01] (to rounding)
 * ```
 *
 * @module
 */
export { type ChainableScheduler, LRScheduler, type ScheduledGroup, type Scheduler } from "./lr_scheduler.ts";
export type { SchedulerStateDict, StateValue } from "./state.ts";
export { type AnyOptimizer, markOptimizerStepSkipped } from "./step_order.ts";
export { LambdaLR, type LambdaLROptions, type LrLambda } from "./lambda_lr.ts";
export { MultiplicativeLR } from "./multiplicative_lr.ts";
export { StepLR, type StepLROptions } from "./step_lr.ts";
export { MultiStepLR, type MultiStepLROptions } from "./multistep_lr.ts";
export { ConstantLR, type ConstantLROptions } from "./constant_lr.ts";
export { LinearLR, type LinearLROptions } from "./linear_lr.ts";
export { ExponentialLR, type ExponentialLROptions } from "./exponential_lr.ts";
export { PolynomialLR, type PolynomialLROptions } from "./polynomial_lr.ts";
export { CosineAnnealingLR, type CosineAnnealingLROptions } from "./cosine_annealing_lr.ts";
export { ChainedScheduler } from "./chained_scheduler.ts";
export { SequentialLR, type SequentialLROptions } from "./sequential_lr.ts";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./reduce_lr_on_plateau.ts";
export { CyclicLR, type CyclicLROptions, type CyclicMode } from "./cyclic_lr.ts";
export {
  type LrField,
  type MomentumField,
  OneCycleLR,
  type OneCycleLROptions,
  type OneCycleLRPhase,
} from "./one_cycle_lr.ts";
export {
  CosineAnnealingWarmRestarts,
  type CosineAnnealingWarmRestartsOptions,
} from "./cosine_annealing_warm_restarts.ts";
export { WarmupCosineLR, type WarmupCosineLROptions } from "./warmup_cosine_lr.ts";
export { WarmupStableDecayLR, type WarmupStableDecayLROptions } from "./warmup_stable_decay_lr.ts";
export * as schedules from "./schedules.ts";
export type {
  ExponentialOptions,
  Schedule,
  Transition,
  WarmupCosineOptions,
  WarmupStableDecayOptions,
} from "./schedules.ts";
export * from "../swa_utils/mod.ts";
