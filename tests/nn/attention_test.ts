import { assertEquals, assertThrows } from "../../deps.ts";
import { manualSeed, rand, randn, scaledDotProductAttention, tensor, where, zeros } from "../../mod.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { attentionFixture, type Encoded, load } from "./attention_fixture.ts";

interface SdpaCase {
  name: string;
  q: Encoded;
  k: Encoded;
  v: Encoded;
  mask?: Encoded;
  isCausal?: boolean;
  scale?: number;
  output: Encoded;
  upstream: Encoded;
  gradQ: Encoded;
  gradK: Encoded;
  gradV: Encoded;
  gradMask?: Encoded;
}

const fixture = attentionFixture<{ sdpa: SdpaCase[] }>();

for (const c of fixture.sdpa) {
  testOnDevices(`scaledDotProductAttention matches PyTorch 2's math reference for ${c.name}`, async (dev) => {
    const [q, k, v] = [c.q, c.k, c.v].map((e) => load(e, dev, true));
    const mask = c.mask === undefined ? null : load(c.mask, dev, c.gradMask !== undefined);
    const y = scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: c.isCausal, scale: c.scale });
    await assertTensorClose(y, c.output, TOLERANCE.composite, "output");
    y.backward(load(c.upstream, dev));
    await assertTensorClose(q.grad!, c.gradQ, TOLERANCE.composite, "query grad");
    await assertTensorClose(k.grad!, c.gradK, TOLERANCE.composite, "key grad");
    await assertTensorClose(v.grad!, c.gradV, TOLERANCE.composite, "value grad");
    if (c.gradMask !== undefined) {
      await assertTensorClose(mask!.grad!, c.gradMask, TOLERANCE.composite, "mask grad");
    }
  });
}

testOnDevices("scaledDotProductAttention is recorded as one node over query, key and value", (dev) => {
  const [q, k, v] = [0, 1, 2].map(() => randn([2, 4, 16, 8], { device: dev, requiresGrad: true }));
  const node = scaledDotProductAttention(q, k, v, { isCausal: true }).gradFn!;
  assertEquals(node.op, "fused");
  assertEquals(node.inputs, [q, k, v]);
});

testOnDevices(
  "scaledDotProductAttention with dropoutP 0 equals no dropout; dropout is seeded",
  async (dev) => {
    manualSeed(1);
    const [q, k, v] = [0, 1, 2].map(() => randn([2, 3, 6, 8], { device: dev }));
    const plain = await scaledDotProductAttention(q, k, v).data();
    assertEquals(await scaledDotProductAttention(q, k, v, { dropoutP: 0 }).data(), plain);
    manualSeed(7);
    const a = await scaledDotProductAttention(q, k, v, { dropoutP: 0.5 }).data();
    manualSeed(7);
    const b = await scaledDotProductAttention(q, k, v, { dropoutP: 0.5 }).data();
    assertEquals(a, b);
    if (a.every((x, i) => x === plain[i])) throw new Error("dropout 0.5 changed nothing");
  },
);

testOnDevices("scaledDotProductAttention's dropout backward matches its own weights", async (dev) => {
  // The same seed gives the same uniform draws, so the fused node must equal the composite with that mask.
  manualSeed(3);
  const shape = [2, 5, 8];
  const [q, k, v] = [0, 1, 2].map(() => randn(shape, { device: dev, requiresGrad: true }));
  manualSeed(11);
  const y = scaledDotProductAttention(q, k, v, { dropoutP: 0.3 });
  const g = randn(y.shape, { device: dev });
  y.backward(g);
  const grads = await Promise.all([q, k, v].map((t) => t.grad!.data()));
  const [q2, k2, v2] = [q, k, v].map((t) => t.detach().requiresGrad_(true));
  manualSeed(11);
  const p = q2.matmul(k2.transpose(-2, -1)).mul(1 / Math.sqrt(8)).softmax(-1);
  const y2 = p.mul(where(rand(p.shape, { device: dev }).lt(0.7), 1 / 0.7, 0)).matmul(v2);
  await assertTensorClose(y, { shape: y2.shape, data: await y2.data() }, TOLERANCE.composite, "output");
  y2.backward(g);
  for (const [i, t] of [q2, k2, v2].entries()) {
    await assertTensorClose(t.grad!, { shape: t.shape, data: grads[i] }, TOLERANCE.composite, `grad ${i}`);
  }
});

testOnDevices("scaledDotProductAttention rejects bad input as PyTorch", (dev) => {
  const q = zeros([2, 4, 8], { device: dev });
  const mask = tensor([[true]], { device: dev });
  assertThrows(
    () => scaledDotProductAttention(q, q, q, { attnMask: mask, isCausal: true }),
    Error,
    "Explicit attn_mask should not be set when is_causal=True",
  );
  assertThrows(
    () => scaledDotProductAttention(q, q, q, { attnMask: zeros([3, 4], { device: dev }) }),
    Error,
    "attn_mask of shape [3,4] is not broadcastable",
  );
  assertThrows(
    () => scaledDotProductAttention(q, q, q, { attnMask: zeros([4, 4], { device: dev, dtype: "int32" }) }),
    TypeError,
    "Expected attn_mask dtype to be bool or float",
  );
  assertThrows(() => scaledDotProductAttention(q, zeros([2, 4, 6], { device: dev }), q), Error, "E = 8");
  assertThrows(() => scaledDotProductAttention(q, q, q, { dropoutP: 1.5 }), RangeError, "between 0 and 1");
});
