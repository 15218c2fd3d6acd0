/**
 * The seed's exercise 3: a custom optimizer made by extending `ElementwiseOptimizer` — Nesterov Accelerated
 * Gradient — trained on MNIST beside the built-in `SGD({ momentum, nesterov: true })`, from the same initial
 * weights on the same batches. Every `--every` steps it prints both mean losses and the largest |Δparam| between the two models over
 * those steps (computed on the device at every step), then both test accuracies.
 *
 *   deno run --allow-read examples/custom_optimizer.ts [--steps 300] [--lr 0.01] [--momentum 0.9] [--every 25]
 *                                                      [--device auto|cpu|webgpu] [--seed 0]
 *
 * @module
 */
import { parseArgs } from "../deps.ts";
import {
  CrossEntropyLoss,
  DataLoader,
  type Device,
  Flatten,
  Linear,
  manualSeed,
  type Module,
  noGrad,
  type Optimizer,
  type Params,
  ReLU,
  Sequential,
  SGD,
  type Tensor,
  zeros,
} from "../mod.ts";
import { add, cast, mul, sub } from "../backends/mod.ts";
import { ElementwiseOptimizer, type Structure, type UpdateResult, type UpdateTerms } from "../optim/mod.ts";
import { openDevice, seedMnist } from "./setup.ts";

/** NAG's hyperparameters. */
export interface NAGOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (> 0). */
  momentum: number;
}

/**
 * Nesterov Accelerated Gradient, in the form PyTorch's SGD uses (Sutskever et al. 2013):
 *
 *   buf ← momentum·buf + g
 *   p   ← p − lr·(g + momentum·buf)
 *
 * In PyTorch this is a `torch.optim.Optimizer` subclass whose `step()` loops over `param_groups` and
 * `self.state[p]`; gradstep's `ElementwiseOptimizer` runs that loop and asks for the pieces that are NAG's: its
 * validation, its state tensors, its scalars and its update written once as kernel expressions, which it runs as
 * one fused kernel per parameter (and which a `GradScaler` can skip on the device).
 *
 * @example
 * ```ts
 * import { Linear } from "@gradstep/gradstep/nn";
 * import { NAG } from "./custom_optimizer.ts";
 * const model = new Linear(4, 2);
 * const optimizer = new NAG(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * model.forward(model.weight.detach()).sum().backward(); // any loss
 * optimizer.step();
 * ```
 */
export class NAG extends ElementwiseOptimizer<NAGOptions, Structure, "momentumBuffer", "lr" | "momentum"> {
  /** An optimizer of `params`; lr 0.01 and momentum 0.9 unless given. */
  constructor(params: Params<NAGOptions>, options: Partial<NAGOptions> = {}) {
    super(params, { lr: 0.01, momentum: 0.9, ...options });
  }

  /** NAG's state has no step count (as SGD's). */
  protected override readonly countsSteps = false;

