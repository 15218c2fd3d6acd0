/**
 * karpathy/char-rnn's recipe on tiny Shakespeare, trained with gradstep: Embedding → 2-layer LSTM (128 units, as
 * char-rnn's rnn_size) → Linear over nanoGPT's 65-character vocabulary and its 90/10 split; RMSprop with char-rnn's
 * settings (lr 2e-3, alpha 0.95 — its decay_rate), every gradient element clipped to ±5 (char-rnn's grad_clip
 * clamps elements, so clipGradValue rather than a norm), truncated backpropagation through time over 64-character
 * windows of 32 contiguous streams (the state after a window starts the next one, detached). It prints
 *
 *   step 200: train loss 2.0411, val loss 2.0857
 *   iter 100: loss 2.3120, time 231.50ms
 *
 * where val loss is the mean over the whole validation split read the same way (so every run and PyTorch's
 * tools/char_rnn_torch.py measure the same windows), saves <--out>/char_rnn.safetensors at each evaluation and at
 * the end, and samples 200 characters.
 *
 *   deno task char-rnn [--max-iters 1000] [--batch-size 32] [--seq-length 64] [--hidden-size 128]
 *                      [--embedding-size 64] [--num-layers 2] [--dropout 0] [--optimizer rmsprop|adam|sgd]
 *                      [--learning-rate 2e-3] [--eval-interval 200] [--device cpu|webgpu|auto] [--seed 1337]
 *                      [--out checkpoints] [--resume] [--compare]
 *
 * --eval-interval 0 trains without evaluating (for timing). --optimizer picks the update (learning rates default to rmsprop 2e-3, adam 2e-3, sgd 1.0); --compare trains
 * one model with each of the three from the same initial weights and prints a table of their validation losses.
 * --resume continues from <--out>/char_rnn.safetensors (same flags).
 *
 * @module
 */
import { parseArgs } from "../deps.ts";
import {
  load,
  manualSeed,
  noGrad,
  save,
  type Tensor,
  tensor,
  tidy,
  yieldToEventLoop,
  zeros,
} from "../mod.ts";
import { CharVocabulary, trainValSplit } from "../data/mod.ts";
import { clipGradValue } from "../nn/utils/mod.ts";
import { Adam, RMSprop, SGD } from "../optim/mod.ts";
import { CharRNN, TextStreams } from "./char_rnn_model.ts";
import { nonNegativeInteger, openDevice, positiveInteger } from "./setup.ts";
import { terminalTable } from "./text_table.ts";

const OPTIMIZERS = ["rmsprop", "adam", "sgd"] as const;
type OptimizerName = typeof OPTIMIZERS[number];
const DEFAULT_LR: Record<OptimizerName, number> = { rmsprop: 2e-3, adam: 2e-3, sgd: 1.0 };

const flags = ["--resume", "--compare"];
const resume = Deno.args.includes("--resume");
const compare = Deno.args.includes("--compare");
const args = parseArgs(Deno.args.filter((a) => !flags.includes(a)), {
  "max-iters": "1000",
  "batch-size": "32",
  "seq-length": "64",
  "hidden-size": "128",
  "embedding-size": "64",
  "num-layers": "2",
  dropout: "0",
  optimizer: "rmsprop",
  "learning-rate": "",
  "eval-interval": "200",
  device: "cpu",
  seed: "1337",
  out: "checkpoints",
});
if (!(OPTIMIZERS as readonly string[]).includes(args.optimizer)) {
  throw new Error(`--optimizer must be one of ${OPTIMIZERS.join(", ")}, got ${args.optimizer}`);
}
const maxIters = nonNegativeInteger("max-iters", args["max-iters"]);
const batchSize = positiveInteger("batch-size", args["batch-size"]);
const seqLength = positiveInteger("seq-length", args["seq-length"]);
const evalInterval = nonNegativeInteger("eval-interval", args["eval-interval"]);
const dropout = Number(args.dropout);
if (!(dropout >= 0 && dropout < 1)) throw new Error(`--dropout must be in [0, 1), got ${args.dropout}`);
const lrFlag = args["learning-rate"] === "" ? null : Number(args["learning-rate"]);
if (lrFlag !== null && !(lrFlag > 0)) {
  throw new Error(`--learning-rate must be a positive number, got ${args["learning-rate"]}`);
}
const gradClip = 5;
const logInterval = 10;
const seed = nonNegativeInteger("seed", args.seed);

