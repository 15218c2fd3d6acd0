import { AvgPool2d, avgPool2d, MaxPool2d, maxPool2d, randn } from "../../mod.ts";
import { assertThrows } from "../../deps.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { cnnFixture, inGradstepShapes } from "./cnn_fixture.ts";
import { fromFixture } from "./fixture.ts";

const { pool, errors } = cnnFixture();

for (const c of pool) {
  const Layer = c.kind === "max" ? MaxPool2d : AvgPool2d;
  testOnDevices(`${Layer.name} forward and backward match PyTorch for ${c.name}`, async (dev) => {
    const { kernelSize, ...options } = c.options;
    const layer = new Layer(kernelSize, options);
    const x = fromFixture(c.input, dev, true);
    const y = layer.forward(x);
    await assertTensorClose(y, c.output, TOLERANCE.op, "output");
    y.backward(fromFixture(c.upstream, dev));
    await assertTensorClose(x.grad!, c.gradInput, TOLERANCE.op, "input grad");
  });
}

testOnDevices(
  "maxPool2d and avgPool2d reject bad input with PyTorch's messages, naming the values",
  (dev) => {
    const x = randn([2, 3, 8, 8], { device: dev });
    const cases: [string, () => unknown][] = [
      ["pool rank", () => maxPool2d(randn([2, 3], { device: dev }), 2)],
      ["pool kernel", () => maxPool2d(x, 0, { stride: 1 })],
      ["pool stride", () => maxPool2d(x, 3, { stride: -1 })],
      ["pool padding", () => maxPool2d(x, 3, { padding: -1 })],
      ["pool dilation", () => maxPool2d(x, 3, { dilation: 0 })],
      ["pool padding over half the kernel", () => maxPool2d(x, 3, { padding: 2 })],
      ["pool padding over half the kernel", () => avgPool2d(x, 3, { padding: 2 })],
      ["pool output too small", () => maxPool2d(randn([2, 3, 2, 2], { device: dev }), 3)],
      ["pool output too small", () => avgPool2d(randn([2, 3, 2, 2], { device: dev }), 3)],
      ["avg pool divisor", () => avgPool2d(x, 3, { divisorOverride: 0 })],
    ];
    for (const [key, fn] of cases) assertThrows(fn, Error, inGradstepShapes(errors[key]));
    assertThrows(() => maxPool2d(randn([2, 3], { device: dev }), 2), Error, "got shape [2,3]");
  },
);
