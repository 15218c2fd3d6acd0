/**
 * Dispatches and submits per training step, counted (not timed, so the figures are exact and repeatable) with
 * `deviceStats` on each device present, after two warm-up steps: one step of the seed's MNIST model and one
 * iteration of nanoGPT's character model (bench/training_steps.ts). With `--by-site` it also prints where the
 * dispatches of one step come from (the innermost library function above the backend).
 *
 *   deno run --allow-read bench/dispatch_report.ts [--by-site] [--devices cpu,webgpu]
 *
 * @module
 */
import { type Device, device, deviceStats } from "../mod.ts";
import { gptStep, mnistStep, type Step } from "./training_steps.ts";
import { parseArgs } from "../deps.ts";

const bySite = Deno.args.includes("--by-site");
const args = parseArgs(Deno.args.filter((a) => a !== "--by-site"), { devices: "cpu,webgpu" });

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
