/**
 * The seed's "common mistakes", made observable on the seed's MNIST model (SimpleNN, batch 64), each run from the
 * same initial weights on the same batches:
 *
 * 1. Forgetting `optimizer.zeroGrad()`: gradients accumulate across steps, so the gradient norm grows step after
 *    step and the loss gets worse than the correct loop's (SGD, lr 0.01, momentum 0.9, as the seed's SGD).
 * 2. A learning rate far too high: the seed's `Adam(lr=1.0)` (Adam moves each weight by about lr per step, so the
 *    loss stays finite but training goes nowhere) and plain SGD at lr 1000, whose weights overflow float32:
 *    divergence is detected as a non-finite loss, checked on the device at every step, and reported with the
 *    step it happened at.
 * 3. A learning rate far too low (the seed's `Adam(lr=1e-7)`): no progress, next to the seed's `Adam(lr=1e-3)`.
 *
 * Losses and gradient norms are read back every `--every` steps. It prints what it finds and writes the loss (and
 * gradient norm) curves to `--out`/common_mistakes.svg.
 *
 *   deno run --allow-read --allow-write=results examples/common_mistakes.ts
 *       [--steps 200] [--every 20] [--device auto|cpu|webgpu] [--seed 0] [--out results]
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { parseArgs } from "../deps.ts";
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  manualSeed,
  noGrad,
  type Optimizer,
  SGD,
  type Tensor,
  zeros,
} from "../mod.ts";
import { SimpleNN } from "./models.ts";
import { nonNegativeInteger, openDevice, positiveInteger, seedMnist } from "./setup.ts";
import { ProgressBar } from "./progress.ts";
import { writeSvg } from "./svg_plot.ts";
import { terminalTable } from "./text_table.ts";
import { evaluate } from "./train_loop.ts";

const args = parseArgs(Deno.args, { steps: "200", every: "20", device: "auto", seed: "0", out: "results" });
const steps = positiveInteger("steps", args.steps);
const every = positiveInteger("every", args.every);
const seed = nonNegativeInteger("seed", args.seed);
if (steps % every !== 0) throw new Error(`--steps (${steps}) must be a multiple of --every (${every})`);

const dev = await openDevice(args.device);
const trainSet = await seedMnist(true);
const testLoader = new DataLoader(await seedMnist(false), { batchSize: 1000 });

/** What a run looked like every `every` steps. */
interface Point {
  step: number;
  /** The mean loss of the last `every` steps (NaN or ±Infinity once it diverged). */
  loss: number;
  /** The gradient's global 2-norm at this step, as `optimizer.step()` saw it. */
  gradNorm: number;
}

/** A finished (or stopped) run. */
interface Run {
  name: string;
  points: Point[];
  /** The first step whose loss was NaN or infinite, or null. */
  divergedAt: number | null;
  /** Test accuracy (percent) after the run. */
  accuracy: number;
}

/**
 * Trains a fresh SimpleNN for `steps` steps with `makeOptimizer`, calling `zeroGrad()` before each backward only
 * when `zeroGrad` is true. Stops at the first read-back after the loss stops being finite.
 */
