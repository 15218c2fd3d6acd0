/**
 * The char-rnn recipe (examples/char_rnn.ts) against PyTorch's same recipe (tools/char_rnn_torch.py), in one run:
 * ms per training step (forward, backward, clipGradValue, RMSprop, zeroGrad; evaluations excluded) on the CPU and
 * on WebGPU (its adapter named: a software adapter's timings are not GPU timings) against PyTorch-CPU with
 * OMP_NUM_THREADS=2; with --full, both recipes run to the end with their evaluations, and the final validation
 * losses (the mean over every window of the validation split) are compared.
 *
 *   deno task bench:char-rnn [--iters 30] [--webgpu-iters 3] [--full]
 *
 * @module
 */
import { parseArgs } from "../deps.ts";
import { terminalTable } from "../examples/text_table.ts";

const full = Deno.args.includes("--full");
const args = parseArgs(Deno.args.filter((a) => a !== "--full"), {
  iters: "30",
  "webgpu-iters": "3",
  python: "/usr/bin/python3",
});
const root = new URL("..", import.meta.url).pathname;

interface Run {
  adapter: string;
  msPerStep: number;
  valLoss: number;
  seconds: number;
}

/** Runs `cmd` in the repository root and reads the figures of its "Training took" line. */
async function run(cmd: string, cmdArgs: string[], env: Record<string, string> = {}): Promise<Run> {
  const { code, stdout, stderr } = await new Deno.Command(cmd, { args: cmdArgs, cwd: root, env }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) {
    throw new Error(
      `${cmd} ${cmdArgs.join(" ")} failed (${code}):\n${text}\n${new TextDecoder().decode(stderr)}`,
    );
  }
  const took =
    /Training took ([\d.]+) s \(.* ([\d.]+) ms per training step\); final val loss ([\d.]+|NaN|nan)/
      .exec(text);
  if (took === null) throw new Error(`no "Training took" line in:\n${text}`);
  const adapter = /^Device: .*$/m.exec(text)?.[0] ?? /^PyTorch .*$/m.exec(text)?.[0] ?? "";
  return { adapter, seconds: Number(took[1]), msPerStep: Number(took[2]), valLoss: Number(took[3]) };
}

const out = await Deno.makeTempDir();
const example = (device: string, iters: string | null): Promise<Run> =>
  run(Deno.execPath(), [
    "run",
    "--allow-read",
    `--allow-write=${out}`,
    "--allow-env",
    "examples/char_rnn.ts",
    "--device",
    device,
    "--out",
    out,
    ...(iters === null ? [] : ["--max-iters", iters, "--eval-interval", "0"]),
  ]);
const torch = (iters: string | null): Promise<Run> =>
  run(args.python, [
    "tools/char_rnn_torch.py",
    ...(iters === null ? [] : ["--max-iters", iters, "--eval-interval", "0"]),
  ], {
    OMP_NUM_THREADS: "2",
  });

try {
  const cpu = await example("cpu", full ? null : args.iters);
  const pytorch = await torch(full ? null : args.iters);
  const gpu = await example("webgpu", args["webgpu-iters"]).catch((e: Error) => e);
  const rows = [
    ["gradstep cpu", cpu.adapter, cpu.msPerStep.toFixed(1), (cpu.msPerStep / pytorch.msPerStep).toFixed(2)],
    ["PyTorch cpu", pytorch.adapter, pytorch.msPerStep.toFixed(1), "1.00"],
    gpu instanceof Error ? ["gradstep webgpu", `not run: ${gpu.message.split("\n")[0]}`, "—", "—"] : [
      "gradstep webgpu",
      gpu.adapter,
      gpu.msPerStep.toFixed(1),
      (gpu.msPerStep / pytorch.msPerStep).toFixed(2),
    ],
  ];
  console.log(terminalTable({ header: ["", "device", "ms per training step", "× PyTorch"], rows }));
  if (full) {
    console.log(terminalTable({
      header: ["full recipe", "final val loss", "seconds (with evaluations)"],
      rows: [
        ["gradstep cpu", cpu.valLoss.toFixed(4), cpu.seconds.toFixed(1)],
        ["PyTorch cpu", pytorch.valLoss.toFixed(4), pytorch.seconds.toFixed(1)],
      ],
    }));
    console.log(`val loss difference: ${(cpu.valLoss - pytorch.valLoss).toFixed(4)} (target: within 0.05)`);
  }
} finally {
  await Deno.remove(out, { recursive: true });
}
