/**
 * The device work of whole training steps stays fused: one MNIST step and one char-GPT iteration
 * (bench/training_steps.ts) launch at most a bound of kernels, counted with deviceStats (deterministic, unlike
 * timings). Before the fused layers and gradients they took 49 and 511 dispatches on WebGPU (52 and 511 on the
 * CPU); the bounds are what they take now, on either backend.
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

testOnDevices("one MNIST training step is at most 24 dispatches and one submit", async (dev) => {
  const { dispatches, submits } = await countSecond(dev, await mnistStep(dev));
  assert(dispatches <= 24, `${dispatches} dispatches, expected at most 24`);
  assert(submits <= 1, `${submits} submits, expected at most 1`);
});

testOnDevices("one char-GPT iteration is at most 278 dispatches and two submits", async (dev) => {
  const { dispatches, submits } = await countSecond(dev, await gptStep(dev));
  assert(dispatches <= 278, `${dispatches} dispatches, expected at most 278`);
  assert(submits <= 2, `${submits} submits, expected at most 2`);
});
