/**
 * nanoGPT's character-level Shakespeare model trained with gradstep: the README's CPU recipe of
 * karpathy/nanoGPT (config/train_shakespeare_char.py with `--block_size=64 --batch_size=12 --n_layer=4
 * --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0 --eval_iters=20`): AdamW
 * (betas 0.9, 0.99; weight decay 0.1 on the 2-D weights only), lr 1e-3 warmed up over 100 iterations and
 * cosine-decayed to 1e-4 at 2000, gradients clipped to norm 1, no biases. It prints nanoGPT's lines,
 *
 *   step 250: train loss 2.4293, val loss 2.4447
 *   iter 100: loss 2.6635, time 900.26ms
 *
 * saves <--out>/char_gpt.safetensors (model, optimizer, schedule, iteration, random generator) at each
 * evaluation and at the end, and ends by sampling 200 characters from the model.
 *
 *   deno task char-gpt [--max-iters 2000] [--block-size 64] [--batch-size 12] [--n-layer 4] [--n-head 4]
 *                      [--n-embd 128] [--dropout 0] [--learning-rate 1e-3] [--eval-interval 250]
 *                      [--eval-iters 20] [--device cpu|webgpu|auto] [--amp] [--seed 1337] [--out checkpoints]
 *                      [--resume]
 *
 * --resume continues from <--out>/char_gpt.safetensors (same flags), as nanoGPT's init_from='resume'.
 * The schedule is gradstep's WarmupCosineLR, nanoGPT's get_lr (its warm-up as lr·it/warmup, nanoGPT's first form).
 *
 * @module
 */
import { parseArgs } from "../deps.ts";
import {
  autocast,
  CharVocabulary,
  clipGradNorm,
  getBatch,
  GradScaler,
  load,
  manualSeed,
  noGrad,
  save,
  type Tensor,
  tensor,
  tidy,
  trainValSplit,
  yieldToEventLoop,
  zeros,
} from "../mod.ts";
import { WarmupCosineLR } from "../optim/lr_scheduler/mod.ts";
import { GPT, GPT_DEFAULTS } from "./gpt.ts";
import { nonNegativeInteger, openDevice, positiveInteger } from "./setup.ts";

const amp = Deno.args.includes("--amp");
const resume = Deno.args.includes("--resume");
const args = parseArgs(Deno.args.filter((a) => a !== "--amp" && a !== "--resume"), {
  "max-iters": "2000",
  "block-size": "64",
  "batch-size": "12",
  "n-layer": "4",
  "n-head": "4",
  "n-embd": "128",
  dropout: "0",
  "learning-rate": "1e-3",
  "eval-interval": "250",
  "eval-iters": "20",
  device: "cpu",
  seed: "1337",
  out: "checkpoints",
});
const maxIters = nonNegativeInteger("max-iters", args["max-iters"]);
const blockSize = positiveInteger("block-size", args["block-size"]);
const batchSize = positiveInteger("batch-size", args["batch-size"]);
const evalInterval = positiveInteger("eval-interval", args["eval-interval"]);
const evalIters = positiveInteger("eval-iters", args["eval-iters"]);
const dropout = Number(args.dropout);
if (!(dropout >= 0 && dropout < 1)) throw new Error(`--dropout must be in [0, 1), got ${args.dropout}`);
const learningRate = Number(args["learning-rate"]);
if (!(learningRate > 0)) {
  throw new Error(`--learning-rate must be a positive number, got ${args["learning-rate"]}`);
}
// train_shakespeare_char.py's fixed choices.
const minLr = learningRate / 10;
const warmupIters = Math.min(100, maxIters);
const lrDecayIters = maxIters;
const logInterval = 10;
const gradClip = 1.0;

manualSeed(nonNegativeInteger("seed", args.seed));
const dev = await openDevice(args.device);

const text = await Deno.readTextFile(new URL("./data/tinyshakespeare.txt", import.meta.url));
const vocab = CharVocabulary.fromText(text);
const splits = trainValSplit(vocab.encode(text));
console.log(
  `vocab size: ${vocab.size}; train has ${splits.train.length} tokens, val has ${splits.val.length}`,
);

const model = await new GPT({
  ...GPT_DEFAULTS,
  vocabSize: vocab.size,
  blockSize,
  nLayer: positiveInteger("n-layer", args["n-layer"]),
  nHead: positiveInteger("n-head", args["n-head"]),
  nEmbd: positiveInteger("n-embd", args["n-embd"]),
  dropout,
  bias: false,
}).to(dev);
console.log(`number of parameters: ${(model.getNumParams() / 1e6).toFixed(2)}M`);
const optimizer = model.configureOptimizers({ weightDecay: 0.1, learningRate, betas: [0.9, 0.99] });
for (const [i, group] of optimizer.paramGroups.entries()) {
  const n = group.params.reduce((s, p) => s + p.numel, 0);
  console.log(
    `num ${i === 0 ? "" : "non-"}decayed parameter tensors: ${group.params.length}, with ${
      n.toLocaleString("en-US")
    } parameters`,
  );
}
const scheduler = new WarmupCosineLR(optimizer, {
  warmupSteps: warmupIters,
  totalSteps: lrDecayIters,
  endFactor: minLr / learningRate,
});
const scaler = new GradScaler({ enabled: amp });
if (amp) console.log("Mixed precision: autocast (float16 matrix products) and a GradScaler");

