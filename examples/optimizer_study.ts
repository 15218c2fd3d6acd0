/**
 * The seed's exercise 4: a grid of optimizers × learning-rate schedulers, each pair training the same small CNN
 * (two Conv2d → ReLU → MaxPool2d blocks and a Linear layer, see examples/models.ts) from the same initial weights
 * on the same batches, on MNIST (default) or CIFAR-10 (`--dataset cifar10 --root DIR`, the folder of the
 * "CIFAR-10 binary version"). It prints a table of test accuracy per optimizer and scheduler and writes to
 * `--out`:
 *
 *   optimizer_study_<dataset>.json   every finished run (the results file; a rerun skips the runs it holds)
 *   optimizer_study_<dataset>.md     the tables, in Markdown
 *   optimizer_study_<dataset>.svg    test accuracy as a heat map, and the training loss of every run (Vega-Lite)
 *
 *   deno run --allow-read --allow-write=results examples/optimizer_study.ts
 *       [--optimizers sgd,adam,rmsprop] [--schedulers none,step,cosine,onecycle] [--lr sgd=0.01,…]
 *       [--dataset mnist|cifar10] [--root DIR] [--subset 5000] [--test-subset 2000] [--epochs 1]
 *       [--batch-size 64] [--device auto|cpu|webgpu] [--seed 0] [--out results]
 *
 * The defaults (12 runs on the first 5,000 training and 2,000 test images, one epoch) take a few minutes on two
 * CPU cores; `--subset 0 --test-subset 0` uses whole splits. Schedulers step after every batch, their lengths
 * set by the run's total steps: step (StepLR, ×0.1 halfway), cosine (CosineAnnealingLR to 0), onecycle
 * (OneCycleLR peaking at the optimizer's lr; it cycles momentum or beta1 where the optimizer has them),
 * warmup-cosine (10% linear warmup), exponential (to 1% of the lr), none. A results file made with other
 * settings (dataset, subsets, epochs, batch size, seed) is refused rather than mixed: use another --out.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { parseArgs } from "../deps.ts";
import {
  CIFAR10,
  CosineAnnealingLR,
  DataLoader,
  type Dataset,
  ExponentialLR,
  manualSeed,
  OneCycleLR,
  type Optimizer,
  StepLR,
  transforms,
  WarmupCosineLR,
} from "../mod.ts";
import { deviceFlag, nonNegativeInteger, openDevice, positiveInteger, seedMnist } from "./setup.ts";
import { smallCnn } from "./models.ts";
import { learningRates, optimizerNames, OPTIMIZERS } from "./optimizer_choices.ts";
import { writeSvg } from "./svg_plot.ts";
import { markdownTable, type Table, terminalTable } from "./text_table.ts";
import { evaluate, trainEpoch } from "./train_loop.ts";

/** A scheduler stepped after every batch of a run of `total` steps, or nothing to step. */
const SCHEDULERS: Record<string, (optimizer: Optimizer<{ lr: number }>, total: number) => { step(): void }> =
  {
    none: () => ({ step: () => {} }),
    step: (o, total) => new StepLR(o, { stepSize: Math.ceil(total / 2), gamma: 0.1 }),
    cosine: (o, total) => new CosineAnnealingLR(o, { tMax: total }),
    onecycle: (o, total) => {
      const defaults: Record<string, unknown> = o.defaults;
      const cycleMomentum = Number(defaults.momentum ?? 0) > 0 || "betas" in defaults;
      return new OneCycleLR(o, { maxLr: o.paramGroups[0].lr, totalSteps: total, cycleMomentum });
    },
    "warmup-cosine": (o, total) =>
      new WarmupCosineLR(o, { warmupSteps: Math.max(1, Math.round(total / 10)), totalSteps: total }),
    exponential: (o, total) => new ExponentialLR(o, { gamma: 0.01 ** (1 / total) }),
  };

const args = parseArgs(Deno.args, {
  optimizers: "sgd,adam,rmsprop",
  schedulers: "none,step,cosine,onecycle",
  lr: "",
  dataset: "mnist",
  root: "",
  subset: "5000",
  "test-subset": "2000",
  epochs: "1",
  "batch-size": "64",
  device: "auto",
  seed: "0",
  out: "results",
});
const optimizers = optimizerNames(args.optimizers);
const lrs = learningRates(args.lr, optimizers);
const schedulers = args.schedulers.split(",").map((s) => s.trim()).filter((s) => s !== "");
for (const name of schedulers) {
  if (!(name in SCHEDULERS)) {
    throw new Error(`unknown scheduler "${name}": expected one of ${Object.keys(SCHEDULERS).join(", ")}`);
  }
}
if (schedulers.length === 0) {
  throw new Error(`--schedulers needs at least one name, got "${args.schedulers}"`);
}
const epochs = positiveInteger("epochs", args.epochs);
const batchSize = positiveInteger("batch-size", args["batch-size"]);
const seed = nonNegativeInteger("seed", args.seed);
const subset = nonNegativeInteger("subset", args.subset);
const testSubset = nonNegativeInteger("test-subset", args["test-subset"]);
const dataset = args.dataset;
if (dataset !== "mnist" && dataset !== "cifar10") {
  throw new Error(`--dataset must be mnist or cifar10, got ${dataset}`);
}
if (dataset === "cifar10" && args.root === "") {
  throw new Error(
    '--dataset cifar10 needs --root DIR: the folder of the "CIFAR-10 binary version" (cifar-10-batches-bin)',
  );
}
deviceFlag(args.device);

