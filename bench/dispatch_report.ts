/**
 * Dispatches and submits per training step, counted (not timed, so the figures are exact and repeatable) with
 * `deviceStats` on each device present: one step of the seed's MNIST model (Flatten, Linear(784, 128), ReLU,
 * Linear(128, 10), CrossEntropyLoss, Adam; batch 64) and one iteration of nanoGPT's character model
 * (examples/gpt.ts's SHAKESPEARE_CHAR_CPU, B=12, T=64: forward with the loss, backward, clipGradNorm(1.0), AdamW,
 * zeroGrad). Each step ends with the loss read back, as the examples do when they log. With `--by-site` it also
 * prints where the dispatches of one step come from (the innermost library function above the backend).
 *
 *   deno run --allow-read bench/dispatch_report.ts [--by-site] [--devices cpu,webgpu]
 *
 * @module
 */
import {
  Adam,
  clipGradNorm,
  CrossEntropyLoss,
  type Device,
  device,
  deviceStats,
  Flatten,
  Linear,
  manualSeed,
  randn,
  ReLU,
  Sequential,
  tensor,
} from "../mod.ts";
import { GPT, SHAKESPEARE_CHAR_CPU } from "../examples/gpt.ts";
import { parseArgs } from "../deps.ts";

const bySite = Deno.args.includes("--by-site");
const args = parseArgs(Deno.args.filter((a) => a !== "--by-site"), { devices: "cpu,webgpu" });

/** One step's work, ready to run repeatedly on `dev`. */
type Step = () => Promise<void>;

async function mnistStep(dev: Device): Promise<Step> {
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

async function gptStep(dev: Device): Promise<Step> {
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

/** The innermost frame of the stack outside the backends and the tensor plumbing, as "file:line function". */
function site(): string {
  const frames = (new Error().stack ?? "").split("\n").slice(2);
  const plumbing =
    /\/backends\/|\/tensor\/(elementwise|tensor|shape|named_kernel|reduce|matmul)\.ts|dispatch_report/;
  for (const frame of frames) {
    const match = /at (?:(\S+) \()?.*\/(\w+\/\w+\.ts:\d+)/.exec(frame);
    if (match !== null && !plumbing.test(frame)) return `${match[2]} ${match[1] ?? ""}`;
  }
  return "?";
}

/** Counts the dispatches of `run` by site, by wrapping the dispatching methods of `dev`'s backend meanwhile. */
async function countSites(dev: Device, run: Step): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const backend = dev.backend as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = ["elementwise", "reduce", "matmul", "gather", "scatterAdd", "checkIndices"];
  const originals = names.map((n) => backend[n]);
  names.forEach((n, i) => {
    backend[n] = function (this: unknown, ...args: unknown[]): unknown {
      const key = `${n.padEnd(12)} ${site()}`;
      const before = dev.backend.stats.dispatches;
      const result = originals[i].apply(this, args);
      counts.set(key, (counts.get(key) ?? 0) + dev.backend.stats.dispatches - before);
      return result;
    };
  });
  try {
    await run();
  } finally {
    names.forEach((n, i) => (backend[n] = originals[i]));
  }
  return counts;
}

for (const kind of args.devices.split(",") as ("cpu" | "webgpu")[]) {
  const dev = await device(kind).catch(() => undefined);
  if (dev === undefined) continue;
  for (const [name, make] of [["MNIST step", mnistStep], ["char-GPT iteration", gptStep]] as const) {
    const step = await make(dev);
    await step(); // the first step creates the optimizer state and compiles the kernels
    await step();
    const before = deviceStats(dev);
    await step();
    const after = deviceStats(dev);
    console.log(
      `${name} [${dev.type}: ${dev.name}]: ${after.dispatches - before.dispatches} dispatches, ${
        after.submits - before.submits
      } submits, ${after.readbacks - before.readbacks} readbacks`,
    );
    if (bySite) {
      const counts = [...(await countSites(dev, step)).entries()].sort((a, b) => b[1] - a[1]);
      for (const [key, n] of counts) if (n > 0) console.log(`  ${String(n).padStart(4)}  ${key}`);
    }
  }
}
