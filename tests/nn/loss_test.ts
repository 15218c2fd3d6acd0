import { CrossEntropyLoss, type Device, type Module, MSELoss, NLLLoss, randn, tensor } from "../../mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { fromFixture, type LossCase, nnFixture } from "./fixture.ts";

const LOSSES = { crossEntropy: "CrossEntropyLoss", nll: "NLLLoss", mse: "MSELoss" } as const;

function criterion(c: LossCase, dev: Device): Module {
  const { reduction, labelSmoothing, ignoreIndex } = c.options;
  const weight = c.options.weight === undefined ? null : fromFixture(c.options.weight, dev);
  switch (c.kind) {
    case "crossEntropy":
      return new CrossEntropyLoss({ reduction, labelSmoothing, ignoreIndex, weight });
    case "nll":
      return new NLLLoss({ reduction, ignoreIndex, weight });
    case "mse":
      return new MSELoss({ reduction });
  }
}

for (const c of nnFixture().losses) {
  testOnDevices(`${LOSSES[c.kind]} matches PyTorch (value and input grad) for ${c.name}`, async (dev) => {
    const input = fromFixture(c.input, dev, true);
    const loss = criterion(c, dev).forward(input, fromFixture(c.target, dev));
    await assertTensorClose(loss, c.output, TOLERANCE.composite, "loss");
    loss.backward(fromFixture(c.upstream, dev));
    await assertTensorClose(input.grad!, c.gradInput, TOLERANCE.composite, "input grad");
  });
}

testOnDevices(
  "class-index targets written as JavaScript numbers are float32: the losses' errors name the int32 fix",
  (dev) => {
    const logits = randn([3, 5], { device: dev });
    const labels = tensor([4, 0, 2], { device: dev });
    const fix = 'tensor(values, { dtype: "int32" }) or from an Int32Array';
    assertThrows(() => new CrossEntropyLoss().forward(logits, labels), Error, fix);
    assertThrows(() => new NLLLoss().forward(logits.logSoftmax(1), labels), TypeError, fix);
    const probabilities = tensor([[0.5, 0.5]], { device: dev });
    const wrongShape = assertThrows(() => new CrossEntropyLoss().forward(logits, probabilities), Error);
    assertEquals((wrongShape as Error).message.includes(fix), false, "a probability target of another shape");
  },
);
