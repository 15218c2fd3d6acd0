/**
 * The report's workloads in gradstep, on one device: a copy, an elementwise add and a sum over 10M float32
 * elements, two matrix products, an Adam step at 1M and 10M parameters, and one training step of the seed's
 * MNIST model (batch 64, Adam). The same work as tfjs_work.ts and torch_work.py.
 *
 * @module
 */
import {
  Adam,
  CrossEntropyLoss,
  type Device,
  Flatten,
  Linear,
  manualSeed,
  randn,
  ReLU,
  Sequential,
  type Tensor,
  tensor,
  tidy,
} from "../../mod.ts";
import { msPerRepetition, type Timing } from "./timing.ts";

/** Waits for `dev`'s queued work by reading one element of `t` (free on the CPU, where work is synchronous). */
async function finish(t: Tensor): Promise<void> {
  if (t.device.type !== "cpu") await t.reshape([-1]).narrow(0, 0, 1).data();
}

/** Times `step` (which returns a tensor its last repetition wrote) repeated inside `tidy`. */
function repeated(step: () => Tensor): (n: number) => Promise<void> {
  return async (n) => {
    let last: Tensor | undefined;
    for (let i = 0; i < n; i++) {
      last?.dispose();
      last = tidy(step);
    }
    await finish(last!);
    last!.dispose();
  };
}

/**
 * Every workload on `dev`, in the report's order.
 *
 * @example
 * ```ts ignore
 * import { device } from "../../mod.ts";
 * import { gradstepWork } from "./gradstep_work.ts";
 * console.table(await gradstepWork(await device("cpu")));
 * ```
 */
export async function gradstepWork(dev: Device): Promise<Timing[]> {
  const out: Timing[] = [];
  const time = async (work: string, run: (n: number) => Promise<void>): Promise<void> => {
    out.push({ work, ms: await msPerRepetition(run) });
  };
  manualSeed(0);
  const n = 10_000_000;
  const a = randn([n], { device: dev }), b = randn([n], { device: dev }), c = randn([n], { device: dev });
  await time("copy 10M float32", async (k) => {
    for (let i = 0; i < k; i++) c.copy_(a);
    await finish(c);
  });
  await time("add 10M float32", repeated(() => a.add(b)));
  await time("sum 10M float32", repeated(() => a.sum()));
  for (const t of [a, b, c]) t.dispose();

  for (const [m, k, nn] of [[512, 512, 512], [64, 784, 128]]) {
    const x = randn([m, k], { device: dev }), y = randn([k, nn], { device: dev });
    await time(`matmul ${m}x${k} @ ${k}x${nn}`, repeated(() => x.matmul(y)));
    x.dispose(), y.dispose();
  }

  for (const size of [1_000_000, 10_000_000]) {
    const p = randn([size], { device: dev }).requiresGrad_();
    p.grad = randn([size], { device: dev });
    const opt = new Adam([p], { lr: 1e-3 });
    await time(`Adam step ${size / 1e6}M`, async (k) => {
      for (let i = 0; i < k; i++) tidy(() => opt.step());
      await finish(p);
    });
    p.grad.dispose(), p.dispose();
  }

  const model = await new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10)).to(
    dev,
  );
  const criterion = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const images = await randn([64, 1, 28, 28]).to(dev);
  const labels = await tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10)).to(dev);
  await time(
    "MNIST training step",
    repeated(() => {
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(images), labels);
      loss.backward();
      optimizer.step();
      return loss;
    }),
  );
  return out;
}
