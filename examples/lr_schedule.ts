/**
 * The seed's exercise 2: train the seed's MNIST model (SimpleNN, CrossEntropyLoss, batch 64, shuffled) under a
 * learning-rate scheduler, and plot the learning rate at every step above the training loss (the mean of every 100
 * steps, and of each epoch) to an SVG file, drawn by Vega-Lite (npm `vega-lite` compiled to Vega, rendered to SVG
 * headless by npm `vega`).
 *
 *   deno run --allow-read --allow-write=lr_schedule.svg examples/lr_schedule.ts
 *       [--scheduler step|multistep|exponential|cosine|cosine-restarts|cyclic|onecycle|plateau|wsd|warmup-cosine|none]
 *       [--epochs 3] [--optimizer sgd|adam] [--lr 0.05 for sgd, 0.001 for adam] [--batch-size 64]
 *       [--out lr_schedule.svg] [--device auto|cpu|webgpu] [--seed N]
 *
 * step, multistep, exponential and plateau (on the epoch's training loss) step once per epoch, the others after
 * every batch; their lengths scale with --epochs. SGD has momentum 0.9, which cyclic and onecycle cycle (beta1 for
 * Adam). Writing elsewhere than lr_schedule.svg needs --allow-write for that file.
 *
 * @module
 */
import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import { compile } from "vega-lite";
import { parseArgs } from "../deps.ts";
import {
  Adam,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CrossEntropyLoss,
  CyclicLR,
  DataLoader,
  ExponentialLR,
  manualSeed,
  MultiStepLR,
  noGrad,
  OneCycleLR,
  type Optimizer,
  ReduceLROnPlateau,
  SGD,
  StepLR,
  WarmupCosineLR,
  WarmupStableDecayLR,
  zeros,
} from "../mod.ts";
import { SimpleNN } from "./models.ts";
import { nonNegativeInteger, openDevice, positiveInteger, seedMnist } from "./setup.ts";

const args = parseArgs(Deno.args, {
  scheduler: "cosine",
  epochs: "3",
  optimizer: "sgd",
  lr: "",
  "batch-size": "64",
  out: "lr_schedule.svg",
  device: "auto",
  seed: "",
});
const epochs = positiveInteger("epochs", args.epochs);
const batchSize = positiveInteger("batch-size", args["batch-size"]);
const lr = Number(args.lr || (args.optimizer === "adam" ? 0.001 : 0.05));
if (!(lr > 0)) throw new Error(`--lr must be positive, got ${args.lr}`);

if (args.seed !== "") manualSeed(nonNegativeInteger("seed", args.seed));
const dev = await openDevice(args.device);

const trainLoader = new DataLoader(await seedMnist(true), { batchSize, shuffle: true });
const testLoader = new DataLoader(await seedMnist(false), { batchSize: 1000 });
const stepsPerEpoch = trainLoader.length;
const totalSteps = epochs * stepsPerEpoch;

const model = await new SimpleNN().to(dev);
const criterion = new CrossEntropyLoss();
const optimizers: Record<string, () => Optimizer<{ lr: number }>> = {
  sgd: () => new SGD(model.parameters(), { lr, momentum: 0.9 }),
  adam: () => new Adam(model.parameters(), { lr }),
};
if (!(args.optimizer in optimizers)) {
  throw new Error(`--optimizer must be one of ${Object.keys(optimizers)}, got ${args.optimizer}`);
}
const optimizer = optimizers[args.optimizer]();

/** When a scheduler steps, and how: after every batch, or at the end of each epoch (given its mean loss). */
interface Plan {
  every: "batch" | "epoch";
  step(at: { epoch: number; batch: number; loss: number }): void;
}
const each = (every: "batch" | "epoch", scheduler: { step(): void }): Plan => ({
  every,
  step: () => scheduler.step(),
});
const plans: Record<string, () => Plan> = {
  none: () => ({ every: "epoch", step: () => {} }),
  step: () =>
    each("epoch", new StepLR(optimizer, { stepSize: Math.max(1, Math.round(epochs / 3)), gamma: 0.1 })),
  multistep: () =>
    each(
      "epoch",
      new MultiStepLR(optimizer, { milestones: [Math.ceil(epochs / 2), Math.ceil(epochs * 0.75)] }),
    ),
  exponential: () => each("epoch", new ExponentialLR(optimizer, { gamma: 0.7 })),
  plateau: () => {
    const scheduler = new ReduceLROnPlateau(optimizer, { factor: 0.5, patience: 0 });
    return { every: "epoch", step: ({ loss }) => scheduler.step(loss) };
  },
  cosine: () => each("batch", new CosineAnnealingLR(optimizer, { tMax: totalSteps })),
  "cosine-restarts": () => {
    const scheduler = new CosineAnnealingWarmRestarts(optimizer, { t0: 1, tMult: 2 });
    return { every: "batch", step: ({ epoch, batch }) => scheduler.step(epoch + batch / stepsPerEpoch) };
  },
  cyclic: () =>
    each(
      "batch",
      new CyclicLR(optimizer, {
        baseLr: lr / 10,
        maxLr: lr,
        stepSizeUp: Math.max(1, Math.round(stepsPerEpoch / 4)),
      }),
    ),
  onecycle: () => each("batch", new OneCycleLR(optimizer, { maxLr: lr, totalSteps })),
  wsd: () =>
    each(
      "batch",
      new WarmupStableDecayLR(optimizer, {
        warmupSteps: Math.round(totalSteps * 0.05),
        decaySteps: Math.round(totalSteps * 0.2),
        totalSteps,
      }),
    ),
  "warmup-cosine": () =>
    each("batch", new WarmupCosineLR(optimizer, { warmupSteps: Math.round(totalSteps * 0.05), totalSteps })),
};
if (!(args.scheduler in plans)) {
  throw new Error(`--scheduler must be one of ${Object.keys(plans).join(", ")}, got ${args.scheduler}`);
}
const plan = plans[args.scheduler]();

