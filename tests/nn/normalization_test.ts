import { LayerNorm, layerNorm, noGrad, randn, RMSNorm, tensor } from "../../mod.ts";
import { autocast } from "../../amp/mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "./fixture.ts";

interface NormCase {
  kind: "LayerNorm" | "RMSNorm";
  name: string;
  normalizedShape: number | number[];
  eps: number | null;
  input: Encoded;
  weight?: Encoded;
  bias?: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradInput: Encoded;
  gradWeight?: Encoded;
  gradBias?: Encoded;
}

const fixture = loadFixture<{ norms: NormCase[]; stateDictKeys: Record<string, string[]> }>("nn_layers");

for (const c of fixture.norms) {
  testOnDevices(`${c.kind} forward and backward match PyTorch for ${c.name}`, async (dev) => {
    const elementwiseAffine = c.weight !== undefined;
    const layer = c.kind === "LayerNorm"
      ? new LayerNorm(c.normalizedShape, {
        eps: c.eps ?? undefined,
        elementwiseAffine,
        bias: c.bias !== undefined,
      })
      : new RMSNorm(c.normalizedShape, { eps: c.eps, elementwiseAffine });
    await layer.to(dev);
    noGrad(() => {
      if (c.weight) layer.weight!.copy_(fromFixture(c.weight, dev));
      if (c.bias) (layer as LayerNorm).bias!.copy_(fromFixture(c.bias, dev));
    });
    const x = fromFixture(c.input, dev, true);
    const y = layer.forward(x);
    assertEquals(y.gradFn?.op, "fused");
    await assertTensorClose(y, c.output, TOLERANCE.composite, "output");
    y.backward(fromFixture(c.upstream, dev));
    await assertTensorClose(x.grad!, c.gradInput, TOLERANCE.composite, "input grad");
    if (c.gradWeight) {
      await assertTensorClose(layer.weight!.grad!, c.gradWeight, TOLERANCE.composite, "weight grad");
    }
    if (c.gradBias) {
      await assertTensorClose((layer as LayerNorm).bias!.grad!, c.gradBias, TOLERANCE.composite, "bias grad");
    }
  });
}

testOnDevices("LayerNorm and RMSNorm have PyTorch's state-dict keys and initial weights", async (dev) => {
  const keys = fixture.stateDictKeys;
  const cases = [
    ["LayerNorm", new LayerNorm([2, 3])],
    ["LayerNorm no affine", new LayerNorm(3, { elementwiseAffine: false })],
    ["LayerNorm bias false", new LayerNorm(3, { bias: false })],
    ["RMSNorm", new RMSNorm(3)],
    ["RMSNorm no affine", new RMSNorm(3, { elementwiseAffine: false })],
  ] as const;
  for (const [name, layer] of cases) assertEquals(Object.keys(layer.stateDict()), keys[name], name);
  const ln = await new LayerNorm([2, 3]).to(dev);
  assertEquals([...await ln.weight!.data()], [1, 1, 1, 1, 1, 1]);
  assertEquals([...await ln.bias!.data()], [0, 0, 0, 0, 0, 0]);
});

testOnDevices(
  "layerNorm's gradients skip what is not needed and match with a non-contiguous input",
  async (dev) => {
    const base = randn([6, 4], { device: dev, requiresGrad: true });
    const weight = randn([6], { device: dev });
    const y = layerNorm(base.T, 6, { weight });
    const upstream = randn([4, 6], { device: dev });
    y.backward(upstream);
    const fused = await base.grad!.data();
    base.grad = null;
    // The same function taped from primitives.
    const x = base.T;
    const mean = x.mean(-1, { keepdim: true });
    const centered = x.sub(mean);
    const variance = centered.mul(centered).mean(-1, { keepdim: true });
    centered.div(variance.add(1e-5).sqrt()).mul(weight).backward(upstream);
    await assertTensorClose(base.grad!, { shape: [6, 4], data: fused }, TOLERANCE.composite, "input grad");
  },
);

testOnDevices("bad normalization arguments are Errors in PyTorch's words", (dev) => {
  const ln = new LayerNorm(128);
  assertThrows(
    () => ln.forward(randn([2, 100], { device: dev })),
    Error,
    "Given normalized_shape=[128], expected input with shape [*, 128], but got input of size[2,100]",
  );
  assertThrows(
    () => layerNorm(randn([2, 4], { device: dev }), 4, { weight: randn([3], { device: dev }) }),
    Error,
    "Expected weight to be of same shape as normalized_shape, but got weight of shape [3] and normalized_shape = [4]",
  );
  assertThrows(
    () => layerNorm(tensor([1, 2], { dtype: "int32", device: dev }), 2),
    TypeError,
    "Expected a floating-point input for normalization, got int32",
  );
  assertThrows(
    () => new RMSNorm([2, -1]),
    RangeError,
    "normalizedShape must be non-negative integers, got [2,-1]",
  );
});

testOnDevices(
  "layerNorm runs in float32 under autocast, as PyTorch's, and keeps float16 outside it",
  async (dev) => {
    const ln = await new LayerNorm(4).to(dev);
    const x = randn([2, 4], { device: dev });
    const y = autocast(() => ln.forward(x.half()));
    assertEquals(y.dtype, "float32");
    const expected = await ln.forward(x.half().float()).data();
    await assertTensorClose(y, { shape: [2, 4], data: expected }, TOLERANCE.op, "output");
    // Outside autocast a float16 input gives a float16 result, computed in float32.
    const half = ln.forward(x.half());
    assertEquals(half.dtype, "float16");
    await assertTensorClose(
      half.float(),
      { shape: [2, 4], data: expected },
      { rtol: 1e-3, atol: 1e-3 },
      "float16",
    );
  },
  { requires: "shader-f16" },
);