/** The first `n` samples of `data` (all when n is 0 or more than it has). */
function firstSamples(data: Dataset, n: number): Dataset {
  const length = n === 0 ? data.length : Math.min(n, data.length);
  return {
    length,
    get: (i) => {
      if (i >= length) throw new RangeError(`index ${i} is out of range for a subset of ${length} samples`);
      return data.get(i);
    },
    getBatch: data.getBatch?.bind(data),
  };
}

async function load(train: boolean): Promise<Dataset> {
  if (dataset === "mnist") return await seedMnist(train);
  const transform = transforms.compose(
    transforms.toTensor(),
    transforms.normalize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
  );
  return await CIFAR10.load({ train, root: args.root, transform });
}

/** The settings every run of one results file shares. */
const settings = {
  dataset,
  model: dataset === "mnist" ? "smallCnn(1, 28)" : "smallCnn(3, 32)",
  subset,
  testSubset,
  epochs,
  batchSize,
  seed,
};

/** One finished run. Losses are null where they were not finite (the run diverged). */
interface RunRecord {
  optimizer: string;
  lr: number;
  scheduler: string;
  testAccuracy: number;
  testLoss: number | null;
  trainLoss: number | null;
  diverged: boolean;
  seconds: number;
  device: string;
  /** Mean training loss of every `curveEvery` steps, at the run's step count. */
  curve: { step: number; loss: number | null }[];
}

interface ResultsFile {
  settings: typeof settings;
  runs: Record<string, RunRecord>;
}

const out = args.out.replace(/\/$/, "");
const base = `${out}/optimizer_study_${dataset}`;
const resultsPath = `${base}.json`;

async function readResults(): Promise<ResultsFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(resultsPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { settings, runs: {} };
    throw error;
  }
  const saved = JSON.parse(text) as ResultsFile;
  const differing = Object.keys(settings).filter((key) =>
    saved.settings?.[key as keyof typeof settings] !== settings[key as keyof typeof settings]
  );
  if (differing.length > 0) {
    throw new Error(
      `${resultsPath} holds runs made with other settings (${
        differing.map((k) =>
          `${k} ${saved.settings?.[k as keyof typeof settings]} there, ` +
          `${settings[k as keyof typeof settings]} now`
        ).join("; ")
      }): pass another --out, or delete the file to start over`,
    );
  }
  return saved;
}

/** Writes the results file whole, through a temporary file and a rename, so an interrupted write loses nothing. */
async function writeResults(results: ResultsFile): Promise<void> {
  await Deno.writeTextFile(`${resultsPath}.tmp`, JSON.stringify(results, null, 1) + "\n");
  await Deno.rename(`${resultsPath}.tmp`, resultsPath);
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
const keyOf = (optimizer: string, scheduler: string): string => `${optimizer}@${lrs[optimizer]}/${scheduler}`;

await Deno.mkdir(out, { recursive: true });
const results = await readResults();
const todo = optimizers.flatMap((o) => schedulers.map((s) => [o, s] as const)).filter(([o, s]) =>
  !(keyOf(o, s) in results.runs)
);
const total = optimizers.length * schedulers.length;
if (todo.length < total) {
  console.log(`${resultsPath} holds ${total - todo.length} of the ${total} runs: they are skipped`);
}

if (todo.length > 0) {
  const dev = await openDevice(args.device);
  const trainSet = firstSamples(await load(true), settings.subset);
  const testLoader = new DataLoader(firstSamples(await load(false), settings.testSubset), { batchSize: 500 });
  const [channels, side] = dataset === "mnist" ? [1, 28] : [3, 32];
  console.log(
    `${dataset}: ${trainSet.length} training and ${testLoader.dataset.length} test images; ${todo.length} runs`,
  );
  for (const [index, [optimizerName, schedulerName]] of todo.entries()) {
    manualSeed(seed);
    const model = await smallCnn(channels, side).to(dev);
    const optimizer = OPTIMIZERS[optimizerName].make(model.parameters(), lrs[optimizerName]);
    const loader = new DataLoader(trainSet, { batchSize, shuffle: true, seed });
    const steps = epochs * loader.length;
    const scheduler = SCHEDULERS[schedulerName](optimizer, steps);
    const curveEvery = Math.max(1, Math.round(steps / 20));
    const curve: RunRecord["curve"] = [];
    const start = performance.now();
    let trainLoss = NaN;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const stats = await trainEpoch({
        model,
        loader,
        optimizer,
        device: dev,
        afterStep: () => scheduler.step(),
        curveEvery,
        label: `[${index + 1}/${todo.length}] ${optimizerName}+${schedulerName} ${epoch + 1}/${epochs}`,
      });
      trainLoss = stats.loss;
      curve.push(...stats.curve.map((p) => ({ step: epoch * loader.length + p.step, loss: finite(p.loss) })));
    }
    const test = await evaluate(model, testLoader, dev);
    const record: RunRecord = {
      optimizer: optimizerName,
      lr: lrs[optimizerName],
      scheduler: schedulerName,
      testAccuracy: test.accuracy,
      testLoss: finite(test.loss),
      trainLoss: finite(trainLoss),
      diverged: !Number.isFinite(trainLoss) || !Number.isFinite(test.loss),
      seconds: (performance.now() - start) / 1000,
      device: `${dev.type} (${dev.name})`,
      curve,
    };
    results.runs[keyOf(optimizerName, schedulerName)] = record;
    await writeResults(results);
    console.log(
      `[${index + 1}/${todo.length}] ${optimizerName} (lr ${record.lr}) + ${schedulerName}: ` +
        `test accuracy ${record.testAccuracy.toFixed(2)}%, train loss ${
          record.trainLoss?.toFixed(4) ?? "not finite"
        }` +
        `${record.diverged ? " (diverged)" : ""}, ${record.seconds.toFixed(1)} s`,
    );
  }
}

