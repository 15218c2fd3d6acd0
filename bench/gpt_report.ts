/**
 * nanoGPT's character model (the shakespeare_char CPU recipe: B=12, T=64, 4 layers, 4 heads, 128 wide) timed in one
 * run: gradstep's training iteration (forward with the loss, backward, clipGradNorm 1.0, AdamW, zeroGrad) on the CPU
 * and on WebGPU (its adapter named: a software adapter's timings are not GPU timings), with the forward, backward
 * and optimizer shares and WebGPU's dispatches per iteration; nanoGPT's own loop in PyTorch-CPU
 * (bench/torch_gpt.py, OMP_NUM_THREADS=2); the step's effective GFLOP/s (nanoGPT's estimate_mfu count) against
 * a float32 matmul's GFLOP/s at the MLP's shape, measured in the same run. On WebGPU the forward and backward
 * shares are the time to record and submit the work; the device's own time shows in the wait for the loss.
 *
 *   deno task bench:gpt [--iters 30] [--warmup 5] [--devices cpu,webgpu] [--torch-iters 20]
 *
 * @module
 */
import { parseArgs } from "../deps.ts";
import {
  clipGradNorm,
  type Device,
  device,
  deviceStats,
  getBatch,
  manualSeed,
  randn,
  type Tensor,
  tidy,
  trainValSplit,
  yieldToEventLoop,
} from "../mod.ts";
import { CharVocabulary } from "../data/mod.ts";
import { GPT, GPT_DEFAULTS } from "../examples/gpt.ts";

const args = parseArgs(Deno.args, {
  iters: "30",
  warmup: "5",
  devices: "cpu,webgpu",
  python: "/usr/bin/python3",
  "torch-iters": "20",
});
const iters = Number(args.iters);
const warmup = Number(args.warmup);
const [B, T, L, H, C] = [12, 64, 4, 4, 128];

const text = await Deno.readTextFile(new URL("../examples/data/tinyshakespeare.txt", import.meta.url));
const vocab = CharVocabulary.fromText(text);
const { train } = trainValSplit(vocab.encode(text));

/** nanoGPT's estimate_mfu count: (6N + 12·L·H·Q·T) per token, N the non-embedding parameters. */
function flopsPerIter(model: GPT): number {
  return (6 * model.getNumParams() + 12 * L * H * (C / H) * T) * T * B;
}

interface Timing {
  ms: number;
  forward: number;
  backward: number;
  optimizer: number;
  dispatches: number;
  flops: number;
}

/** Mean ms per iteration (and its parts) after `warmup` iterations; synchronised by reading the loss each time. */
async function gradstep(dev: Device): Promise<Timing> {
  manualSeed(1337);
  const model = await new GPT({
    ...GPT_DEFAULTS,
    vocabSize: vocab.size,
    blockSize: T,
    nLayer: L,
    nHead: H,
    nEmbd: C,
    bias: false,
  })
    .to(dev);
  const optimizer = model.configureOptimizers({ weightDecay: 0.1, learningRate: 1e-3, betas: [0.9, 0.99] });
  const parts = { forward: 0, backward: 0, optimizer: 0 };
  let total = 0;
  let dispatches = 0;
  for (let i = 0; i < warmup + iters; i++) {
    const [x, y] = getBatch(train, { batchSize: B, blockSize: T, device: dev });
    const before = deviceStats(dev).dispatches;
    const t0 = performance.now();
    const times: number[] = [];
    const loss: Tensor = tidy(() => {
      const { loss } = model.forward(x, y);
      times.push(performance.now());
      loss!.backward();
      times.push(performance.now());
      clipGradNorm(model.parameters(), 1.0).dispose();
      optimizer.step();
      optimizer.zeroGrad();
      return loss!.detach();
    });
    await loss.item();
    const t1 = performance.now();
    if (i >= warmup) {
      total += t1 - t0;
      parts.forward += times[0] - t0;
      parts.backward += times[1] - times[0];
      parts.optimizer += t1 - times[1];
      dispatches += deviceStats(dev).dispatches - before;
    }
    if (i % 10 === 0) await yieldToEventLoop();
  }
  return {
    ms: total / iters,
    forward: parts.forward / iters,
    backward: parts.backward / iters,
    optimizer: parts.optimizer / iters,
    dispatches: dispatches / iters,
    flops: flopsPerIter(model),
  };
}

