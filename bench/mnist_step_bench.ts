/**
 * `deno bench`: one training step of the seed's model (forward, loss, backward, Adam) on a batch of 64, per
 * device present. Seconds per epoch against PyTorch live in mnist_report.ts.
 *
 * @module
 */
import {
  Adam,
  CrossEntropyLoss,
  device,
  Flatten,
  Linear,
  manualSeed,
  randn,
  ReLU,
  Sequential,
  tensor,
} from "../mod.ts";

for (const kind of ["cpu", "webgpu"] as const) {
  const dev = await device(kind).catch(() => undefined);
  if (dev === undefined) continue;
  manualSeed(0);
  const model = await new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10)).to(
    dev,
  );
  const criterion = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const images = await randn([64, 1, 28, 28]).to(dev);
  const labels = await tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10)).to(dev);
  Deno.bench(`MNIST training step, batch 64 [${dev.type}: ${dev.name}]`, async () => {
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(images), labels);
    loss.backward();
    optimizer.step();
    await loss.item();
  });
}