async function train(
  name: string,
  makeOptimizer: (params: Tensor[]) => Optimizer<{ lr: number }>,
  zeroGrad = true,
): Promise<Run> {
  manualSeed(seed);
  const model = await new SimpleNN().to(dev);
  const params = model.parameters();
  const optimizer = makeOptimizer(params);
  const criterion = new CrossEntropyLoss();
  const loader = new DataLoader(trainSet, { batchSize: 64, shuffle: true, seed });
  const bar = new ProgressBar(steps, { label: name });
  const points: Point[] = [];
  // On the device: the running loss, and how many leading steps had a finite loss (x − x is 0 exactly when x is
  // finite), so divergence is caught at the step it happens without reading every step's loss.
  let running: Tensor = zeros([], { device: dev });
  let allFinite: Tensor = zeros([], { device: dev }).add(1);
  let finiteSteps: Tensor = zeros([], { device: dev });
  let divergedAt: number | null = null;
  let step = 0;
  training: while (step < steps) {
    for await (const [cpuImages, cpuLabels] of loader) {
      const images = await cpuImages.to(dev);
      const labels = await cpuLabels.to(dev);
      if (zeroGrad) optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(images), labels);
      loss.backward();
      optimizer.step();
      step++;
      noGrad(() => {
        running = running.add(loss);
        allFinite = allFinite.mul(loss.sub(loss).eq(0).float());
        finiteSteps = finiteSteps.add(allFinite);
      });
      bar.update(step);
      if (step % every === 0) {
        const gradNorm = noGrad(() =>
          params.map((p) => p.grad!.pow(2).sum()).reduce((a, b) => a.add(b)).sqrt()
        );
        const [lossSum, norm, finite] = await Promise.all([
          running.item(),
          gradNorm.item(),
          finiteSteps.item(),
        ]);
        points.push({ step, loss: lossSum / every, gradNorm: norm });
        running = zeros([], { device: dev });
        if (finite < step) {
          divergedAt = finite + 1;
          break training;
        }
      }
      if (step === steps) break;
    }
  }
  bar.done();
  return { name, points, divergedAt, accuracy: (await evaluate(model, testLoader, dev)).accuracy };
}

/** A loss or norm for the tables: 4 decimals, exponent notation from 10⁴, or NaN / Infinity as such. */
function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e4 ? x.toExponential(2) : x.toFixed(4);
}
const last = (run: Run): Point => run.points[run.points.length - 1];

// 1. Forgetting zeroGrad.
console.log("\n1. Forgetting optimizer.zeroGrad(): SGD(lr 0.01, momentum 0.9), the same batches");
const sgd = (lr: number) => (p: Tensor[]) => new SGD(p, { lr, momentum: 0.9 });
const correct = await train("SGD with zeroGrad()", sgd(0.01));
const forgot = await train("SGD, no zeroGrad()", sgd(0.01), false);
console.log(terminalTable({
  header: ["step", "loss (correct)", "loss (no zeroGrad)", "grad norm (correct)", "grad norm (no zeroGrad)"],
  rows: correct.points.map((p, i) => {
    const q = forgot.points[i];
    return [String(p.step), fmt(p.loss), q ? fmt(q.loss) : "—", fmt(p.gradNorm), q ? fmt(q.gradNorm) : "—"];
  }),
}));
const growth = last(forgot).gradNorm / forgot.points[0].gradNorm;
console.log(
  `→ Without zeroGrad() the gradient is the sum of every step's so far: its norm went from ` +
    `${fmt(forgot.points[0].gradNorm)} to ${fmt(last(forgot).gradNorm)} (×${
      fmt(growth)
    }) while the correct ` +
    `loop's went from ${fmt(correct.points[0].gradNorm)} to ${fmt(last(correct).gradNorm)}; ` +
    (forgot.divergedAt !== null
      ? `the loss became non-finite at step ${forgot.divergedAt}`
      : `the loss over the last ${every} steps was ${fmt(last(forgot).loss)} against ${
        fmt(last(correct).loss)
      }`) +
    `, test accuracy ${forgot.accuracy.toFixed(2)}% against ${correct.accuracy.toFixed(2)}%.`,
);

