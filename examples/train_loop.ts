/**
 * The seed's training loop and a test-set evaluation, shared by the comparison examples: losses and hits
 * accumulate on the device and are read back every `curveEvery` steps and at the end, never at every step.
 *
 * @module
 */
import {
  CrossEntropyLoss,
  type DataLoader,
  type Device,
  type Module,
  noGrad,
  type Optimizer,
  type Tensor,
  zeros,
} from "../mod.ts";
import { ProgressBar } from "./progress.ts";

/** One epoch's training figures. */
export interface EpochStats {
  /** The mean of the batches' losses. */
  loss: number;
  /** The share of training samples classified right while training, in percent. */
  accuracy: number;
  /** The mean loss of every `curveEvery` steps, at the step (counted within the epoch) that ended them. */
  curve: { step: number; loss: number }[];
}

/** What {@link trainEpoch} trains, and how. */
export interface TrainEpochOptions {
  /** The model, already on `device`. */
  model: Module;
  /** The training batches ([images, labels]). */
  loader: DataLoader;
  /** The optimizer of the model's parameters. */
  optimizer: Optimizer<{ lr: number }>;
  /** The device the model is on. */
  device: Device;
  /** Called after every `optimizer.step()`, e.g. to step a per-batch scheduler. */
  afterStep?: () => void;
  /** Text before the progress bar. */
  label?: string;
  /** Steps per point of the loss curve (default 100). */
  curveEvery?: number;
}

/**
 * One epoch of the seed's loop: `zeroGrad`, forward, cross-entropy, `backward`, `step`.
 *
 * @example
 * ```ts
 * import { trainEpoch } from "./train_loop.ts";
 * import { SimpleNN } from "./models.ts";
 * import { Adam, DataLoader, device, MNIST } from "../mod.ts";
 * const model = new SimpleNN();
 * const loader = new DataLoader(await MNIST.load({ train: true }), { batchSize: 64, shuffle: true });
 * const stats = await trainEpoch({ model, loader, optimizer: new Adam(model.parameters()), device: await device("cpu") });
 * console.log(stats.loss, stats.accuracy);
 * ```
 */
export async function trainEpoch(options: TrainEpochOptions): Promise<EpochStats> {
  const { model, loader, optimizer, device, afterStep, curveEvery = 100 } = options;
  const criterion = new CrossEntropyLoss();
  const bar = new ProgressBar(loader.length, { label: options.label ?? "" });
  const curve: { step: number; loss: number }[] = [];
  let epochLoss: Tensor = zeros([], { device });
  let runningLoss: Tensor = zeros([], { device });
  let hits: Tensor = zeros([], { device, dtype: "int32" });
  let samples = 0;
  let step = 0;
  model.train();
  for await (const [cpuImages, cpuLabels] of loader) {
    const images = await cpuImages.to(device);
    const labels = await cpuLabels.to(device);
    optimizer.zeroGrad();
    const outputs = model.forward(images);
    const loss = criterion.forward(outputs, labels);
    loss.backward();
    optimizer.step();
    afterStep?.();
    noGrad(() => {
      epochLoss = epochLoss.add(loss);
      runningLoss = runningLoss.add(loss);
      hits = hits.add(outputs.argmax(1).eq(labels).sum());
    });
    samples += labels.shape[0];
    step++;
    if (step % curveEvery === 0) {
      const mean = (await runningLoss.item()) / curveEvery;
      curve.push({ step, loss: mean });
      runningLoss = zeros([], { device });
      bar.update(step, `loss ${mean.toFixed(4)}`);
    } else {
      bar.update(step);
    }
  }
  bar.done();
  const [lossSum, hitCount] = await Promise.all([epochLoss.item(), hits.item()]);
  return { loss: lossSum / step, accuracy: (100 * hitCount) / samples, curve };
}

/**
 * The model's mean cross-entropy and accuracy (percent) over `loader`, in eval mode and without gradients.
 *
 * @example
 * ```ts
 * import { evaluate } from "./train_loop.ts";
 * import { SimpleNN } from "./models.ts";
 * import { DataLoader, device, MNIST } from "../mod.ts";
 * const test = new DataLoader(await MNIST.load({ train: false }), { batchSize: 1000 });
 * const { loss, accuracy } = await evaluate(new SimpleNN(), test, await device("cpu"));
 * ```
 */
export async function evaluate(
  model: Module,
  loader: DataLoader,
  device: Device,
): Promise<{ loss: number; accuracy: number }> {
  const criterion = new CrossEntropyLoss({ reduction: "sum" });
  let lossSum: Tensor = zeros([], { device });
  let hits: Tensor = zeros([], { device, dtype: "int32" });
  let samples = 0;
  model.eval();
  for await (const [cpuImages, cpuLabels] of loader) {
    const images = await cpuImages.to(device);
    const labels = await cpuLabels.to(device);
    noGrad(() => {
      const outputs = model.forward(images);
      lossSum = lossSum.add(criterion.forward(outputs, labels));
      hits = hits.add(outputs.argmax(1).eq(labels).sum());
    });
    samples += labels.shape[0];
  }
  const [loss, hitCount] = await Promise.all([lossSum.item(), hits.item()]);
  return { loss: loss / samples, accuracy: (100 * hitCount) / samples };
}
