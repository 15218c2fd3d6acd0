/**
 * The seed's exercise 1: the seed's MNIST model (SimpleNN: Flatten → Linear(784, 128) → ReLU → Linear(128, 10),
 * CrossEntropyLoss, batch 64, shuffled) trained with SGD, Adam and RMSprop — or the optimizers `--optimizers`
 * lists — from the same initial weights on the same batches. After every epoch it evaluates the test set; it
 * prints a table of final test accuracy and of the epoch at which each first reached 97%, and writes to `--out`:
 *
 *   compare_optimizers.md    the table, in Markdown
 *   compare_optimizers.svg   loss and accuracy per epoch per optimizer (Vega-Lite)
 *   compare_optimizers.json  every epoch's figures
 *
 *   deno run --allow-read --allow-write=results examples/compare_optimizers.ts
 *       [--optimizers sgd,adam,rmsprop] [--lr sgd=0.01,adam=0.001,…] [--epochs 3] [--batch-size 64]
 *       [--device auto|cpu|webgpu] [--seed 0] [--out results]
 *
 * Learning rates default to the seed's (SGD 0.01 with momentum 0.9, Adam 0.001, RMSprop 0.01 with alpha 0.99);
 * see examples/optimizer_choices.ts for the other names. Writing elsewhere than results/ needs --allow-write for
 * that folder.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import { parseArgs } from "../deps.ts";
import { DataLoader, manualSeed } from "../mod.ts";
import { SimpleNN } from "./models.ts";
import { nonNegativeInteger, openDevice, positiveInteger, seedMnist } from "./setup.ts";
import { learningRates, optimizerNames, OPTIMIZERS } from "./optimizer_choices.ts";
import { writeSvg } from "./svg_plot.ts";
import { markdownTable, type Table, terminalTable } from "./text_table.ts";
import { evaluate, trainEpoch } from "./train_loop.ts";

const TARGET = 97;

const args = parseArgs(Deno.args, {
  optimizers: "sgd,adam,rmsprop",
  lr: "",
  epochs: "3",
  "batch-size": "64",
  device: "auto",
  seed: "0",
  out: "results",
});
const names = optimizerNames(args.optimizers);
const lrs = learningRates(args.lr, names);
const epochs = positiveInteger("epochs", args.epochs);
const batchSize = positiveInteger("batch-size", args["batch-size"]);
const seed = nonNegativeInteger("seed", args.seed);

const dev = await openDevice(args.device);
const trainSet = await seedMnist(true);
const testLoader = new DataLoader(await seedMnist(false), { batchSize: 1000 });

/** One epoch's figures; epoch 0 is the untrained model (no training figures). */
interface EpochRecord {
  epoch: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
}

/** Trains one fresh model with optimizer `name`, from weights and batches that depend on `seed` alone. */
async function run(name: string): Promise<EpochRecord[]> {
  manualSeed(seed);
  const model = await new SimpleNN().to(dev);
  const optimizer = OPTIMIZERS[name].make(model.parameters(), lrs[name]);
  const loader = new DataLoader(trainSet, { batchSize, shuffle: true, seed });
  const initial = await evaluate(model, testLoader, dev);
  const records: EpochRecord[] = [{
    epoch: 0,
    trainLoss: null,
    trainAccuracy: null,
    testLoss: initial.loss,
    testAccuracy: initial.accuracy,
    seconds: 0,
  }];
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const train = await trainEpoch({
      model,
      loader,
      optimizer,
      device: dev,
      label: `${name} ${epoch}/${epochs}`,
    });
    const test = await evaluate(model, testLoader, dev);
    const seconds = (performance.now() - start) / 1000;
    records.push({
      epoch,
      trainLoss: train.loss,
      trainAccuracy: train.accuracy,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      seconds,
    });
    console.log(
      `${name.padEnd(8)} epoch ${epoch}/${epochs}: train loss ${train.loss.toFixed(4)}, ` +
        `train acc ${train.accuracy.toFixed(2)}%, test loss ${test.loss.toFixed(4)}, ` +
        `test acc ${test.accuracy.toFixed(2)}% (${seconds.toFixed(1)} s)`,
    );
  }
  return records;
}

