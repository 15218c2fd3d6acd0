import {
  BatchNorm2d,
  Conv2d,
  crossEntropy,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
} from "../../mod.ts";
import { assertEquals } from "../../deps.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { cnnFixture } from "./cnn_fixture.ts";
import { fromFixture } from "./fixture.ts";

const { cnnModel } = cnnFixture();

testOnDevices(
  "A CNN loads PyTorch's state_dict (BatchNorm's buffers included) and matches it in evaluation",
  async (dev) => {
    const model = await new Sequential(
      new Conv2d(1, 4, 3, { padding: 1 }),
      new BatchNorm2d(4),
      new ReLU(),
      new MaxPool2d(2),
      new Dropout(0.25),
      new Flatten(),
      new Linear(64, 5),
    ).to(dev);
    assertEquals(Object.keys(model.stateDict()), Object.keys(cnnModel.state));
    assertEquals(model.namedBuffers().map(([name]) => name), cnnModel.bufferNames);
    const state = Object.fromEntries(
      Object.entries(cnnModel.state).map(([name, e]) => [name, fromFixture(e, dev)]),
    );
    assertEquals(model.loadStateDict(state), { missingKeys: [], unexpectedKeys: [] });
    model.eval();
    const logits = model.forward(fromFixture(cnnModel.input, dev));
    await assertTensorClose(logits, cnnModel.logits, TOLERANCE.composite, "logits");
    const loss = crossEntropy(logits, fromFixture(cnnModel.target, dev));
    await assertTensorClose(loss, cnnModel.loss, TOLERANCE.composite, "loss");
    loss.backward();
    for (const [name, p] of model.namedParameters()) {
      await assertTensorClose(p.grad!, cnnModel.gradients[name], TOLERANCE.composite, `${name} grad`);
    }
  },
);
