/**
 * Indices that come from the user (cross-entropy and NLL targets, gather, scatterAdd, indexSelect, Embedding) are
 * checked on every backend by one code path, `Backend.checkIndices`: the CPU throws at the op, WebGPU records the
 * first bad value on the device and the next read of anything on that device rejects with the same Error — so the
 * check needs no readback of its own, a loop that never reads gets the Error at its next metric read, and after
 * it is reported reads work again.
 *
 * @module
 */
import {
  type Device,
  deviceStats,
  randn,
  save,
  scatterAdd,
  SGD,
  type Tensor,
  tensor,
  zeros,
} from "../../mod.ts";
import { crossEntropy, Embedding, Linear, nllLoss } from "../../nn/mod.ts";
import { assert, assertEquals, assertRejects } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";

/** One bad input: the op made with it and the Error's exact message (the CPU's and WebGPU's alike). */
interface BadCase {
  name: string;
  make: (dev: Device) => Tensor | Promise<Tensor>;
  message: string;
}

const int = (values: number[] | number[][], dev: Device): Tensor =>
  tensor(values, { dtype: "int32", device: dev });
const logits = (dev: Device, shape: number[] = [4, 10]): Tensor => randn(shape, { device: dev });

const cases: BadCase[] = [
  {
    name: "crossEntropy, a target equal to the number of classes",
    make: (dev) => crossEntropy(logits(dev), int([1, 10, 2, 3], dev)),
    message: "Target 10 is out of bounds for 10 classes.",
  },
  {
    name: "crossEntropy, a negative target that is not ignoreIndex",
    make: (dev) => crossEntropy(logits(dev), int([1, -100, -1, 3], dev)),
    message: "Target -1 is out of bounds for 10 classes.",
  },
  {
    name: "crossEntropy with labelSmoothing and a class weight",
    make: (dev) =>
      crossEntropy(logits(dev), int([0, 1, 2, 12], dev), {
        labelSmoothing: 0.1,
        weight: randn([10], { device: dev }).abs(),
      }),
    message: "Target 12 is out of bounds for 10 classes.",
  },
  {
    name: "nllLoss over [N, C, d], the first bad target in row-major order",
    make: (dev) => nllLoss(logits(dev, [2, 3, 4]).logSoftmax(1), int([[0, 1, 2, 0], [2, 5, 3, 1]], dev)),
    message: "Target 5 is out of bounds for 3 classes.",
  },
  {
    name: "nllLoss with ignoreIndex 0, a target of -100 is bad",
    make: (dev) => nllLoss(logits(dev).logSoftmax(1), int([0, -100, 1, 2], dev), { ignoreIndex: 0 }),
    message: "Target -100 is out of bounds for 10 classes.",
  },
  {
    name: "gather, the first of two bad indices",
    make: (dev) => logits(dev).gather(1, int([[0], [3], [11], [-2]], dev)),
    message: "gather(): index 11 is out of bounds for dimension 1 with size 10",
  },
  {
    name: "gather with a negative index along dim 0",
    make: (dev) => logits(dev).gather(0, int([[0, -1]], dev)),
    message: "gather(): index -1 is out of bounds for dimension 0 with size 4",
  },
  {
    name: "gather with a broadcast index",
    make: (dev) => logits(dev).gather(1, int([[4]], dev).expand([4, 3]).add(int([0, 3, 6], dev))),
    message: "gather(): index 10 is out of bounds for dimension 1 with size 10",
  },
  {
    name: "indexSelect",
    make: (dev) => logits(dev).indexSelect(0, int([0, 4, 1], dev)),
    message: "gather(): index 4 is out of bounds for dimension 0 with size 4",
  },
  {
    name: "scatterAdd",
    make: (dev) =>
      scatterAdd(zeros([3], { device: dev }), 0, int([0, 2, 3], dev), randn([3], { device: dev })),
    message: "scatterAdd(): index 3 is out of bounds for dimension 0 with size 3",
  },
  {
    name: "Embedding, an index equal to numEmbeddings",
    make: async (dev) => (await new Embedding(65, 4).to(dev)).forward(int([[0, 65], [1, 2]], dev)),
    message: "index out of range in self: index 65 is not in [0, 65) (num_embeddings 65)",
  },
  {
    name: "Embedding, a negative index",
    make: async (dev) => (await new Embedding(65, 4).to(dev)).forward(int([3, -1], dev)),
    message: "index out of range in self: index -1 is not in [0, 65) (num_embeddings 65)",
  },
];

/** The Error the op with a bad input gives at the latest at the next read of its result. */
async function errorAtRead(make: () => Tensor | Promise<Tensor>): Promise<Error> {
  return await assertRejects(async () => await (await make()).data(), RangeError);
}

testOnDevices(
  "a bad target or index gives the same Error by the next read, naming the op and the value",
  async (dev) => {
    for (const c of cases) {
      const error = await errorAtRead(() => c.make(dev));
      assertEquals(error.message, c.message, c.name);
    }
  },
);

