import { CrossEntropyLoss, type Device, type Module, MSELoss, NLLLoss } from "../../mod.ts";
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
