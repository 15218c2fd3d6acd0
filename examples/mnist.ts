/**
 * The seed's MNIST script in gradstep: SimpleNN (Flatten → Linear(784, 128) → ReLU → Linear(128, 10)),
 * CrossEntropyLoss, Adam (lr 1e-3), batch 64, shuffled, 5 epochs; prints the seed's lines every 100 steps and the
 * test-set accuracy at the end.
 *
 *   deno run --allow-read examples/mnist.ts [--epochs 5] [--batch-size 64] [--lr 0.001] [--optimizer adam|sgd]
 *                                           [--device auto|cpu|webgpu] [--seed N] [--clip-grad-norm X] [--amp]
 *
 * --checkpoint-every N saves a checkpoint every N steps to <--checkpoint-dir>/mnist.safetensors (default dir
 * "checkpoints"; needs --allow-write=checkpoints), replacing the last one atomically; --resume PATH continues a
 * run from a checkpoint — model, optimizer, random generator and the data loader's place in its epoch — e.g. after
 * a lost WebGPU device stopped it (run it with the same --optimizer and --batch-size).
 *
 * --amp trains in mixed precision: the forward pass and the loss under autocast (the matrix products in float16,
 * the loss in float32) and a GradScaler scaling the loss and skipping steps whose gradients overflowed, decided on
 * the device. On a WebGPU adapter without shader-f16 autocast says so and runs in float32.
 *
 * @module
 */
import { parseArgs } from "../deps.ts";
import {
  Adam,
  autocast,
  clipGradNorm,
  CrossEntropyLoss,
  DataLoader,
  GradScaler,
  load,
  manualSeed,
  noGrad,
  type Optimizer,
  save,
  SGD,
  zeros,
} from "../mod.ts";
import { SimpleNN } from "./models.ts";
import { ProgressBar } from "./progress.ts";
import { nonNegativeInteger, openDevice, positiveInteger, seedMnist } from "./setup.ts";

// --amp is a switch; parseArgs (string options) gets the other flags.
const amp = Deno.args.includes("--amp");
const args = parseArgs(Deno.args.filter((a) => a !== "--amp"), {
  epochs: "5",
  "batch-size": "64",
  lr: "0.001",
  optimizer: "adam",
  device: "auto",
  seed: "",
  "clip-grad-norm": "",
  "checkpoint-every": "",
  "checkpoint-dir": "checkpoints",
  resume: "",
});
const epochs = positiveInteger("epochs", args.epochs);
const batchSize = positiveInteger("batch-size", args["batch-size"]);
const lr = Number(args.lr);
if (!(lr >= 0)) throw new Error(`--lr must be a non-negative number, got ${args.lr}`);
// --clip-grad-norm X clips the gradients' total 2-norm to X after backward, before step (on the device).
const maxGradNorm = args["clip-grad-norm"] === "" ? undefined : Number(args["clip-grad-norm"]);
if (maxGradNorm !== undefined && !(maxGradNorm > 0)) {
  throw new Error(`--clip-grad-norm must be a positive number, got ${args["clip-grad-norm"]}`);
}
const checkpointEvery = args["checkpoint-every"] === ""
  ? undefined
  : positiveInteger("checkpoint-every", args["checkpoint-every"]);

// Like the seed's script, no seed by default: gradstep's default generator starts from a fixed state, so an
// unseeded run is reproducible too. --seed N gives other (equally reproducible) runs.
if (args.seed !== "") manualSeed(nonNegativeInteger("seed", args.seed));
const dev = await openDevice(args.device);

const trainLoader = new DataLoader(await seedMnist(true), { batchSize, shuffle: true });
const testLoader = new DataLoader(await seedMnist(false), { batchSize: 1000 });

const model = await new SimpleNN().to(dev);
const criterion = new CrossEntropyLoss();
const optimizers: Record<string, () => Optimizer<{ lr: number }>> = {
  adam: () => new Adam(model.parameters(), { lr }),
  sgd: () => new SGD(model.parameters(), { lr, momentum: 0.9 }),
};
if (!(args.optimizer in optimizers)) {
  throw new Error(`--optimizer must be one of ${Object.keys(optimizers)}, got ${args.optimizer}`);
}
const optimizer = optimizers[args.optimizer]();
const scaler = new GradScaler({ enabled: amp });
if (amp) console.log("Mixed precision: autocast (float16 matrix products) and a GradScaler");

