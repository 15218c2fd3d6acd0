/**
 * `deno bench`: one training iteration of nanoGPT's character model (examples/gpt.ts, the shakespeare_char CPU
 * recipe: B=12, T=64, 4 layers, 4 heads, 128 wide, no biases) — forward with the loss, backward, clipGradNorm
 * (1.0), AdamW step, zeroGrad, the loss read back — per device present. ms per iteration against PyTorch, the
 * step's GFLOP/s and WebGPU dispatches live in gpt_report.ts.
 *
 * @module
 */
import { clipGradNorm, device, manualSeed, tensor } from "../mod.ts";
import { GPT, SHAKESPEARE_CHAR_CPU } from "../examples/gpt.ts";

for (const kind of ["cpu", "webgpu"] as const) {
  const dev = await device(kind).catch(() => undefined);
  if (dev === undefined) continue;
  manualSeed(1337);
  const model = await new GPT(SHAKESPEARE_CHAR_CPU).to(dev);
  const optimizer = model.configureOptimizers({ weightDecay: 0.1, learningRate: 1e-3, betas: [0.9, 0.99] });
  const ids = Int32Array.from({ length: 12 * 65 }, (_, i) => (i * 7919) % 65);
  const x = tensor(ids.subarray(0, 12 * 64), { shape: [12, 64], device: dev });
  const y = tensor(ids.subarray(12, 12 * 65), { shape: [12, 64], device: dev });
  Deno.bench(`nanoGPT char training iteration, B=12 T=64 [${dev.type}: ${dev.name}]`, async () => {
    const { loss } = model.forward(x, y);
    loss!.backward();
    clipGradNorm(model.parameters(), 1.0).dispose();
    optimizer.step();
    optimizer.zeroGrad();
    await loss!.item();
  });
}
