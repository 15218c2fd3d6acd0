/**
 * Stochastic Weight Averaging and EMA utilities, as `torch.optim.swa_utils`: AveragedModel, SWALR, updateBn and
 * the averaging rules.
 *
 * @example
 * ```ts
 * import { AveragedModel, getEmaMultiAvgFn } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(4, 2);
 * const ema = new AveragedModel(model, { multiAvgFn: getEmaMultiAvgFn(0.99) });
 * ema.updateParameters(model);
 * ```
 *
 * @module
 */
export { AveragedModel, type AveragedModelOptions, type AvgFn } from "./averaged_model.ts";
export { getEmaMultiAvgFn, getSwaMultiAvgFn, type MultiAvgFn } from "./averaging.ts";
export { SWALR, type SWALROptions } from "./swalr.ts";
export { type Batch, updateBn } from "./update_bn.ts";