const results: Record<string, EpochRecord[]> = {};
for (const name of names) results[name] = await run(name);

const table: Table = {
  header: ["optimizer", "lr", "settings", "test accuracy", `epochs to ${TARGET}%`, "train loss", "seconds"],
  align: ["left", "right", "left", "right", "right", "right", "right"],
  rows: names.map((name) => {
    const records = results[name];
    const last = records[records.length - 1];
    const reached = records.find((r) => r.epoch > 0 && r.testAccuracy >= TARGET);
    return [
      name,
      String(lrs[name]),
      OPTIMIZERS[name].settings || "defaults",
      `${last.testAccuracy.toFixed(2)}%`,
      reached === undefined ? "—" : String(reached.epoch),
      last.trainLoss!.toFixed(4),
      last.seconds.toFixed(1),
    ];
  }),
};
console.log(
  `\nAfter ${epochs} epoch${epochs > 1 ? "s" : ""} (seed ${seed}, batch ${batchSize}, ${dev.type}):\n`,
);
console.log(terminalTable(table));

/** Training loss, test loss and test accuracy per epoch, one colour per optimizer. */
function plotSpec(): TopLevelSpec {
  const values = names.flatMap((optimizer) => results[optimizer].map((r) => ({ optimizer, ...r })));
  const x = {
    field: "epoch",
    type: "quantitative",
    title: "epoch",
    scale: { domain: [0, epochs] },
    axis: { tickMinStep: 1, format: "d" },
  };
  const color = { field: "optimizer", type: "nominal", scale: { domain: names } };
  const panel = (field: string, title: string, scale: object): object => ({
    width: 280,
    height: 240,
    transform: [{ filter: `datum.${field} !== null` }],
    mark: { type: "line", point: true },
    encoding: { x, y: { field, type: "quantitative", title, scale }, color },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `SimpleNN on MNIST: ${names.join(", ")} from the same initial weights (seed ${seed})`,
      subtitle: `batch ${batchSize}; epoch 0 is the untrained model; dashed rule: ${TARGET}% test accuracy`,
    },
    data: { values },
    hconcat: [
      panel("trainLoss", "training loss (epoch mean)", { type: "log" }),
      panel("testLoss", "test loss", { type: "log" }),
      {
        layer: [
          {
            ...panel("testAccuracy", "test accuracy (%)", { zero: false }),
            transform: [{ filter: "datum.epoch > 0" }],
          },
          {
            data: { values: [{ target: TARGET }] },
            mark: { type: "rule", color: "#888", strokeDash: [4, 4] },
            encoding: { y: { field: "target", type: "quantitative" } },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

await Deno.mkdir(args.out, { recursive: true });
const base = `${args.out.replace(/\/$/, "")}/compare_optimizers`;
await Deno.writeTextFile(
  `${base}.md`,
  `# SimpleNN on MNIST: ${epochs} epoch${epochs > 1 ? "s" : ""} per optimizer\n\n` +
    `Same initial weights and batch order for each (seed ${seed}), batch ${batchSize}, ` +
    `device ${dev.type} (${dev.name}). Test accuracy after the last epoch; epochs to ${TARGET}%: the first ` +
    `epoch after which test accuracy was at least ${TARGET}% ("—": never); train loss: the last epoch's mean; ` +
    `seconds: the run's epochs, their evaluations included.\n\n` +
    `${markdownTable(table)}\n`,
);
await writeSvg(plotSpec(), `${base}.svg`);
await Deno.writeTextFile(
  `${base}.json`,
  JSON.stringify({ device: `${dev.type} (${dev.name})`, seed, batchSize, lrs, results }, null, 2) + "\n",
);
console.log(
  `\nWrote ${base}.md (the table), ${base}.svg (the plot) and ${base}.json (every epoch's figures)`,
);
