import { CrossEntropyLoss, Flatten, Linear, ReLU, Sequential } from "../../mod.ts";
import { assertEquals } from "../../deps.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { fromFixture, nnFixture } from "./fixture.ts";

const { seedModel } = nnFixture();

testOnDevices("The seed's model matches PyTorch's loss and every parameter gradient", async (dev) => {
  const model = await new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10)).to(
    dev,
  );
  model.loadStateDict(
    Object.fromEntries(Object.entries(seedModel.parameters).map(([name, p]) => [name, fromFixture(p, dev)])),
  );
  const loss = new CrossEntropyLoss().forward(
    model.forward(fromFixture(seedModel.input, dev)),
    fromFixture(seedModel.target, dev),
  );
  await assertTensorClose(loss, seedModel.loss, TOLERANCE.composite, "loss");
  loss.backward();
  const named = model.namedParameters();
  assertEquals(named.map(([name]) => name), Object.keys(seedModel.gradients));
  for (const [name, p] of named) {
    await assertTensorClose(p.grad!, seedModel.gradients[name], TOLERANCE.composite, `${name} grad`);
  }
});