// 2. and 3. Learning rates.
console.log("\n2.–3. Learning rates far too high and far too low, beside the seed's Adam(lr 1e-3)");
const adam = (lr: number) => (p: Tensor[]) => new Adam(p, { lr });
const lrRuns = [
  await train("Adam lr 1e-3", adam(1e-3)),
  await train("Adam lr 1.0", adam(1)),
  await train("SGD lr 1000", (p) => new SGD(p, { lr: 1000 })),
  await train("Adam lr 1e-7", adam(1e-7)),
];
console.log(terminalTable({
  header: [
    "run",
    `mean loss, steps 1–${every}`,
    `mean loss, last ${every} steps`,
    "diverged at step",
    "test accuracy",
  ],
  rows: lrRuns.map((r) => [
    r.name,
    fmt(r.points[0].loss),
    fmt(last(r).loss),
    r.divergedAt === null ? "—" : String(r.divergedAt),
    `${r.accuracy.toFixed(2)}%`,
  ]),
}));
const [reference, adamHigh, sgdHigh, adamLow] = lrRuns;
for (const run of [adamHigh, sgdHigh]) {
  console.log(
    run.divergedAt !== null
      ? `→ ${run.name}: DIVERGED — the loss became non-finite at step ${run.divergedAt} (the mean of the ` +
        `last ${every} steps is ${fmt(last(run).loss)}); the run stopped at step ${
          last(run).step
        }, the next ` +
        "read-back. Lower the learning rate."
      : `→ ${run.name}: no non-finite loss in ${steps} steps, but the loss ended at ${fmt(last(run).loss)} ` +
        `against ${fmt(last(reference).loss)} at lr 1e-3: unstable, not learning.`,
  );
}
console.log(
  `→ ${adamLow.name}: no progress — the mean loss went from ${
    fmt(adamLow.points[0].loss)
  } (steps 1–${every}) ` +
    `to ${
      fmt(last(adamLow).loss)
    } (the last ${every}) in ${steps} steps, chance level being ln 10 ≈ 2.3026, ` +
    `while lr 1e-3 brought it to ${fmt(last(reference).loss)}; test accuracy ` +
    `${adamLow.accuracy.toFixed(2)}% against ${reference.accuracy.toFixed(2)}%.`,
);

/** The ceiling of the learning-rate panel's loss axis: a diverging run goes far past it. */
const LOSS_CEILING = 1e4;

/**
 * Top: the zeroGrad runs' loss and gradient norm. Bottom: the learning-rate runs' loss, cut off at
 * {@link LOSS_CEILING}, with a rule where a run diverged.
 */
function plotSpec(): TopLevelSpec {
  const rows = (runs: Run[]): object[] =>
    runs.flatMap((r) => r.points.filter((p) => Number.isFinite(p.loss)).map((p) => ({ run: r.name, ...p })));
  const x = { field: "step", type: "quantitative", title: "training step", scale: { domain: [0, steps] } };
  const color = (runs: Run[]): object => ({
    field: "run",
    type: "nominal",
    scale: { domain: runs.map((r) => r.name) },
    legend: { labelLimit: 400 },
  });
  const line = (field: string, title: string, runs: Run[], scale: object = { type: "log" }): object => ({
    width: 340,
    height: 220,
    data: { values: rows(runs) },
    mark: { type: "line", point: true, clip: true },
    encoding: { x, y: { field, type: "quantitative", title, scale }, color: color(runs) },
  });
  const diverged = lrRuns.filter((r) => r.divergedAt !== null).map((r) => ({
    step: r.divergedAt,
    label: `${r.name}: non-finite loss at step ${r.divergedAt}`,
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Common mistakes on the seed's MNIST model",
      subtitle: `mean loss of every ${every} steps, and the gradient norm at those steps`,
    },
    resolve: { scale: { color: "independent" } },
    vconcat: [{
      title: "1. Forgetting zeroGrad()",
      hconcat: [
        line("loss", "training loss", [correct, forgot]),
        line("gradNorm", "gradient norm", [correct, forgot]),
      ],
    }, {
      title: `2.–3. Learning rates (loss axis cut off at ${LOSS_CEILING.toExponential()})`,
      layer: [
        line("loss", "training loss", lrRuns, { type: "log", domain: [0.1, LOSS_CEILING] }),
        {
          data: { values: diverged },
          layer: [
            { mark: { type: "rule", color: "#c00", strokeDash: [4, 4] }, encoding: { x } },
            {
              mark: { type: "text", color: "#c00", align: "right", dx: -4, y: 10 },
              encoding: { x, text: { field: "label" } },
            },
          ],
        },
      ],
    }],
  } as TopLevelSpec;
}

await Deno.mkdir(args.out, { recursive: true });
const path = `${args.out.replace(/\/$/, "")}/common_mistakes.svg`;
await writeSvg(plotSpec(), path);
console.log(`\nWrote ${path}: the loss and gradient-norm curves of every run`);
