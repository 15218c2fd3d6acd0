/**
 * The two training steps whose device work the dispatch counts follow, each built on a device and ready to run
 * repeatedly: one step of the seed's MNIST model (Flatten, Linear(784, 128), ReLU, Linear(128, 10),
 * CrossEntropyLoss, Adam; batch 64) and one iteration of nanoGPT's character model (examples/gpt.ts's
 * SHAKESPEARE_CHAR_CPU, B=12, T=64: forward with the loss, backward, clipGradNorm(1.0), AdamW, zeroGrad). Each
 * ends with the loss read back, as the examples do when they log. bench/dispatch_report.ts prints their counts;
 * tests/nn/step_dispatches_test.ts bounds them; mnist_step_bench.ts and gpt_bench.ts time them.
 *
 * @module
 */
import {
  Adam,
  clipGradNorm,
  CrossEntropyLoss,
  type Device,
  Flatten,
  Linear,
  manualSeed,
  randn,
  ReLU,
  Sequential,
  tensor,
} from "../mod.ts";
import { GPT, SHAKESPEARE_CHAR_CPU } from "../examples/gpt.ts";

/** One step's work, ready to run repeatedly on `dev`. */
export type Step = () => Promise<void>;

/**
 * One MNIST training step on `dev`.
 *
 * @example
 * ```ts
 * import { mnistStep } from "./training_steps.ts";
 * import { device } from "../mod.ts";
 * const step = await mnistStep(await device("cpu"));
 * await step();
 * ```
 */
export async function mnistStep(dev: Device): Promise<Step> {
  manualSeed(0);
  const model = await new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10)).to(
    dev,
  );
  const criterion = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const images = await randn([64, 1, 28, 28]).to(dev);
  const labels = await tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10)).to(dev);
  return async () => {
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(images), labels);
    loss.backward();
    optimizer.step();
    await loss.item();
  };
}

/**
 * One char-GPT training iteration on `dev`.
 *
 * @example
 * ```ts
 * import { gptStep } from "./training_steps.ts";
 * import { device } from "../mod.ts";
 * const step = await gptStep(await device("cpu"));
 * await step();
 * ```
 */
export async function gptStep(dev: Device): Promise<Step> {
  manualSeed(1337);
  const model = await new GPT(SHAKESPEARE_CHAR_CPU).to(dev);
  const optimizer = model.configureOptimizers({ weightDecay: 0.1, learningRate: 1e-3, betas: [0.9, 0.99] });
  const ids = Int32Array.from({ length: 12 * 65 }, (_, i) => (i * 7919) % 65);
  const x = tensor(ids.subarray(0, 12 * 64), { shape: [12, 64], device: dev });
  const y = tensor(ids.subarray(12, 12 * 65), { shape: [12, 64], device: dev });
  return async () => {
    const { loss } = model.forward(x, y);
    loss!.backward();
    clipGradNorm(model.parameters(), 1.0).dispose();
    optimizer.step();
    optimizer.zeroGrad();
    await loss!.item();
  };
}
