/**
 * The device work of whole training steps stays fused: one MNIST step and one char-GPT iteration
 * (bench/training_steps.ts) launch at most a bound of kernels, counted with deviceStats (deterministic, unlike
 * timings). Before the fused layers and gradients they took 49 and 511 dispatches on WebGPU (52 and 511 on the
 * CPU); the bounds are what they take now. The CPU counts more: the copies that make gradients their parameters'
 * own are kernels there and buffer copies on WebGPU.
 *
 * @module
 */
import { type Device, deviceStats } from "../../mod.ts";
import { assert } from "../../deps.ts";
import { gptStep, mnistStep, type Step } from "../../bench/training_steps.ts";
import { testOnDevices } from "../helpers.ts";

/** Dispatches and submits of the second run of `step` (the first creates optimizer state and compiles kernels). */
async function countSecond(dev: Device, step: Step): Promise<{ dispatches: number; submits: number }> {
  await step();
  const before = deviceStats(dev);
  await step();
  const after = deviceStats(dev);
  return { dispatches: after.dispatches - before.dispatches, submits: after.submits - before.submits };
}

testOnDevices(
  "one MNIST training step is at most 24 dispatches (27 on the CPU) and one submit",
  async (dev) => {
    const { dispatches, submits } = await countSecond(dev, await mnistStep(dev));
    const bound = dev.type === "cpu" ? 27 : 24;
    assert(dispatches <= bound, `${dispatches} dispatches, expected at most ${bound}`);
    assert(submits <= 1, `${submits} submits, expected at most 1`);
  },
);

testOnDevices("one char-GPT iteration is at most 275 dispatches (301 on the CPU)", async (dev) => {
  const { dispatches, submits } = await countSecond(dev, await gptStep(dev));
  const bound = dev.type === "cpu" ? 301 : 275;
  assert(dispatches <= bound, `${dispatches} dispatches, expected at most ${bound}`);
  assert(submits <= 2, `${submits} submits, expected at most 2`);
});