const dev = await openDevice(args.device);
const text = await Deno.readTextFile(new URL("./data/tinyshakespeare.txt", import.meta.url));
const vocab = CharVocabulary.fromText(text);
const splits = trainValSplit(vocab.encode(text));
const train = new TextStreams(splits.train, { batchSize, seqLength, device: dev });
const val = new TextStreams(splits.val, { batchSize, seqLength, device: dev });
console.log(
  `vocab size: ${vocab.size}; train has ${splits.train.length} tokens (${train.windows} windows of ${batchSize}×${seqLength}), val has ${splits.val.length} (${val.windows})`,
);
const config = {
  vocabSize: vocab.size,
  embeddingSize: positiveInteger("embedding-size", args["embedding-size"]),
  hiddenSize: positiveInteger("hidden-size", args["hidden-size"]),
  numLayers: positiveInteger("num-layers", args["num-layers"]),
  dropout,
};

function makeOptimizer(name: OptimizerName, model: CharRNN): RMSprop | Adam | SGD {
  const lr = lrFlag ?? DEFAULT_LR[name];
  if (name === "rmsprop") return new RMSprop(model.parameters(), { lr, alpha: 0.95 });
  if (name === "adam") return new Adam(model.parameters(), { lr });
  return new SGD(model.parameters(), { lr });
}

const detach = ([h, c]: [Tensor, Tensor]): [Tensor, Tensor] => [h.detach(), c.detach()];

/** The mean loss over every window of `streams`, from a zero state carried through, in eval mode. */
async function meanLoss(model: CharRNN, streams: TextStreams): Promise<number> {
  model.eval();
  let total: Tensor = zeros([], { device: dev });
  let state: [Tensor, Tensor] | undefined;
  for (let k = 0; k < streams.windows; k++) {
    const [x, y] = streams.window(k);
    [total, state] = tidy(() =>
      noGrad(() => {
        const out = model.forward(x, y, state);
        return [total.add(out.loss!), out.state];
      })
    );
  }
  model.train();
  return (await total.item()) / streams.windows;
}

/** The training loss of the first windows (as many as val has), a quick look at over- or under-fitting. */
async function trainLoss(model: CharRNN): Promise<number> {
  const head = new TextStreams(splits.train.subarray(0, splits.val.length), {
    batchSize,
    seqLength,
    device: dev,
  });
  return await meanLoss(model, head);
}

/** Trains `model` with `optimizer` up to maxIters, logging as char-gpt does; returns the last val loss. */
async function trainRun(
  model: CharRNN,
  optimizer: RMSprop | Adam | SGD,
  checkpointPath: string | null,
  resumed: { iter: number; state?: [Tensor, Tensor] } = { iter: 0 },
): Promise<{ valLoss: number; msPerIter: number; msPerStep: number }> {
  const startIter = resumed.iter;
  let state = resumed.state;
  let valLoss = NaN;
  let evalMs = 0;
  const checkpoint = async (iter: number): Promise<void> => {
    if (checkpointPath === null) return;
    // The carried state is data too: a resumed run continues the same streams from it.
    const carried = state === undefined
      ? null
      : { h: [...await state[0].data()], c: [...await state[1].data()] };
    await save(checkpointPath, { model, optimizer, extra: { iter, config, state: carried } });
  };
  const started = performance.now();
  let t0 = performance.now();
  let iter = startIter;
  for (; iter <= maxIters; iter++) {
    const evaluate = evalInterval > 0 && (iter % evalInterval === 0 || iter === maxIters);
    if (evaluate || iter === maxIters) {
      const evalStart = performance.now();
      if (iter > startIter) await checkpoint(iter);
      if (evaluate) {
        valLoss = await meanLoss(model, val);
        console.log(
          `step ${iter}: train loss ${(await trainLoss(model)).toFixed(4)}, val loss ${valLoss.toFixed(4)}`,
        );
      }
      evalMs += performance.now() - evalStart;
      if (iter === maxIters) break;
      t0 = performance.now();
    }
    // A new pass over the streams starts from a zero state.
    if (iter % train.windows === 0) state = undefined;
    const [x, y] = train.window(iter);
    let loss: Tensor;
    [loss, state] = tidy(() => {
      const out = model.forward(x, y, state);
      out.loss!.backward();
      clipGradValue(model.parameters(), gradClip);
      optimizer.step();
      optimizer.zeroGrad();
      return [out.loss!.detach(), detach(out.state)];
    });
    if (iter % logInterval === 0) {
      const lossf = await loss.item();
      console.log(`iter ${iter}: loss ${lossf.toFixed(4)}, time ${(performance.now() - t0).toFixed(2)}ms`);
      await yieldToEventLoop();
    }
    t0 = performance.now();
  }
  const steps = Math.max(1, iter - startIter);
  const elapsed = performance.now() - started;
  return { valLoss, msPerIter: elapsed / steps, msPerStep: (elapsed - evalMs) / steps };
}

