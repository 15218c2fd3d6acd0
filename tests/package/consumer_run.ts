/**
 * A consumer's program, run by consumer_test.ts from a project outside the repository that imports gradstep by
 * its package name only: the seed's MNIST loop (SimpleNN, CrossEntropyLoss, Adam lr 1e-3, batch 64, shuffled) for
 * `--steps` steps on the CPU, then the test-set accuracy. It imports every entry point of the package (the step
 * scheduler, the disabled GradScaler and the CPU device are the seed script's defaults), so `deno run --check`
 * type-checks all of them from the consumer's side. The last line printed is a JSON summary.
 *
 *   deno run --check --allow-read consumer_run.ts [--steps 300]
 *
 * @module
 */
import { CrossEntropyLoss, noGrad, setDefaultDevice, type Tensor, zeros } from "@gradstep/gradstep";
import { Flatten, Linear, Module, ReLU } from "@gradstep/gradstep/nn";
import { Adam } from "@gradstep/gradstep/optim";
import { ConstantLR } from "@gradstep/gradstep/optim/lr_scheduler";
import { GradScaler } from "@gradstep/gradstep/amp";
import { DataLoader, MNIST, transforms } from "@gradstep/gradstep/data";
import { cpu } from "@gradstep/gradstep/backends";

/** The seed's model: Flatten → Linear(784, 128) → ReLU → Linear(128, 10). */
class SimpleNN extends Module {
  flatten: Flatten = new Flatten();
  fc1: Linear = new Linear(28 * 28, 128);
  relu: ReLU = new ReLU();
  fc2: Linear = new Linear(128, 10);

  override forward(x: Tensor): Tensor {
    return this.fc2.forward(this.relu.forward(this.fc1.forward(this.flatten.forward(x))));
  }
}

const at = Deno.args.indexOf("--steps");
const steps = at === -1 ? 300 : Number(Deno.args[at + 1]);
if (!(Number.isInteger(steps) && steps >= 2)) throw new Error(`--steps must be an integer ≥ 2, got ${steps}`);
/** Steps averaged for the first and the last loss. */
const window = Math.floor(steps / 4);

setDefaultDevice(cpu);
const transform = transforms.compose(transforms.toTensor(), transforms.normalize([0.1307], [0.3081]));
const trainLoader = new DataLoader(await MNIST.load({ train: true, transform }), {
  batchSize: 64,
  shuffle: true,
});
const testLoader = new DataLoader(await MNIST.load({ train: false, transform }), { batchSize: 1000 });

const model = new SimpleNN();
const criterion = new CrossEntropyLoss();
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
// lr 1e-3 throughout, as in the seed: the scheduler is here for its entry point.
const scheduler = new ConstantLR(optimizer, { factor: 1, totalIters: 0 });
const scaler = new GradScaler({ enabled: false });

const started = performance.now();
model.train();
let step = 0;
let firstLoss = zeros([]);
let lastLoss = zeros([]);
for await (const [images, labels] of trainLoader) {
  optimizer.zeroGrad();
  const loss = criterion.forward(model.forward(images), labels);
  scaler.scale(loss).backward();
  scaler.step(optimizer);
  scaler.update();
  scheduler.step();
  noGrad(() => {
    if (step < window) firstLoss = firstLoss.add(loss);
    if (step >= steps - window) lastLoss = lastLoss.add(loss);
  });
  if (++step === steps) break;
}

model.eval();
let correct = 0;
let total = 0;
for await (const [images, labels] of testLoader) {
  correct += await noGrad(() => model.forward(images).argmax(1).eq(labels).sum()).item();
  total += labels.shape[0];
}
console.log(JSON.stringify({
  steps,
  firstLoss: (await firstLoss.item()) / window,
  lastLoss: (await lastLoss.item()) / window,
  accuracy: correct / total,
  seconds: (performance.now() - started) / 1000,
}));
