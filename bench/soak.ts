/**
 * A long run of the seed's loop, written as the seed writes it (no `dispose`, no `tidy`): 20,000 steps on the CPU
 * and 5,000 on WebGPU by default. Every 1,000 steps it lets the collector run and prints the live tensors and
 * bytes (memoryStats) and, on the CPU, the span and the size of the backend's WebAssembly arena (the span: the
 * blocks in use and the free ones below the top; the size: what the memory has grown to, which a WebAssembly
 * memory cannot give back); at the end each device's peaks. Dropped tensors wait for the collector, so the span
 * swings with V8's schedule. It fails (exit code 1) when the live bytes of the last report exceed those at step
 * 1,000 by more than 20%, or the arena grew by more than 20% in the second half of the run: memory that stays
 * bounded over a long run is the claim.
 *
 *   deno task soak [--cpu-steps 20000] [--webgpu-steps 5000]   (0 WebGPU steps: the CPU only)
 *
 * @module
 */
import { parseArgs } from "../deps.ts";
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  type Device,
  device,
  manualSeed,
  memoryStats,
  yieldToEventLoop,
} from "../mod.ts";
import { sharedArena } from "../backends/cpu/wasm_arena.ts";
import { SimpleNN } from "../examples/models.ts";
import { positiveInteger, seedMnist } from "../examples/setup.ts";

const args = parseArgs(Deno.args, { "cpu-steps": "20000", "webgpu-steps": "5000" });
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc (deno task soak does)");

/** Live figures once the collector has run and its finalizers have returned what it found. */
async function settled(dev: Device): Promise<{ tensors: number; bytes: number; span: number; size: number }> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await yieldToEventLoop();
  }
  const { liveTensors, liveBytes } = memoryStats(dev);
  const arena = dev.type === "cpu" ? sharedArena() : undefined;
  const size = arena?.memory.buffer.byteLength ?? 0;
  return { tensors: liveTensors, bytes: liveBytes, span: arena?.span ?? 0, size };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

/** The seed's loop for `steps` steps on `dev`; returns whether its memory stayed flat. */
async function soak(dev: Device, steps: number): Promise<boolean> {
  manualSeed(0);
  const loader = new DataLoader(await seedMnist(true), { batchSize: 64, shuffle: true });
  const model = await new SimpleNN().to(dev);
  const criterion = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  let step = 0;
  let first: { bytes: number } | undefined;
  let half = 0;
  let last = { tensors: 0, bytes: 0, span: 0, size: 0 };
  let peak = { bytes: 0, span: 0 };
  const started = performance.now();
  while (step < steps) {
    for await (const [images, labels] of loader) {
      const [x, y] = [await images.to(dev), await labels.to(dev)];
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(x), y);
      loss.backward();
      optimizer.step();
      step++;
      if (step % 1000 === 0 || step === steps) {
        const value = await loss.item();
        last = await settled(dev);
        first ??= last;
        if (step <= steps / 2) half = last.size;
        peak = { bytes: Math.max(peak.bytes, last.bytes), span: Math.max(peak.span, last.span) };
        const rate = (step / ((performance.now() - started) / 1000)).toFixed(0);
        console.log(
          `${dev.type} step ${step}: loss ${value.toFixed(4)}, ${last.tensors} live tensors, ${
            mib(last.bytes)
          } live` +
            (dev.type === "cpu" ? `, arena span ${mib(last.span)} of ${mib(last.size)}` : "") +
            ` (${rate} steps/s)`,
        );
      }
      if (step === steps) break;
    }
  }
  const flat = last.bytes <= 1.2 * first!.bytes && last.size <= 1.2 * half;
  console.log(
    `${dev.type} (${dev.name}): ${steps} steps, live bytes ${mib(first!.bytes)} at step 1000 → ${
      mib(last.bytes)
    } (peak ${mib(peak.bytes)})` +
      (dev.type === "cpu"
        ? `, arena span peak ${mib(peak.span)}, arena ${mib(half)} at half-way → ${mib(last.size)}`
        : "") +
      (flat ? ": bounded" : ": NOT BOUNDED"),
  );
  return flat;
}

const [cpuSteps, gpuSteps] = [positiveInteger("cpu-steps", args["cpu-steps"]), Number(args["webgpu-steps"])];
let ok = await soak(await device("cpu"), cpuSteps);
const gpu = gpuSteps > 0 ? await device("webgpu").catch(() => undefined) : undefined;
if (gpuSteps > 0 && gpu === undefined) console.log("no WebGPU adapter: the WebGPU soak did not run");
if (gpu !== undefined) ok = await soak(gpu, positiveInteger("webgpu-steps", gpuSteps)) && ok;
if (!ok) Deno.exit(1);
