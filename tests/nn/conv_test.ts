import { Conv2d, conv2d, type Device, manualSeed, noGrad, randn } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { cnnFixture, type ConvCase, inGradstepShapes } from "./cnn_fixture.ts";
import { fromFixture } from "./fixture.ts";

const { conv, convInit, errors } = cnnFixture();

async function layerOf(c: ConvCase, dev: Device): Promise<Conv2d> {
  const layer = await new Conv2d(c.inChannels, c.outChannels, c.kernelSize, c.options).to(dev);
  noGrad(() => {
    layer.weight.copy_(fromFixture(c.weight, dev));
    if (c.bias !== undefined) layer.bias!.copy_(fromFixture(c.bias, dev));
  });
  return layer;
}

for (const c of conv) {
  testOnDevices(`Conv2d forward and backward match PyTorch for ${c.name}`, async (dev) => {
    const layer = await layerOf(c, dev);
    const x = fromFixture(c.input, dev, true);
    const y = layer.forward(x);
    await assertTensorClose(y, c.output, TOLERANCE.composite, "output");
    y.backward(fromFixture(c.upstream, dev));
    await assertTensorClose(x.grad!, c.gradInput, TOLERANCE.composite, "input grad");
    await assertTensorClose(layer.weight.grad!, c.gradWeight, TOLERANCE.composite, "weight grad");
    if (c.gradBias !== undefined) {
      await assertTensorClose(layer.bias!.grad!, c.gradBias, TOLERANCE.composite, "bias grad");
    }
  });
}

testOnDevices("conv2d() matches Conv2d without a module", async (dev) => {
  const c = conv.find((c) => c.name === "groups 2")!;
  const { bias: _, ...options } = c.options; // conv2d takes the bias tensor, not the layer's bias flag
  const y = conv2d(
    fromFixture(c.input, dev),
    fromFixture(c.weight, dev),
    fromFixture(c.bias!, dev),
    options,
  );
  await assertTensorClose(y, c.output, TOLERANCE.composite, "output");
});

Deno.test("Conv2d initialises as PyTorch: Kaiming-uniform weight (a = √5) and bias within 1/√fanIn", async () => {
  manualSeed(0);
  for (const c of convInit) {
    const layer = new Conv2d(c.inChannels, c.outChannels, c.kernelSize, { groups: c.groups });
    assertEquals([...layer.weight.shape], c.weightShape);
    const w = Array.from(await layer.weight.data(), Math.abs);
    const b = Array.from(await layer.bias!.data(), Math.abs);
    assert(w.every((v) => v <= c.weightBound), "weight within PyTorch's bound");
    assert(b.every((v) => v <= c.biasBound), "bias within PyTorch's bound");
    // Both libraries' draws reach close to their bounds: a narrower or wider bound would show here.
    assert(Math.max(...w) > 0.9 * c.weightBound && c.weightMaxAbs > 0.9 * c.weightBound, "weight spread");
    assert(Math.max(...b) > 0.5 * c.biasBound && c.biasMaxAbs > 0.5 * c.biasBound, "bias spread");
  }
});

/** A PyTorch message in gradstep's words: camelCase names and shapes without spaces. */
function inGradstepWords(message: string): string {
  return inGradstepShapes(message).replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

testOnDevices("conv2d and Conv2d reject bad input with PyTorch's messages, naming the values", (dev) => {
  const x = randn([2, 3, 8, 8], { device: dev });
  const w = randn([4, 3, 3, 3], { device: dev });
  const cases: [string, () => unknown][] = [
    ["conv rank", () => conv2d(randn([2, 3], { device: dev }), w)],
    ["conv channels", () => conv2d(randn([2, 2, 8, 8], { device: dev }), w)],
    ["conv groups channels", () => conv2d(randn([2, 4, 8, 8], { device: dev }), w, null, { groups: 2 })],
    ["conv kernel larger than padded input", () => conv2d(randn([2, 3, 2, 2], { device: dev }), w)],
    [
      "conv dilated kernel larger than padded input",
      () => conv2d(randn([2, 3, 2, 2], { device: dev }), w, null, { dilation: 2, padding: 1 }),
    ],
    ["conv bias size", () => conv2d(x, w, randn([3], { device: dev }))],
    ["conv stride", () => conv2d(x, w, null, { stride: 0 })],
    ["conv padding", () => conv2d(x, w, null, { padding: -1 })],
    ["conv dilation", () => conv2d(x, w, null, { dilation: 0 })],
    ["conv groups", () => conv2d(x, w, null, { groups: 0 })],
    ["conv same strided", () => conv2d(x, w, null, { padding: "same", stride: 2 })],
    ["Conv2d inChannels groups", () => new Conv2d(3, 4, 3, { groups: 2 })],
    ["Conv2d outChannels groups", () => new Conv2d(4, 3, 3, { groups: 2 })],
    ["Conv2d groups", () => new Conv2d(4, 4, 3, { groups: 0 })],
  ];
  for (const [key, fn] of cases) assertThrows(fn, Error, inGradstepWords(errors[key]));
  assertThrows(
    () => new Conv2d(4, 4, 3, { padding: "full" as "same" }),
    Error,
    "Invalid padding string 'full', should be one of {'valid', 'same'}",
  );
  assertThrows(
    () => new Conv2d(4, 4, 3, { paddingMode: "mirror" as "reflect" }),
    Error,
    "paddingMode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got paddingMode='mirror'",
  );
  assertThrows(
    () => new Conv2d(3, 4, 3, { padding: 3, paddingMode: "reflect" }).forward(randn([1, 3, 3, 3])),
    Error,
    "Padding size should be less than the corresponding input dimension for reflect padding, but got: padding 3 at dimension 2 of input [1,3,3,3]",
  );
});