testOnDevices(
  "after a bad index is reported, reads work again and later bad indices are reported afresh",
  async (dev) => {
    const x = logits(dev);
    const kept = x.mul(2);
    const first = await errorAtRead(() => x.gather(1, int([[10], [0], [0], [0]], dev)));
    assertEquals(first.message, "gather(): index 10 is out of bounds for dimension 1 with size 10");
    // The tensor computed before the bad op, and new ones, read normally.
    assertEquals(Array.from(await kept.data()), Array.from(await x.data()).map((v) => v * 2));
    const picked = x.gather(1, int([[9], [0], [1], [2]], dev));
    assertEquals((await picked.data()).length, 4);
    const second = await errorAtRead(() => x.indexSelect(1, int([-3], dev)));
    assertEquals(second.message, "gather(): index -3 is out of bounds for dimension 1 with size 10");
    assertEquals((await x.sum().data()).length, 1);
  },
);

testOnDevices(
  "a read of any tensor on the device reports a bad index, an unrelated one or a checkpoint save",
  async (dev) => {
    const unrelated = zeros([2], { device: dev }).add(1);
    const run = async (): Promise<void> => {
      crossEntropy(logits(dev), int([0, 0, 10, 0], dev));
      await unrelated.data();
    };
    assertEquals(
      (await assertRejects(run, RangeError)).message,
      "Target 10 is out of bounds for 10 classes.",
    );
    const model = await new Linear(3, 2).to(dev);
    const dir = await Deno.makeTempDir();
    const path = `${dir}/checkpoint.safetensors`;
    const saveAfterBadStep = async (): Promise<void> => {
      model.forward(randn([2, 3], { device: dev })).gather(1, int([[2], [0]], dev));
      await save(path, { model });
    };
    const error = await assertRejects(saveAfterBadStep, RangeError);
    assertEquals(error.message, "gather(): index 2 is out of bounds for dimension 1 with size 2");
    assert(!(await Deno.stat(path).then(() => true, () => false)), "a failed save writes nothing");
    await save(path, { model });
    await Deno.remove(dir, { recursive: true });
  },
);

/** Steps of an embedding + linear classifier trained with SGD, labels from `labelsAt(step)`; no reads. */
async function trainer(dev: Device): Promise<(labels: Tensor) => Tensor> {
  const embed = await new Embedding(20, 8).to(dev);
  const head = await new Linear(8, 5).to(dev);
  const optimizer = new SGD([...embed.parameters(), ...head.parameters()], { lr: 0.1 });
  const tokens = int([1, 4, 9, 16], dev);
  return (labels) => {
    optimizer.zeroGrad();
    const loss = crossEntropy(head.forward(embed.forward(tokens)), labels);
    loss.backward();
    optimizer.step();
    return loss.detach();
  };
}

testOnDevices(
  "a training loop that never reads gets a bad label's Error at its next metric read",
  async (dev) => {
    const step = await trainer(dev);
    const good = int([0, 1, 2, 3], dev);
    const bad = int([0, 5, 2, 3], dev);
    let total = zeros([], { device: dev });
    let stepsRun = 0;
    const before = deviceStats(dev);
    let readsDuringSteps = -1;
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 6; i++) {
        total = total.add(step(i === 2 ? bad : good));
        stepsRun++;
      }
      readsDuringSteps = deviceStats(dev).readbacks - before.readbacks;
      await total.item(); // the metric read, every 6 steps
    };
    const error = await assertRejects(loop, RangeError);
    assertEquals(error.message, "Target 5 is out of bounds for 5 classes.");
    // The CPU stops at the bad step; WebGPU runs on to the read (as CUDA does after a device-side assert).
    assertEquals(stepsRun, dev.type === "cpu" ? 2 : 6);
    if (dev.type !== "cpu") assertEquals(readsDuringSteps, 0, "the steps read nothing back");
    // The loop resumes with good labels and its metric reads work.
    const loss = step(good);
    assert(Number.isFinite(await loss.item()));
  },
);

testOnDevices(
  "checking indices reads nothing back: one readback per metric read, as without checks",
  async (dev) => {
    const step = await trainer(dev);
    const labels = int([0, 1, 2, 3], dev);
    step(labels);
    await step(labels).item();
    const before = deviceStats(dev);
    const reads = 5;
    for (let r = 0; r < reads; r++) {
      let total = zeros([], { device: dev });
      for (let i = 0; i < 4; i++) total = total.add(step(labels));
      assert(Number.isFinite(await total.item()));
    }
    assertEquals(deviceStats(dev).readbacks - before.readbacks, reads);
  },
);

testOnDevices("Backend.checkIndices is one dispatch and no readback, at any size", async (dev) => {
  for (const n of [1, 300, 70_000]) {
    const index = int(Array.from({ length: n }, (_, i) => i % 7), dev);
    const view = { buffer: index.storage.buffer, offset: 0, strides: [1] };
    const before = deviceStats(dev);
    dev.backend.checkIndices(view, [n], { size: 7 }, (v) => new RangeError(`index ${v}`));
    const after = deviceStats(dev);
    assertEquals([after.dispatches - before.dispatches, after.readbacks - before.readbacks], [1, 0], `${n}`);
    // The last element is the first bad one when it alone is out of range.
    dev.backend.write(index.storage.buffer, new Int32Array([7]), n - 1);
    const error = await assertRejects(async () => {
      dev.backend.checkIndices(view, [n], { size: 7 }, (v) => new RangeError(`index ${v} at the end`));
      await index.data();
    }, RangeError);
    assertEquals(error.message, "index 7 at the end");
  }
});
