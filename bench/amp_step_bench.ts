/**
 * `deno bench`: the seed's MNIST training step (forward, loss, backward, Adam) with and without mixed precision
 * (autocast + GradScaler), per device present and batch size. Each iteration is 10 steps and one readback of the
 * last loss, so the ≥10 ms a WebGPU readback costs in Deno is shared by the steps as a training loop shares it.
 * Say which adapter a WebGPU figure came from: on a software adapter (Mesa's lavapipe) it is not a GPU timing.
 *
 * @module
 */
import {
  Adam,
  autocast,
  CrossEntropyLoss,
  device,
  Flatten,
  GradScaler,
  Linear,
  manualSeed,
  randn,
  ReLU,
  Sequential,
  tensor,
} from "../mod.ts";

const STEPS = 10;

for (const kind of ["cpu", "webgpu"] as const) {
  const dev = await device(kind).catch(() => undefined);
  if (dev === undefined) continue;
  for (const batch of [64, 512]) {
    const images = await randn([batch, 1, 28, 28]).to(dev);
    const labels = await tensor(Int32Array.from({ length: batch }, (_, i) => i % 10)).to(dev);
    for (const amp of [false, true]) {
      manualSeed(0);
      const model = await new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10))
        .to(dev);
      const criterion = new CrossEntropyLoss();
      const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
      const scaler = new GradScaler({ enabled: amp });
      Deno.bench({
        name: `${amp ? "autocast + GradScaler" : "float32"}, ${STEPS} steps [${dev.type}: ${dev.name}]`,
        group: `MNIST step, batch ${batch}, ${dev.type}`,
        baseline: !amp,
        fn: async () => {
          let loss = null;
          for (let i = 0; i < STEPS; i++) {
            optimizer.zeroGrad();
            loss = autocast(() => criterion.forward(model.forward(images), labels), { enabled: amp });
            scaler.scale(loss).backward();
            scaler.step(optimizer);
            scaler.update();
          }
          await loss!.item();
        },
      });
    }
  }
}
