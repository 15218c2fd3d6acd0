/**
 * `deno bench`: one training iteration of nanoGPT's character model (examples/gpt.ts, the shakespeare_char CPU
 * recipe: B=12, T=64, 4 layers, 4 heads, 128 wide, no biases) — forward with the loss, backward, clipGradNorm
 * (1.0), AdamW step, zeroGrad, the loss read back (bench/training_steps.ts) — per device present. ms per
 * iteration against PyTorch, the step's GFLOP/s and WebGPU dispatches live in gpt_report.ts.
 *
 * @module
 */
import { device } from "../mod.ts";
import { gptStep } from "./training_steps.ts";

for (const kind of ["cpu", "webgpu"] as const) {
  const dev = await device(kind).catch(() => undefined);
  if (dev === undefined) continue;
  Deno.bench(`nanoGPT char training iteration, B=12 T=64 [${dev.type}: ${dev.name}]`, await gptStep(dev));
}
