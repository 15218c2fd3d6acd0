/**
 * `deno bench`: one training step of the seed's model (forward, loss, backward, Adam) on a batch of 64
 * (bench/training_steps.ts), per device present. Seconds per epoch against PyTorch live in mnist_report.ts.
 *
 * @module
 */
import { device } from "../mod.ts";
import { mnistStep } from "./training_steps.ts";

for (const kind of ["cpu", "webgpu"] as const) {
  const dev = await device(kind).catch(() => undefined);
  if (dev === undefined) continue;
  Deno.bench(`MNIST training step, batch 64 [${dev.type}: ${dev.name}]`, await mnistStep(dev));
}
