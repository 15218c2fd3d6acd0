import { assertEquals, assertThrows } from "../../deps.ts";
import {
  LayerNorm,
  manualSeed,
  randn,
  type Tensor,
  TransformerEncoder,
  TransformerEncoderLayer,
  type TransformerEncoderLayerOptions,
} from "../../mod.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import {
  assertGradsAndState,
  attentionFixture,
  type Encoded,
  load,
  loadPyTorchState,
  type ModuleState,
} from "./attention_fixture.ts";

interface EncoderCase extends ModuleState {
  name: string;
  dModel: number;
  nhead: number;
  options: TransformerEncoderLayerOptions & { activation: "relu" | "gelu" };
  srcMask?: Encoded;
  srcKeyPaddingMask?: Encoded;
  mask?: Encoded;
  numLayers?: number;
  src: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradSrc: Encoded;
  grads: Record<string, Encoded>;
}

const fixture = attentionFixture<{ encoderLayer: EncoderCase[]; encoder: EncoderCase }>();
const optional = (e: Encoded | undefined, dev: Parameters<typeof load>[1]): Tensor | null =>
  e === undefined ? null : load(e, dev);

for (const c of fixture.encoderLayer) {
  testOnDevices(`TransformerEncoderLayer matches PyTorch for ${c.name}`, async (dev) => {
    const layer = await new TransformerEncoderLayer(c.dModel, c.nhead, { ...c.options, dropout: 0 }).to(dev);
    loadPyTorchState(layer, c, dev);
    const src = load(c.src, dev, true);
    const out = layer.forward(src, {
      srcMask: optional(c.srcMask, dev),
      srcKeyPaddingMask: optional(c.srcKeyPaddingMask, dev),
    });
    await assertTensorClose(out, c.output, TOLERANCE.composite, "output");
    out.mul(load(c.upstream, dev)).sum().backward();
    await assertTensorClose(src.grad!, c.gradSrc, TOLERANCE.composite, "src grad");
    await assertGradsAndState(layer, c, TOLERANCE.composite);
  });
}

testOnDevices("TransformerEncoder of two layers and a final norm matches PyTorch", async (dev) => {
  const c = fixture.encoder;
  const layer = new TransformerEncoderLayer(c.dModel, c.nhead, { ...c.options, dropout: 0 });
  const encoder = await new TransformerEncoder(layer, c.numLayers!, { norm: new LayerNorm(c.dModel) }).to(
    dev,
  );
  loadPyTorchState(encoder, c, dev);
  const src = load(c.src, dev, true);
  const out = encoder.forward(src, { mask: load(c.mask!, dev) });
  await assertTensorClose(out, c.output, TOLERANCE.composite, "output");
  out.mul(load(c.upstream, dev)).sum().backward();
  await assertTensorClose(src.grad!, c.gradSrc, TOLERANCE.composite, "src grad");
  await assertGradsAndState(encoder, c, TOLERANCE.composite);
});

Deno.test("TransformerEncoder deep-copies its layer: equal weights, separate parameters", async () => {
  manualSeed(0);
  const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
  const encoder = new TransformerEncoder(layer, 2);
  const [a, b] = [encoder.layers.at(0), encoder.layers.at(1)];
  assertEquals(await a.linear1.weight.data(), await layer.linear1.weight.data());
  assertEquals(await b.self_attn.in_proj_weight!.data(), await layer.self_attn.in_proj_weight!.data());
  assertEquals(new Set([...a.parameters(), ...b.parameters(), ...layer.parameters()]).size, 36);
  assertEquals(encoder.parameters().length, 24);
});

Deno.test("TransformerEncoderLayer with bias false has no bias parameters, as PyTorch 2.1", () => {
  const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, bias: false });
  assertEquals(Object.keys(layer.stateDict()), [
    "self_attn.in_proj_weight",
    "self_attn.out_proj.weight",
    "linear1.weight",
    "linear2.weight",
    "norm1.weight",
    "norm2.weight",
  ]);
});

testOnDevices("TransformerEncoderLayer's dropout is seeded and off in eval mode", async (dev) => {
  manualSeed(3);
  const layer = await new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.3 }).to(dev);
  const x = randn([5, 2, 8], { device: dev });
  manualSeed(9);
  const a = await layer.forward(x).data();
  manualSeed(9);
  assertEquals(await layer.forward(x).data(), a);
  layer.eval();
  const e = await layer.forward(x).data();
  assertEquals(await layer.forward(x).data(), e);
  if (e.every((v, i) => v === a[i])) throw new Error("dropout 0.3 changed nothing in training mode");
});

Deno.test("TransformerEncoderLayer rejects an unknown activation and a bad head count", () => {
  assertThrows(
    () => new TransformerEncoderLayer(8, 2, { activation: "tanh" as "relu" }),
    Error,
    "activation should be relu/gelu, not tanh",
  );
  assertThrows(
    () => new TransformerEncoderLayer(8, 3),
    RangeError,
    "embed_dim must be divisible by num_heads",
  );
});