const checkpointPath = `${args.out}/char_gpt.safetensors`;
let iter = 0;
if (resume) {
  ({ iter } = await load<{ iter: number }>(checkpointPath, {
    model,
    optimizer,
    scheduler,
    ...(amp ? { scaler } : {}),
  }));
  console.log(`Resumed from ${checkpointPath} at iter ${iter}`);
}
await Deno.mkdir(args.out, { recursive: true });

/** nanoGPT's estimate_loss: the mean loss of `evalIters` random batches of each split, in eval mode. */
async function estimateLoss(): Promise<{ train: number; val: number }> {
  model.eval();
  const out = { train: 0, val: 0 };
  for (const split of ["train", "val"] as const) {
    let total: Tensor = zeros([], { device: dev });
    for (let k = 0; k < evalIters; k++) {
      const [x, y] = getBatch(splits[split], { batchSize, blockSize, device: dev });
      total = tidy(() =>
        noGrad(() => total.add(autocast(() => model.forward(x, y).loss!, { enabled: amp })))
      );
    }
    out[split] = (await total.item()) / evalIters;
    await yieldToEventLoop();
  }
  model.train();
  return out;
}

/** One training step on a fresh batch; returns the loss (on the device, not read). */
function trainStep(): Tensor {
  const [x, y] = getBatch(splits.train, { batchSize, blockSize, device: dev });
  return tidy(() => {
    const loss = autocast(() => model.forward(x, y).loss!, { enabled: amp });
    scaler.scale(loss).backward();
    scaler.unscale(optimizer); // clip the true gradients, not the scaled ones
    clipGradNorm(model.parameters(), gradClip).dispose();
    scaler.step(optimizer);
    scaler.update();
    optimizer.zeroGrad();
    scheduler.step();
    return loss.detach();
  });
}

/**
 * The mean loss over fixed windows: the validation split's first evalIters·batchSize non-overlapping windows of
 * blockSize + 1 characters (fewer if it is short), the same every time, so PyTorch can measure the very same
 * number (tools/char_gpt_eval.py); and the logits of the first window, for comparing the models directly.
 */
async function fixedWindows(): Promise<{ windows: number; valLoss: number; logits: number[] }> {
  model.eval();
  const windows = Math.min(evalIters * batchSize, Math.floor((splits.val.length - 1) / blockSize));
  let total: Tensor = zeros([], { device: dev });
  let logits: number[] = [];
  for (let start = 0; start < windows; start += batchSize) {
    const rows = Math.min(batchSize, windows - start);
    const window = (shift: number): Tensor =>
      tensor(splits.val.slice(start * blockSize + shift, (start + rows) * blockSize + shift), {
        shape: [rows, blockSize],
        device: dev,
      });
    const out = noGrad(() => autocast(() => model.forward(window(0), window(1)), { enabled: amp }));
    if (start === 0) logits = Array.from(await out.logits.narrow(0, 0, 1).data());
    total = noGrad(() => total.add(out.loss!.mul(rows)));
  }
  model.train();
  return { windows, valLoss: (await total.item()) / windows, logits };
}

async function checkpoint(extra: Record<string, unknown> = {}): Promise<void> {
  await save(checkpointPath, {
    model,
    optimizer,
    scheduler,
    ...(amp ? { scaler } : {}),
    extra: { iter, config: { ...model.config }, ...extra },
  });
}

const firstIter = iter;
const started = performance.now();
let t0 = performance.now();
for (; iter <= maxIters; iter++) {
  if (iter % evalInterval === 0) {
    // Saved before evaluating, so a resumed run evaluates from the same generator state and continues exactly.
    if (iter > 0) await checkpoint();
    const losses = await estimateLoss();
    console.log(`step ${iter}: train loss ${losses.train.toFixed(4)}, val loss ${losses.val.toFixed(4)}`);
  }
  const loss = trainStep();
  if (iter % logInterval === 0) {
    const lossf = await loss.item(); // the only read of a training step's loss: every logInterval iterations
    const t1 = performance.now();
    console.log(`iter ${iter}: loss ${lossf.toFixed(4)}, time ${(t1 - t0).toFixed(2)}ms`);
    await yieldToEventLoop(); // lets the collector give back the memory of tensors dropped since
  }
  t0 = performance.now();
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `Training took ${seconds.toFixed(1)} s (${
    (1000 * seconds / Math.max(1, iter - firstIter)).toFixed(1)
  } ms per iteration, evaluations included)`,
);
const fixed = await fixedWindows();
console.log(
  `val loss over the first ${fixed.windows} windows of the validation split: ${fixed.valLoss.toFixed(4)}`,
);
await checkpoint({ fixedWindows: fixed });
console.log(`Saved ${checkpointPath}`);

model.eval();
const start = tensor(vocab.encode("\n"), { shape: [1, 1], device: dev });
const sample = model.generate(start, 200, { temperature: 0.8, topK: 200 });
console.log("---\n" + vocab.decode(await sample.data()) + "\n---");
