import { Linear, noGrad } from "../../mod.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { fromFixture, nnFixture } from "./fixture.ts";

for (const c of nnFixture().linear) {
  testOnDevices(`Linear forward and backward match PyTorch for ${c.name}`, async (dev) => {
    const fc = await new Linear(c.weight.shape[1], c.weight.shape[0], { bias: c.bias !== undefined }).to(dev);
    noGrad(() => {
      fc.weight.copy_(fromFixture(c.weight, dev));
      if (c.bias !== undefined) fc.bias!.copy_(fromFixture(c.bias, dev));
    });
    const x = fromFixture(c.input, dev, true);
    const y = fc.forward(x);
    await assertTensorClose(y, c.output, TOLERANCE.composite, "output");
    y.backward(fromFixture(c.upstream, dev));
    await assertTensorClose(x.grad!, c.gradInput, TOLERANCE.composite, "input grad");
    await assertTensorClose(fc.weight.grad!, c.gradWeight, TOLERANCE.composite, "weight grad");
    if (c.gradBias !== undefined) {
      await assertTensorClose(fc.bias!.grad!, c.gradBias, TOLERANCE.composite, "bias grad");
    }
  });
}
