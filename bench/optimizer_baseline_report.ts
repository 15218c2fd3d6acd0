/**
 * Adam (nanoGPT's AdamW groups) over char-gpt's GPT (examples/gpt.ts's SHAKESPEARE_CHAR_CPU, 27 tensors in two
 * groups), a plain step and the step a GradScaler skips on the device, on every device present, beside the same
 * step of another checkout of gradstep in the same run: `GRADSTEP_BASELINE` names that checkout's folder (e.g. one
 * made with `git worktree add /tmp/before <commit>`; without it only this checkout runs). This checkout also runs
 * with its parameters made views of one larger tensor, which it copies into its packs and back each step instead
 * of moving them there (what a gather/scatter design costs). The variants take turns, one step each, round after
 * round, so a busy machine slows them alike; each step ends with a one-element readback, so work queued on WebGPU
 * is finished inside the measurement. Printed: dispatches per step, median and fastest step time, and the
 * median's ratio to the baseline's. Timings on a software WebGPU adapter are not GPU timings.
 *
 *   GRADSTEP_BASELINE=/tmp/before deno run -A bench/optimizer_baseline_report.ts [--rounds 200]
 *
 * @module
 */
import { parseArgs } from "../deps.ts";
import * as current from "../mod.ts";
import * as currentGpt from "../examples/gpt.ts";

type Library = typeof current;
type Gpt = typeof currentGpt;

const baseline = Deno.env.get("GRADSTEP_BASELINE");
const checkouts: [string, Library, Gpt][] = [["this checkout", current, currentGpt]];
if (baseline !== undefined) {
  const root = new URL(`file://${baseline.replace(/\/?$/, "/")}`);
  checkouts.push([
    `baseline ${baseline}`,
    await import(new URL("mod.ts", root).href) as Library,
    await import(new URL("examples/gpt.ts", root).href) as Gpt,
  ]);
}

/**
 * Makes every parameter a view of one larger tensor, which an optimizer of this checkout cannot move into its
 * pack: it copies them in before its kernel and out after (the cost of a gather/scatter design).
 */
function asViewsOfOne(lib: Library, params: current.Tensor[]): void {
  const big = lib.zeros([params.reduce((n, p) => n + p.numel, 1)], { device: params[0].device });
  let at = 0;
  for (const p of params) {
    const view = big.narrow(0, at, p.numel).reshape(p.shape);
    view.copy_(p.detach());
    p.setData(view);
    at += p.numel;
  }
}

const runs: [string, Library, Gpt, boolean][] = checkouts.map((
  [label, lib, gpt],
) => [label, lib, gpt, false]);
runs.splice(1, 0, ["this checkout, parameters copied in and out", current, currentGpt, true]);

const rounds = Number(parseArgs(Deno.args, { rounds: "200" }).rounds);

/** One variant's step on one device: its label, the step and the readback that waits for it. */
interface Variant {
  label: string;
  dispatches: () => number;
  run: () => Promise<void>;
  times: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

for (const kind of ["cpu", "webgpu"] as const) {
  const variants = new Map<string, Variant[]>();
  let deviceName = "";
  for (const [label, lib, gptModule, views] of runs) {
    const dev = await lib.device(kind).catch(() => undefined);
    if (dev === undefined) continue;
    deviceName = `${dev.type}: ${dev.name}`;
    lib.manualSeed(0);
    const gpt = await new gptModule.GPT(gptModule.SHAKESPEARE_CHAR_CPU).to(dev);
    if (views) asViewsOfOne(lib, gpt.parameters());
    const adamw = gpt.configureOptimizers({ weightDecay: 0.1, learningRate: 1e-3, betas: [0.9, 0.99] });
    const params = gpt.parameters();
    for (const p of params) p.grad = lib.randn(p.shape, { device: dev });
    const kept = lib.zeros([], { device: dev });
    const head = params[0].narrow(0, 0, 1);
    const steps = [["step", () => adamw.step()], [
      "GradScaler's device skip",
      () => adamw.stepUnless(kept),
    ]] as const;
    for (const [name, step] of steps) {
      const run = async (): Promise<void> => {
        step();
        await head.data();
      };
      for (let i = 0; i < 5; i++) await run();
      const before = lib.deviceStats(dev).dispatches;
      step();
      const dispatches = lib.deviceStats(dev).dispatches - before;
      await head.data();
      const list = variants.get(name) ?? [];
      list.push({ label, dispatches: () => dispatches, run, times: [] });
      variants.set(name, list);
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const list of variants.values()) {
      for (const v of list) {
        const t0 = performance.now();
        await v.run();
        v.times.push(performance.now() - t0);
      }
    }
  }
  for (const [name, list] of variants) {
    console.log(
      `${name}: AdamW over char-gpt's GPT (27 tensors, 2 groups) [${deviceName}], ${rounds} rounds`,
    );
    const base = list.find((v) => v.label.startsWith("baseline"));
    for (const v of list) {
      const ratio = base === undefined
        ? ""
        : `, ${(median(v.times) / median(base.times)).toFixed(2)}x the baseline's`;
      console.log(
        `  ${v.label}: ${v.dispatches()} dispatches, median ${median(v.times).toFixed(2)} ms, fastest ${
          Math.min(...v.times).toFixed(2)
        } ms${ratio}`,
      );
    }
  }
}
