/**
 * `deno task bench:report`: in one run, the same workloads (bench/report/) in gradstep on every device present,
 * in TensorFlow.js's cpu, wasm and webgpu backends, and in PyTorch-CPU when python3-torch is installed; prints
 * milliseconds per repetition, gradstep's ratio to PyTorch-CPU and to tfjs's best backend, the effective memory
 * bandwidth of each Adam step (fp32 Adam moves 28 bytes per parameter: reads p, grad, m, v; writes p, m, v)
 * against the copy bandwidth measured in the same run, and the WebGPU adapter's name. A software adapter's
 * timings are not GPU timings. Seconds per MNIST epoch against PyTorch: `deno task bench:epoch`. Then the CPU's own
 * limits in the same run (report/hardware.ts: a one-core `TypedArray.set` copy, the WebAssembly SIMD multiply-add
 * peak on one and two cores) and gradstep-CPU's copy, sum and 512³ matmul as shares of them. Give PyTorch both
 * cores as gradstep has (OMP_NUM_THREADS=2) to compare like with like; its thread count is printed.
 *
 *   deno task bench:report [--python /usr/bin/python3] [--skip tfjs-webgpu,…]
 *
 * @module
 */
import { parseArgs } from "../deps.ts";
import { device } from "../mod.ts";
import { gradstepWork } from "./report/gradstep_work.ts";
import { TFJS_BACKENDS, tfjsWork } from "./report/tfjs_work.ts";
import type { Timing } from "./report/timing.ts";
import { measureHardware } from "./report/hardware.ts";

const args = parseArgs(Deno.args, { python: "/usr/bin/python3", skip: "" });
const skip = new Set(args.skip.split(",").filter((s) => s !== ""));
const columns = new Map<string, Timing[]>();
const notes: string[] = [];

for (const kind of ["cpu", "webgpu"] as const) {
  if (skip.has(`gradstep-${kind}`)) continue;
  const dev = await device(kind).catch((e: Error) => void notes.push(`gradstep ${kind}: ${e.message}`));
  if (dev === undefined) continue;
  notes.push(`gradstep ${kind}: ${dev.name}`);
  console.error(`measuring gradstep on ${dev.name} …`);
  columns.set(`gradstep ${kind}`, await gradstepWork(dev));
}
for (const backend of TFJS_BACKENDS) {
  if (skip.has(`tfjs-${backend}`)) continue;
  console.error(`measuring tfjs ${backend} …`);
  try {
    columns.set(`tfjs ${backend}`, await tfjsWork(backend));
  } catch (e) {
    notes.push(`tfjs ${backend}: not measured (${(e as Error).message})`);
  }
}
if (!skip.has("torch")) {
  console.error("measuring PyTorch-CPU …");
  try {
    const script = new URL("./report/torch_work.py", import.meta.url).pathname;
    const { code, stdout, stderr } = await new Deno.Command(args.python, { args: [script] }).output();
    if (code !== 0) throw new Error(new TextDecoder().decode(stderr).trim().split("\n").pop());
    const result = JSON.parse(new TextDecoder().decode(stdout));
    notes.push(`PyTorch ${result.torch} on the CPU, ${result.threads} thread(s)`);
    columns.set("torch cpu", result.timings);
  } catch (e) {
    notes.push(`PyTorch: not measured (${(e as Error).message})`);
  }
}

const names = [...columns.keys()];
const works = [...new Set([...columns.values()].flatMap((ts) => ts.map((t) => t.work)))];
const ms = (column: string, work: string): number | undefined =>
  columns.get(column)?.find((t) => t.work === work)?.ms;
const fmt = (v: number | undefined): string => v === undefined ? "—" : v < 10 ? v.toFixed(3) : v.toFixed(1);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? "—" : `${(a / b).toFixed(2)}×`;

console.log(`\n${notes.join("\n")}\n`);
console.log(`| ms per repetition | ${names.join(" | ")} | cpu ÷ torch | best gradstep ÷ best tfjs |`);
console.log(`|---|${names.map(() => "---:").join("|")}|---:|---:|`);
for (const work of works) {
  const best = (prefix: string): number | undefined => {
    const vs = names.filter((n) => n.startsWith(prefix)).map((n) => ms(n, work)).filter((v) =>
      v !== undefined
    );
    return vs.length === 0 ? undefined : Math.min(...vs as number[]);
  };
  console.log(
    `| ${work} | ${names.map((n) => fmt(ms(n, work))).join(" | ")} | ${
      ratio(ms("gradstep cpu", work), ms("torch cpu", work))
    } | ${ratio(best("gradstep"), best("tfjs"))} |`,
  );
}

const gbps = (bytes: number, t: number | undefined): number | undefined =>
  t === undefined ? undefined : bytes / (t * 1e-3) / 1e9;
console.log("\nEffective bandwidth, GB/s (Adam: 28 bytes per parameter; copy: 8 bytes per element)");
for (const name of names) {
  const copy = gbps(8 * 10_000_000, ms(name, "copy 10M float32"));
  const adam = [1, 10].map((m) => gbps(28 * m * 1e6, ms(name, `Adam step ${m}M`)));
  const share = copy === undefined || adam[1] === undefined
    ? ""
    : ` (${(100 * adam[1] / copy).toFixed(0)}% of copy)`;
  console.log(
    `  ${name}: copy ${fmt(copy)}, Adam 1M ${fmt(adam[0])}, Adam 10M ${fmt(adam[1])}${share}`,
  );
}

if (columns.has("gradstep cpu")) {
  console.error("measuring the CPU's copy bandwidth and SIMD peak …");
  const hw = await measureHardware();
  const cpu = (work: string): number | undefined => ms("gradstep cpu", work);
  const [copy, sum, mm] = [cpu("copy 10M float32"), cpu("sum 10M float32"), cpu("matmul 512x512 @ 512x512")];
  const pct = (part: number | undefined, whole: number | undefined): string =>
    part === undefined || whole === undefined ? "—" : `${(100 * part / whole).toFixed(0)}%`;
  const two = hw.simdGflopsTwoCores;
  console.log(
    `\nThis CPU, same run: TypedArray.set 10M float32 ${
      fmt(hw.copyGBps)
    } GB/s (one core); WebAssembly SIMD ` +
      `multiply-add peak ${fmt(hw.simdGflops)} GFLOP/s on one core, ${fmt(two)} on two`,
  );
  console.log(
    `  gradstep cpu: copy ${fmt(gbps(8e7, copy))} GB/s (${
      pct(gbps(8e7, copy), hw.copyGBps)
    } of TypedArray.set), ` +
      `sum reads ${fmt(gbps(4e7, sum))} GB/s (${pct(gbps(4e7, sum), hw.copyGBps)}), matmul 512³ ` +
      `${fmt(mm === undefined ? undefined : 2 * 512 ** 3 / mm / 1e6)} GFLOP/s ` +
      `(${pct(mm === undefined ? undefined : 2 * 512 ** 3 / mm / 1e6, two ?? hw.simdGflops)} of the peak)`,
  );
}