// Where training starts: epoch 0, or where the checkpoint given to --resume left off.
let start = { epoch: 0, step: 0 };
if (args.resume !== "") {
  start = await load<typeof start>(args.resume, {
    model,
    optimizer,
    dataLoader: trainLoader,
    ...(amp ? { scaler } : {}),
  });
  console.log(`Resumed from ${args.resume} at epoch ${start.epoch + 1}, step ${start.step}`);
}
const checkpointPath = `${args["checkpoint-dir"]}/mnist.safetensors`;
if (checkpointEvery !== undefined) await Deno.mkdir(args["checkpoint-dir"], { recursive: true });
let steps = 0;

async function train(): Promise<void> {
  model.train();
  for (let epoch = start.epoch; epoch < epochs; epoch++) {
    // Loss and accuracy accumulate on the device and are read every 100 steps, not every step.
    let runningLoss = zeros([], { device: dev });
    let correct = zeros([], { device: dev, dtype: "int32" });
    let total = 0;
    let i = epoch === start.epoch ? start.step : 0;
    const bar = new ProgressBar(trainLoader.length, { label: `Epoch ${epoch + 1}/${epochs}` });
    for await (const [cpuImages, cpuLabels] of trainLoader) {
      const images = await cpuImages.to(dev);
      const labels = await cpuLabels.to(dev);
      optimizer.zeroGrad();
      const { outputs, loss } = autocast(() => {
        const outputs = model.forward(images);
        return { outputs, loss: criterion.forward(outputs, labels) };
      }, { enabled: amp });
      scaler.scale(loss).backward();
      if (maxGradNorm !== undefined) {
        scaler.unscale(optimizer); // clip the true gradients, not the scaled ones
        clipGradNorm(model.parameters(), maxGradNorm).dispose();
      }
      scaler.step(optimizer);
      scaler.update();
      if (checkpointEvery !== undefined && ++steps % checkpointEvery === 0) {
        const next = i + 1 === trainLoader.length ? { epoch: epoch + 1, step: 0 } : { epoch, step: i + 1 };
        await save(checkpointPath, {
          model,
          optimizer,
          dataLoader: trainLoader,
          ...(amp ? { scaler } : {}),
          extra: next,
        });
      }
      noGrad(() => {
        runningLoss = runningLoss.add(loss);
        correct = correct.add(outputs.argmax(1).eq(labels).sum());
      });
      total += labels.shape[0];
      i++;
      bar.update(i);
      if (i % 100 === 0) {
        const [lossSum, hits] = await Promise.all([runningLoss.item(), correct.item()]);
        bar.log(
          `Epoch [${epoch + 1}/${epochs}], Step [${i}/${trainLoader.length}], ` +
            `Loss: ${(lossSum / 100).toFixed(4)}, Accuracy: ${((100 * hits) / total).toFixed(2)}%`,
        );
        runningLoss = zeros([], { device: dev });
      }
    }
    bar.done();
  }
}

async function evaluate(): Promise<number> {
  model.eval();
  let correct = 0;
  let total = 0;
  for await (const [cpuImages, cpuLabels] of testLoader) {
    const images = await cpuImages.to(dev);
    const labels = await cpuLabels.to(dev);
    const outputs = noGrad(() => autocast(() => model.forward(images), { enabled: amp }));
    correct += await noGrad(() => outputs.argmax(1).eq(labels).sum()).item();
    total += labels.shape[0];
  }
  return (100 * correct) / total;
}

const started = performance.now();
await train();
const seconds = (performance.now() - started) / 1000;
console.log(`Training took ${seconds.toFixed(1)} s (${(seconds / epochs).toFixed(1)} s per epoch)`);
console.log(`Test Accuracy: ${(await evaluate()).toFixed(2)}%`);
