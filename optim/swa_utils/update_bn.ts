/**
 * updateBn: recompute BatchNorm running statistics with a pass over data, as `torch.optim.swa_utils.update_bn`.
 *
 * @module
 */
import { noGrad } from "../../autograd/node.ts";
import type { Device } from "../../backends/device.ts";
import { BatchNorm } from "../../nn/batchnorm.ts";
import type { Module } from "../../nn/module.ts";
import { Tensor } from "../../tensor/tensor.ts";

/** A batch of a loader: an input tensor, or an array whose first element is the input (e.g. `[images, labels]`). */
export type Batch = Tensor | readonly Tensor[];

/**
 * Resets the running statistics of every BatchNorm layer of `model` and re-estimates them as the equal-weight
 * average over one pass of `loader` in training mode (momentum null for the pass), without recording gradients;
 * then restores each layer's momentum and the model's mode. The statistics an averaged model needs, since
 * averaging weights invalidates them. Each batch is a tensor or an array whose first element is the model's input;
 * with `device`, inputs are moved there first. Does nothing when the model has no BatchNorm layer.
 *
 * @example
 * ```ts
 * import { updateBn } from "@gradstep/gradstep/optim/lr_scheduler";
 * import { BatchNorm1d, Linear, Sequential } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const model = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
 * await updateBn([randn([8, 3]), randn([8, 3])], model);
 * ```
 */
export async function updateBn(
  loader: AsyncIterable<Batch> | Iterable<Batch>,
  model: Module,
  options: { device?: Device } = {},
): Promise<void> {
  const norms = model.namedModules().map(([, m]) => m).filter((m): m is BatchNorm => m instanceof BatchNorm);
  if (norms.length === 0) return;
  const momenta = norms.map((m) => m.momentum);
  for (const m of norms) {
    m.resetRunningStats();
    m.momentum = null;
  }
  const wasTraining = model.training;
  model.train();
  try {
    for await (const batch of loader) {
      let input = batch instanceof Tensor ? batch : batch[0];
      if (options.device !== undefined) input = await input.to(options.device);
      noGrad(() => model.forward(input));
    }
  } finally {
    norms.forEach((m, i) => (m.momentum = momenta[i]));
    model.train(wasTraining);
  }
}
