import {
  type BatchNorm,
  batchNorm,
  BatchNorm1d,
  BatchNorm2d,
  type Device,
  noGrad,
  ones,
  randn,
  zeros,
} from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type BatchNormCase, cnnFixture, inGradstepShapes } from "./cnn_fixture.ts";
import { fromFixture } from "./fixture.ts";

const { batchNorm: cases, errors } = cnnFixture();

async function layerOf(c: BatchNormCase, dev: Device): Promise<BatchNorm> {
  const Layer = c.layer === "BatchNorm1d" ? BatchNorm1d : BatchNorm2d;
  const bn = await new Layer(c.numFeatures, c.options).to(dev);
  noGrad(() => {
    if (c.weight !== undefined) bn.weight!.copy_(fromFixture(c.weight, dev));
    if (c.bias !== undefined) bn.bias!.copy_(fromFixture(c.bias, dev));
  });
  return bn;
}

for (const c of cases) {
  testOnDevices(
    `${c.name} matches PyTorch over training and evaluation steps: outputs, gradients, running statistics`,
    async (dev) => {
      const bn = await layerOf(c, dev);
      for (const [i, s] of c.steps.entries()) {
        const at = `step ${i} (${s.training ? "train" : "eval"})`;
        bn.train(s.training);
        bn.zeroGrad();
        const x = fromFixture(s.input, dev, true);
        const y = bn.forward(x);
        await assertTensorClose(y, s.output, TOLERANCE.composite, `${at} output`);
        y.backward(fromFixture(s.upstream, dev));
        await assertTensorClose(x.grad!, s.gradInput, TOLERANCE.composite, `${at} input grad`);
        if (s.gradWeight !== undefined) {
          await assertTensorClose(bn.weight!.grad!, s.gradWeight, TOLERANCE.composite, `${at} weight grad`);
          await assertTensorClose(bn.bias!.grad!, s.gradBias!, TOLERANCE.composite, `${at} bias grad`);
        }
        if (s.runningMean === undefined) {
          assertEquals([bn.runningMean, bn.runningVar, bn.numBatchesTracked], [null, null, null]);
          continue;
        }
        await assertTensorClose(bn.runningMean!, s.runningMean, TOLERANCE.composite, `${at} running mean`);
        await assertTensorClose(bn.runningVar!, s.runningVar!, TOLERANCE.composite, `${at} running var`);
        assertEquals(await bn.numBatchesTracked!.item(), s.numBatchesTracked, `${at} batches tracked`);
      }
    },
  );
}

testOnDevices(
  "batchNorm() in training updates the given running statistics as BatchNorm1d does",
  async (dev) => {
    const c = cases.find((c) => c.name === "BatchNorm1d [N,C]")!;
    const [runningMean, runningVar] = [
      zeros([c.numFeatures], { device: dev }),
      ones([c.numFeatures], { device: dev }),
    ];
    const [weight, bias] = [fromFixture(c.weight!, dev), fromFixture(c.bias!, dev)];
    const s = c.steps[0];
    const y = batchNorm(fromFixture(s.input, dev), runningMean, runningVar, { weight, bias, training: true });
    await assertTensorClose(y, s.output, TOLERANCE.composite, "output");
    await assertTensorClose(runningMean, s.runningMean!, TOLERANCE.composite, "running mean");
    await assertTensorClose(runningVar, s.runningVar!, TOLERANCE.composite, "running var");
  },
);

testOnDevices(
  "BatchNorm2d registers PyTorch's buffer names, moved by to() and kept by identity",
  async (dev) => {
    const bn = new BatchNorm2d(3);
    const buffers = bn.buffers();
    await bn.to(dev);
    assertEquals(bn.namedBuffers().map(([name]) => name), [
      "running_mean",
      "running_var",
      "num_batches_tracked",
    ]);
    assertEquals(bn.buffers(), buffers);
    assert(buffers.every((b) => b.device === dev));
    assertEquals(bn.numBatchesTracked!.dtype, "int32");
    assertEquals(Object.keys(bn.stateDict()), [
      "weight",
      "bias",
      "running_mean",
      "running_var",
      "num_batches_tracked",
    ]);
  },
);

testOnDevices("BatchNorm.resetRunningStats() restores mean 0, variance 1 and no batches", async (dev) => {
  const bn = await new BatchNorm1d(4).to(dev);
  bn.forward(randn([8, 4], { device: dev }).mul(3).add(1));
  bn.resetRunningStats();
  assertEquals(Array.from(await bn.runningMean!.data()), [0, 0, 0, 0]);
  assertEquals(Array.from(await bn.runningVar!.data()), [1, 1, 1, 1]);
  assertEquals(await bn.numBatchesTracked!.item(), 0);
});

testOnDevices("BatchNorm rejects a wrong rank, a wrong channel count and one value per channel", (dev) => {
  const expect = (fn: () => unknown, key: string): void => {
    assertThrows(fn, Error, inGradstepShapes(errors[key]));
  };
  expect(() => new BatchNorm1d(3).forward(zeros([2, 3, 4, 5], { device: dev })), "BatchNorm1d rank");
  expect(() => new BatchNorm2d(3).forward(zeros([2, 3, 4], { device: dev })), "BatchNorm2d rank");
  expect(() => new BatchNorm2d(3).forward(zeros([2, 4, 4, 4], { device: dev })), "BatchNorm channels");
  expect(() => new BatchNorm1d(3).forward(zeros([1, 3], { device: dev })), "BatchNorm one value per channel");
  assertThrows(() => new BatchNorm2d(0), RangeError, "numFeatures must be a positive integer, got 0");
});
