/**
 * AveragedModel: a running average of a model's weights (SWA or EMA), as `torch.optim.swa_utils.AveragedModel`.
 *
 * @module
 */
import { noGrad } from "../../autograd/node.ts";
import { getDefaultDevice } from "../../backends/device.ts";
import { Module } from "../../nn/module.ts";
import { zeros } from "../../tensor/creation.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { boolean, checkOptions, func, instanceOf } from "../../tensor/validation.ts";
import { getSwaMultiAvgFn, type MultiAvgFn, TAKE_FIRST } from "./averaging.ts";
import { copyModule } from "./copy_module.ts";

/** An averaging rule for one tensor: the new average from the old, the model's value and the count so far. */
export type AvgFn = (averaged: Tensor, current: Tensor, numAveraged: Tensor) => Tensor;

/** AveragedModel's options (PyTorch's defaults: equal-weight averaging of the parameters only). */
export interface AveragedModelOptions {
  /** A per-tensor rule (returning the new average); `multiAvgFn` wins when both are given. */
  avgFn?: AvgFn;
  /** An in-place rule over all tensors at once, e.g. {@link getEmaMultiAvgFn} (default: SWA's running mean). */
  multiAvgFn?: MultiAvgFn;
  /** Average the buffers (e.g. BatchNorm's running statistics) too; otherwise they are copied (default false). */
  useBuffers?: boolean;
}

/**
 * Keeps a copy of `model` (`module`) whose parameters — and with `useBuffers` its buffers — are a running average
 * of the model's, updated by `updateParameters(model)`: Stochastic Weight Averaging by default (Izmailov et al.,
 * "Averaging Weights Leads to Wider Optima and Better Generalization"), an exponential moving average with
 * `multiAvgFn: getEmaMultiAvgFn(decay)`, or any rule. The first update copies the model's values; without
 * `useBuffers` every update copies the model's buffers, as PyTorch 2 does. The count of averaged models is the
 * int32 buffer `n_averaged` (`nAveraged`), on the device, so nothing is read back. `avgFn` and `multiAvgFn` are
 * called with that count as a 0-d tensor.
 *
 * The copy is made from the public Module API: fields, registered buffers, and Sequential's children. A module that
 * keeps tensors or submodules elsewhere cannot be copied, and is reported; buffers declared without a tensor are
 * not copied.
 *
 * @example
 * ```ts
 * import { AveragedModel, CosineAnnealingLR, SWALR, updateBn } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
 * import { SGD } from "@gradstep/gradstep";
 * const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
 * const optimizer = new SGD(model.parameters(), { lr: 0.1 });
 * const swaModel = new AveragedModel(model);
 * const scheduler = new CosineAnnealingLR(optimizer, { tMax: 100 });
 * const swaScheduler = new SWALR(optimizer, { swaLr: 0.05 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   optimizer.step(); // an epoch of training
 *   if (epoch > 75) {
 *     swaModel.updateParameters(model);
 *     swaScheduler.step();
 *   } else {
 *     scheduler.step();
 *   }
 * }
 * await updateBn([], swaModel); // with the training batches: BatchNorm statistics for the averaged weights
 * ```
 */
export class AveragedModel<M extends Module = Module> extends Module {
  /** The averaged copy of the model. */
  readonly module: M;
  /** The per-tensor rule, if given. */
  readonly avgFn: AvgFn | undefined;
  /** The in-place rule (SWA's running mean unless given). */
  readonly multiAvgFn: MultiAvgFn;
  /** Whether buffers are averaged too. */
  readonly useBuffers: boolean;

  /** An average of `model`, starting from a copy of it. */
  constructor(model: M, options: AveragedModelOptions = {}) {
    super();
    instanceOf(Module)("model", model);
    checkOptions("AveragedModel", options, { avgFn: func, multiAvgFn: func, useBuffers: boolean });
    this.module = copyModule(model);
    this.avgFn = options.multiAvgFn === undefined ? options.avgFn : undefined;
    this.multiAvgFn = options.multiAvgFn ?? getSwaMultiAvgFn();
    this.useBuffers = options.useBuffers ?? false;
    const device = model.parameters()[0]?.device ?? getDefaultDevice();
    this.registerBuffer("n_averaged", zeros([], { dtype: "int32", device }));
  }

  /** How many models have been averaged: a 0-d int32 tensor (buffer `n_averaged`). */
  get nAveraged(): Tensor {
    return this.getBuffer("n_averaged")!;
  }

  /**
   * Runs the averaged copy.
   *
   * @example
   * ```ts
   * import { AveragedModel } from "@gradstep/gradstep/optim/lr_scheduler";
   * import { Linear } from "@gradstep/gradstep/nn";
   * import { noGrad, randn } from "@gradstep/gradstep";
   * const model = new Linear(4, 2);
   * const swaModel = new AveragedModel(model);
   * swaModel.updateParameters(model);
   * const y = noGrad(() => swaModel.forward(randn([3, 4]))); // the averaged weights' output
   * ```
   */
  forward(...inputs: Tensor[]): Tensor {
    return this.module.forward(...inputs);
  }

  /**
   * Folds `model`'s current parameters (and buffers, with `useBuffers`) into the average; copies its buffers
   * otherwise. Throws when a tensor of `model` is on another device than its average.
   */
  updateParameters(model: Module): void {
    const tensors = (m: Module): [string, Tensor][] =>
      this.useBuffers ? [...m.namedParameters(), ...m.namedBuffers()] : m.namedParameters();
    const pairs = zip(tensors(this.module), tensors(model));
    const n = this.nAveraged;
    noGrad(() => {
      const averaged = pairs.map(([a]) => a);
      const current = pairs.map(([, m]) => m);
      if (this.avgFn !== undefined) {
        pairs.forEach(([a, m]) => a.copy_(m.where(n.eq(0), this.avgFn!(a, m, n))));
      } else {
        this.multiAvgFn(averaged, current, n);
        if (!TAKE_FIRST.has(this.multiAvgFn)) pairs.forEach(([a, m]) => a.copy_(m.where(n.eq(0), a)));
      }
      if (!this.useBuffers) {
        for (const [a, m] of zip(this.module.namedBuffers(), model.namedBuffers())) a.copy_(m);
      }
      n.add_(1);
    });
  }
}

/** Pairs the averaged copy's tensors with the model's by position; throws for tensors on different devices. */
function zip(averaged: [string, Tensor][], current: [string, Tensor][]): [Tensor, Tensor][] {
  return averaged.slice(0, current.length).map(([name, a], i) => {
    const m = current[i][1];
    if (a.device !== m.device) {
      throw new Error(
        `AveragedModel.updateParameters: ${name} of the model is on ${m.device}, its average on ${a.device}; ` +
          "move one of them with await module.to(device)",
      );
    }
    return [a, m];
  });
}