manualSeed(seed);
if (compare) {
  const rows: string[][] = [];
  const initial = new CharRNN(config).stateDict();
  for (const name of OPTIMIZERS) {
    console.log(`--- ${name} (lr ${lrFlag ?? DEFAULT_LR[name]}) ---`);
    manualSeed(seed);
    const model = await new CharRNN(config).to(dev);
    model.loadStateDict(initial);
    const { valLoss, msPerIter } = await trainRun(model, makeOptimizer(name, model), null);
    rows.push([name, String(lrFlag ?? DEFAULT_LR[name]), valLoss.toFixed(4), msPerIter.toFixed(1)]);
  }
  console.log(terminalTable({ header: ["optimizer", "lr", `val loss at ${maxIters}`, "ms/iter"], rows }));
} else {
  const model = await new CharRNN(config).to(dev);
  const n = model.parameters().reduce((s, p) => s + p.numel, 0);
  console.log(`number of parameters: ${(n / 1e6).toFixed(3)}M; optimizer ${args.optimizer}`);
  const optimizer = makeOptimizer(args.optimizer as OptimizerName, model);
  const checkpointPath = `${args.out}/char_rnn.safetensors`;
  let resumed: { iter: number; state?: [Tensor, Tensor] } = { iter: 0 };
  if (resume) {
    const extra = await load<{ iter: number; state: { h: number[]; c: number[] } | null }>(checkpointPath, {
      model,
      optimizer,
    });
    const shape = [config.numLayers, batchSize, config.hiddenSize];
    const carried = (v: number[]): Tensor => tensor(new Float32Array(v), { shape, device: dev });
    resumed = {
      iter: extra.iter,
      state: extra.state === null ? undefined : [carried(extra.state.h), carried(extra.state.c)],
    };
    console.log(`Resumed from ${checkpointPath} at iter ${resumed.iter}`);
  }
  await Deno.mkdir(args.out, { recursive: true });
  const started = performance.now();
  const { msPerIter, msPerStep, valLoss } = await trainRun(model, optimizer, checkpointPath, resumed);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `Training took ${seconds.toFixed(1)} s (${msPerIter.toFixed(1)} ms per iteration with evaluations, ${
      msPerStep.toFixed(1)
    } ms per training step); final val loss ${valLoss.toFixed(4)}`,
  );
  console.log(`Saved ${checkpointPath}`);

  // 200 characters, one at a time, feeding each sample back with the carried state.
  model.eval();
  let state: [Tensor, Tensor] | undefined;
  let next = tensor(vocab.encode("\n"), { shape: [1, 1], device: dev });
  const sampled: number[] = [];
  for (let i = 0; i < 200; i++) {
    const out = noGrad(() => model.forward(next, undefined, state));
    state = out.state;
    const probs = out.logits.reshape([vocab.size]).div(0.8).softmax(-1);
    next = probs.multinomial(1).reshape([1, 1]);
    sampled.push((await next.data())[0]);
  }
  console.log("---\n" + vocab.decode(new Int32Array(sampled)) + "\n---");
}