const runs = optimizers.flatMap((o) => schedulers.map((s) => results.runs[keyOf(o, s)]));
const accuracyCell = (r: RunRecord): string =>
  `${r.testAccuracy.toFixed(2)}%${r.diverged ? " (diverged)" : ""}`;
const grid: Table = {
  header: ["optimizer (lr)", ...schedulers],
  rows: optimizers.map((
    o,
  ) => [`${o} (${lrs[o]})`, ...schedulers.map((s) => accuracyCell(results.runs[keyOf(o, s)]))]),
};
const long: Table = {
  header: ["optimizer", "lr", "scheduler", "test accuracy", "test loss", "train loss", "seconds", "device"],
  align: ["left", "right", "left", "right", "right", "right", "right", "left"],
  rows: runs.map((r) => [
    r.optimizer,
    String(r.lr),
    r.scheduler,
    accuracyCell(r),
    r.testLoss?.toFixed(4) ?? "—",
    r.trainLoss?.toFixed(4) ?? "—",
    r.seconds.toFixed(1),
    r.device,
  ]),
};
const described = `${settings.model} on ${dataset} (${settings.subset || "all"} training images, ` +
  `${settings.testSubset || "all"} test images), ${epochs} epoch${
    epochs > 1 ? "s" : ""
  }, batch ${batchSize}, ` +
  `seed ${seed}`;
console.log(`\nTest accuracy, ${described}:\n`);
console.log(terminalTable(grid));

/** Test accuracy as a heat map over optimizer × scheduler, above every run's training loss. */
function plotSpec(): TopLevelSpec {
  const cells = runs.map((r) => ({
    ...r,
    label: `${r.testAccuracy.toFixed(1)}%`,
    optimizer: `${r.optimizer}`,
  }));
  const curves = runs.flatMap((r) =>
    r.curve.filter((p) => p.loss !== null).map((p) => ({
      optimizer: r.optimizer,
      scheduler: r.scheduler,
      step: p.step,
      loss: p.loss,
    }))
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Optimizers × schedulers", subtitle: described },
    vconcat: [{
      width: 80 * schedulers.length,
      height: 40 * optimizers.length,
      data: { values: cells },
      encoding: {
        x: { field: "scheduler", type: "nominal", sort: schedulers, title: "scheduler" },
        y: { field: "optimizer", type: "nominal", sort: optimizers, title: "optimizer" },
      },
      layer: [{
        mark: "rect",
        encoding: {
          color: { field: "testAccuracy", type: "quantitative", title: "test accuracy (%)" },
        },
      }, {
        mark: { type: "text", fontSize: 12 },
        encoding: { text: { field: "label" }, color: { value: "black" } },
      }],
    }, {
      data: { values: curves },
      facet: { column: { field: "optimizer", type: "nominal", sort: optimizers, title: null } },
      spec: {
        width: 240,
        height: 180,
        mark: { type: "line" },
        encoding: {
          x: { field: "step", type: "quantitative", title: "training step" },
          y: { field: "loss", type: "quantitative", title: "training loss", scale: { type: "log" } },
          color: { field: "scheduler", type: "nominal", scale: { domain: schedulers } },
        },
      },
    }],
  } as TopLevelSpec;
}

await Deno.writeTextFile(
  `${base}.md`,
  `# Optimizers × schedulers\n\n${described}. Schedulers step after every batch. Test accuracy:\n\n` +
    `${markdownTable(grid)}\n\nEvery run:\n\n${markdownTable(long)}\n`,
);
await writeSvg(plotSpec(), `${base}.svg`);
console.log(
  `\nWrote ${resultsPath} (every run; a rerun skips them), ${base}.md (the tables) and ${base}.svg (the plot)`,
);