/** What the plot shows: the lr of every step, and mean losses every 100 steps and per epoch. */
const lrs: { step: number; lr: number }[] = [];
const losses: { step: number; loss: number; series: string }[] = [];

async function train(): Promise<void> {
  model.train();
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    // Losses accumulate on the device and are read every 100 steps and at the end of the epoch.
    let epochLoss = zeros([], { device: dev });
    let runningLoss = zeros([], { device: dev });
    let batch = 0;
    for await (const [cpuImages, cpuLabels] of trainLoader) {
      const images = await cpuImages.to(dev);
      const labels = await cpuLabels.to(dev);
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(images), labels);
      loss.backward();
      lrs.push({ step: step + 1, lr: optimizer.paramGroups[0].lr });
      optimizer.step();
      if (plan.every === "batch") plan.step({ epoch, batch, loss: NaN });
      noGrad(() => {
        epochLoss = epochLoss.add(loss);
        runningLoss = runningLoss.add(loss);
      });
      step++;
      batch++;
      if (batch % 100 === 0) {
        const mean = (await runningLoss.item()) / 100;
        losses.push({ step, loss: mean, series: "mean of 100 steps" });
        console.log(
          `Epoch [${epoch + 1}/${epochs}], Step [${batch}/${stepsPerEpoch}], Loss: ${mean.toFixed(4)}, ` +
            `LR: ${optimizer.paramGroups[0].lr.toPrecision(4)}`,
        );
        runningLoss = zeros([], { device: dev });
      }
    }
    const mean = (await epochLoss.item()) / batch;
    losses.push({ step, loss: mean, series: "epoch mean" });
    console.log(`Epoch [${epoch + 1}/${epochs}] mean training loss ${mean.toFixed(4)}`);
    if (plan.every === "epoch") plan.step({ epoch, batch, loss: mean });
  }
}

async function evaluate(): Promise<number> {
  model.eval();
  let correct = 0;
  let total = 0;
  for await (const [cpuImages, cpuLabels] of testLoader) {
    const images = await cpuImages.to(dev);
    const labels = await cpuLabels.to(dev);
    correct += await noGrad(() => model.forward(images).argmax(1).eq(labels).sum()).item();
    total += labels.shape[0];
  }
  return (100 * correct) / total;
}

/**
 * The two panels as a Vega-Lite spec: lr per step above training loss per step, sharing the step axis, with the
 * epochs' ends as dashed rules.
 */
function plotSpec(title: string): TopLevelSpec {
  const x = {
    field: "step",
    type: "quantitative",
    title: "training step (batch)",
    scale: { domain: [0, totalSteps] },
  };
  const epochEnds = {
    data: { values: Array.from({ length: epochs }, (_, e) => ({ step: (e + 1) * stepsPerEpoch })) },
    mark: { type: "rule", color: "#aaa", strokeDash: [4, 4] },
    encoding: { x },
  };
  const panel = { width: 640, height: 200 };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle: "dashed lines: ends of epochs" },
    resolve: { legend: { color: "independent" } },
    vconcat: [{
      ...panel,
      layer: [epochEnds, {
        data: { values: lrs },
        mark: { type: "line", interpolate: "step-after", color: "#4c78a8" },
        encoding: { x, y: { field: "lr", type: "quantitative", title: "learning rate" } },
      }],
    }, {
      ...panel,
      layer: [epochEnds, {
        data: { values: losses },
        mark: { type: "line", point: true },
        encoding: {
          x,
          y: { field: "loss", type: "quantitative", title: "training loss", scale: { zero: false } },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            scale: { domain: ["mean of 100 steps", "epoch mean"], range: ["#f58518", "#54a24b"] },
            legend: { orient: "top-right" },
          },
        },
      }],
    }],
  } as TopLevelSpec;
}

const start = performance.now();
await train();
const seconds = (performance.now() - start) / 1000;
const accuracy = await evaluate();
console.log(`Training took ${seconds.toFixed(1)} s; test accuracy ${accuracy.toFixed(2)}%`);

const title =
  `${args.scheduler} schedule, ${args.optimizer} (lr ${lr}), ${epochs} epoch${epochs > 1 ? "s" : ""}: ` +
  `test accuracy ${accuracy.toFixed(2)}%`;
const view = new vega.View(vega.parse(compile(plotSpec(title)).spec), { renderer: "none" });
await Deno.writeTextFile(args.out, await view.toSVG());
view.finalize();
console.log(
  `Wrote ${args.out}: the learning rate per step and the training loss per epoch (and per 100 steps)`,
);