/** GFLOP/s of [768, 128] @ [128, 512] (the MLP's c_fc over B·T rows) on `dev`, in float32. */
async function matmulGflops(dev: Device): Promise<number> {
  const a = await randn([B * T, C]).to(dev);
  const b = await randn([C, 4 * C]).to(dev);
  const reps = 50;
  for (let i = 0; i < 5; i++) tidy(() => a.matmul(b));
  await a.matmul(b).data();
  const t0 = performance.now();
  let last: Tensor | null = null;
  for (let i = 0; i < reps; i++) {
    last?.dispose();
    last = a.matmul(b);
  }
  await last!.data();
  const seconds = (performance.now() - t0) / 1000;
  return (2 * B * T * C * 4 * C * reps) / seconds / 1e9;
}

async function pytorch(): Promise<{ ms: number; version: string; threads: number } | undefined> {
  try {
    const { code, stdout, stderr } = await new Deno.Command(args.python, {
      args: [new URL("./torch_gpt.py", import.meta.url).pathname, "--iters", args["torch-iters"]],
      env: { OMP_NUM_THREADS: "2" },
    }).output();
    if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
    const r = JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
    return { ms: r.msPerIter, version: r.version, threads: r.threads };
  } catch (error) {
    console.log(
      `PyTorch not measured: ${(error as Error).message.split("\n")[0]} (apt-get install -y python3-torch)`,
    );
    return undefined;
  }
}

const results = new Map<string, Timing>();
for (const kind of args.devices.split(",")) {
  const dev = await device(kind as "cpu" | "webgpu").catch(() => undefined);
  if (dev === undefined) {
    console.log(`gradstep on ${kind}: not measured (no such device here)`);
    continue;
  }
  const t = await gradstep(dev);
  results.set(kind, t);
  const gflops = await matmulGflops(dev);
  console.log(
    `gradstep (Deno ${Deno.version.deno}) on ${dev.type} (${dev.name}): ${
      t.ms.toFixed(1)
    } ms per iteration ` +
      `(forward ${t.forward.toFixed(1)}, backward ${t.backward.toFixed(1)}, clip+AdamW+read ${
        t.optimizer.toFixed(1)
      }), ` +
      `${t.dispatches.toFixed(0)} dispatches per iteration`,
  );
  console.log(
    `  step: ${(t.flops / 1e9).toFixed(2)} GFLOP per iteration = ${
      (t.flops / t.ms / 1e6).toFixed(2)
    } GFLOP/s ` +
      `effective; matmul [768x128]@[128x512] float32: ${gflops.toFixed(2)} GFLOP/s ` +
      `(the step runs at ${(100 * (t.flops / t.ms / 1e6) / gflops).toFixed(0)}% of it)`,
  );
}
const torch = await pytorch();
if (torch !== undefined) {
  console.log(
    `PyTorch ${torch.version} (CPU, ${torch.threads} threads), nanoGPT's loop: ${
      torch.ms.toFixed(1)
    } ms per iteration`,
  );
  const cpu = results.get("cpu");
  if (cpu !== undefined) {
    console.log(
      `ratio gradstep CPU / PyTorch CPU: ${
        (cpu.ms / torch.ms).toFixed(2)
      }x (issue 13's target: at most 0.25x); ` +
        `2,000 iterations at this rate: ${(2000 * cpu.ms / 60000).toFixed(1)} min without evaluations`,
    );
  }
}