  /** Runs for the defaults and for every param group: throw on bad hyperparameters. */
  protected validate({ lr, momentum }: NAGOptions): void {
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${lr} (expected lr >= 0)`);
    if (!(momentum > 0)) throw new RangeError(`Invalid momentum: ${momentum} (expected momentum > 0)`);
  }

  /** The compile-time choices the rule reads: none (SGD's would be maximize, weight decay, …). */
  protected structure(): Structure {
    return {};
  }

  /** The state tensors, shaped like the parameter and zero before its first step. */
  protected stateNames(): "momentumBuffer"[] {
    return ["momentumBuffer"];
  }

  /** The numbers of one step, by name: kernel scalars, so a new lr each step compiles nothing. */
  protected scalars({ lr, momentum }: NAGOptions): Record<"lr" | "momentum", number> {
    return { lr, momentum };
  }

  /** The update as kernel expressions: one fused kernel per parameter, also skippable by a GradScaler. */
  protected rule(
    _: Structure,
    x: UpdateTerms<"momentumBuffer", "lr" | "momentum">,
  ): UpdateResult<"momentumBuffer"> {
    const { lr, momentum } = x.scalars;
    const g = cast(x.grad, x.param.dtype);
    const buf = add(mul(x.state.momentumBuffer!, momentum), g); // buf.mul_(momentum).add_(grad)
    const param = sub(x.param, mul(lr, add(g, mul(momentum, buf)))); // p.add_(grad.add(buf, alpha=momentum), alpha=-lr)
    return { param, state: { momentumBuffer: buf } };
  }
}

/** The seed's SimpleNN, with the weights that `seed` gives. */
async function simpleNN(seed: number, dev: Device): Promise<Module> {
  manualSeed(seed);
  return await new Sequential(new Flatten(), new Linear(28 * 28, 128), new ReLU(), new Linear(128, 10)).to(
    dev,
  );
}

/** max |a − b| over all parameters of two models of one architecture, as a 0-d tensor (no readback). */
function maxAbsDiff(a: Module, b: Module): Tensor {
  const [pa, pb] = [a.parameters(), b.parameters()];
  return noGrad(() => pa.map((p, i) => p.sub(pb[i]).abs().max()).reduce((m, d) => m.maximum(d)));
}

/** Test-set accuracy in percent. */
async function accuracy(model: Module, loader: DataLoader, dev: Device): Promise<number> {
  model.eval();
  let [correct, total] = [0, 0];
  for await (const [images, labels] of loader) {
    const [x, y] = [await images.to(dev), await labels.to(dev)];
    correct += await noGrad(() => model.forward(x).argmax(1).eq(y).sum()).item();
    total += labels.shape[0];
  }
  return (100 * correct) / total;
}

async function main(): Promise<void> {
  const args = parseArgs(Deno.args, {
    steps: "300",
    lr: "0.01",
    momentum: "0.9",
    every: "25",
    device: "auto",
    seed: "0",
  });
  const [steps, lr, momentum, every, seed] = ["steps", "lr", "momentum", "every", "seed"].map((k) =>
    Number(args[k as keyof typeof args])
  );
  if (!(steps > 0) || !(every > 0) || !Number.isInteger(seed)) {
    throw new Error(
      `--steps and --every must be positive and --seed an integer, got ${steps}, ${every}, ${seed}`,
    );
  }
  const dev = await openDevice(args.device);

  const trainLoader = new DataLoader(await seedMnist(true), { batchSize: 64, shuffle: true, seed });
  const testLoader = new DataLoader(await seedMnist(false), { batchSize: 1000 });

  // The same seed gives both models the same initial weights.
  const models = [await simpleNN(seed, dev), await simpleNN(seed, dev)];
  const optimizers: Optimizer<{ lr: number }>[] = [
    new NAG(models[0].parameters(), { lr, momentum }),
    new SGD(models[1].parameters(), { lr, momentum, nesterov: true }),
  ];
  const criterion = new CrossEntropyLoss();
  console.log(
    `NAG (user code) vs SGD({ momentum: ${momentum}, nesterov: true }), lr ${lr}, batch 64, ${steps} steps`,
  );
  console.log(`max |Δparam| before training: ${await maxAbsDiff(models[0], models[1]).item()}`);
  console.log("  step   loss NAG   loss SGD   max |Δparam| over these steps");

  // Per-step values stay on the device; they are read once every `every` steps.
  let [losses, worst] = [
    [zeros([], { device: dev }), zeros([], { device: dev })],
    zeros([], { device: dev }),
  ];
  let [step, window, overall] = [0, 0, 0];
  for (const m of models) m.train();
  while (step < steps) {
    for await (const [cpuImages, cpuLabels] of trainLoader) {
      const [images, labels] = [await cpuImages.to(dev), await cpuLabels.to(dev)];
      models.forEach((model, i) => {
        optimizers[i].zeroGrad();
        const loss = criterion.forward(model.forward(images), labels);
        loss.backward();
        optimizers[i].step();
        losses[i] = noGrad(() => losses[i].add(loss));
      });
      worst = noGrad(() => worst.maximum(maxAbsDiff(models[0], models[1])));
      step++;
      window++;
      if (step % every === 0 || step === steps) {
        const [nagLoss, sgdLoss, diff] = await Promise.all([...losses, worst].map((t) => t.item()));
        overall = Math.max(overall, diff);
        console.log(
          `${String(step).padStart(6)}   ${(nagLoss / window).toFixed(4)}     ${
            (sgdLoss / window).toFixed(4)
          }     ${diff.toExponential(2)}`,
        );
        [losses, worst, window] = [
          [zeros([], { device: dev }), zeros([], { device: dev })],
          zeros([], { device: dev }),
          0,
        ];
      }
      if (step === steps) break;
    }
  }
  console.log(`max |Δparam| over all ${steps} steps: ${overall.toExponential(2)}`);
  const [nagAccuracy, sgdAccuracy] = [
    await accuracy(models[0], testLoader, dev),
    await accuracy(models[1], testLoader, dev),
  ];
  console.log(`Test Accuracy: NAG ${nagAccuracy.toFixed(2)}%, SGD(nesterov) ${sgdAccuracy.toFixed(2)}%`);
}

if (import.meta.main) await main();
