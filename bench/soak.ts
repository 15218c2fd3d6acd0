/**
 * A long run of the seed's loop, written as the seed writes it (no `dispose`, no `tidy`): 20,000 steps on the CPU
 * and 5,000 on WebGPU by default. Every 1,000 steps it lets the collector run and prints the live tensors and
 * bytes (memoryStats) and, on the CPU, the span of the backend's WebAssembly arena; at the end each device's
 * peak. It fails (exit code 1) when the live bytes of the last report exceed those at step 1,000 by more than 20%,
 * or the arena's span grew after step 1,000 by more than 20%: memory that stays flat over a long run is the claim.
 *
 *   deno task soak [--cpu-steps 20000] [--webgpu-steps 5000]
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
  Flatten,
  Linear,
  manualSeed,
  memoryStats,
  ReLU,
  Sequential,
  yieldToEventLoop,
} from "../mod.ts";
import { sharedArena } from "../backends/cpu/wasm_arena.ts";
import { seedMnist } from "../examples/setup.ts";

const args = parseArgs(Deno.args, { "cpu-steps": "20000", "webgpu-steps": "5000" });
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc (deno task soak does)");

/** Live figures once the collector has run and its finalizers have returned what it found. */
async function settled(dev: Device): Promise<{ tensors: number; bytes: number; span: number }> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await yieldToEventLoop();
  }
  const { liveTensors, liveBytes } = memoryStats(dev);
  return { tensors: liveTensors, bytes: liveBytes, span: dev.type === "cpu" ? sharedArena().span : 0 };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

/** The seed's loop for `steps` steps on `dev`; returns whether its memory stayed flat. */
async function soak(dev: Device, steps: number): Promise<boolean> {
  manualSeed(0);
  const loader = new DataLoader(await seedMnist(true), { batchSize: 64, shuffle: true });
  const model = await new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10)).to(
    dev,
  );
  const criterion = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  let step = 0;
  let first: { bytes: number; span: number } | undefined;
  let last = { tensors: 0, bytes: 0, span: 0 };
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
        peak = { bytes: Math.max(peak.bytes, last.bytes), span: Math.max(peak.span, last.span) };
        const rate = (step / ((performance.now() - started) / 1000)).toFixed(0);
        console.log(
          `${dev.type} step ${step}: loss ${value.toFixed(4)}, ${last.tensors} live tensors, ${
            mib(last.bytes)
          } live` +
            (dev.type === "cpu" ? `, arena span ${mib(last.span)}` : "") + ` (${rate} steps/s)`,
        );
      }
      if (step === steps) break;
    }
  }
  const flat = last.bytes <= 1.2 * first!.bytes && last.span <= 1.2 * first!.span;
  console.log(
    `${dev.type} (${dev.name}): ${steps} steps, live bytes ${mib(first!.bytes)} at step 1000 → ${
      mib(last.bytes)
    } (peak ${mib(peak.bytes)})` + (dev.type === "cpu" ? `, arena span peak ${mib(peak.span)}` : "") +
      (flat ? ": flat" : ": NOT FLAT"),
  );
  return flat;
}

let ok = await soak(await device("cpu"), Number(args["cpu-steps"]));
const gpu = await device("webgpu").catch(() => undefined);
if (gpu === undefined) console.log("no WebGPU adapter: the WebGPU soak did not run");
else ok = await soak(gpu, Number(args["webgpu-steps"])) && ok;
if (!ok) Deno.exit(1);
