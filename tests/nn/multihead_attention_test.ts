import { assertEquals, assertThrows } from "../../deps.ts";
import { manualSeed, MultiheadAttention, randn, type Tensor, tensor, zeros } from "../../mod.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import {
  assertGradsAndState,
  attentionFixture,
  type Encoded,
  load,
  loadPyTorchState,
  type ModuleState,
} from "./attention_fixture.ts";

interface MhaCase extends ModuleState {
  name: string;
  embedDim: number;
  numHeads: number;
  options: { batchFirst: boolean; kdim: number; vdim: number; bias: boolean };
  self: boolean;
  needWeights: boolean;
  averageAttnWeights: boolean;
  keyPaddingMask?: Encoded;
  attnMask?: Encoded;
  query: Encoded;
  key?: Encoded;
  value?: Encoded;
  output: Encoded;
  weights?: Encoded;
  upstream: Encoded;
  upstreamWeights?: Encoded;
  gradQuery: Encoded;
  gradKey?: Encoded;
  gradValue?: Encoded;
  grads: Record<string, Encoded>;
}

for (const c of attentionFixture<{ mha: MhaCase[] }>().mha) {
  testOnDevices(`MultiheadAttention matches PyTorch for ${c.name}`, async (dev) => {
    const mha = await new MultiheadAttention(c.embedDim, c.numHeads, c.options).to(dev);
    loadPyTorchState(mha, c, dev);
    const query = load(c.query, dev, true);
    const [key, value] = c.self ? [query, query] : [load(c.key!, dev, true), load(c.value!, dev, true)];
    const mask = (e: Encoded | undefined): Tensor | null => (e === undefined ? null : load(e, dev));
    const [out, weights] = mha.forward(query, key, value, {
      keyPaddingMask: mask(c.keyPaddingMask),
      attnMask: mask(c.attnMask),
      needWeights: c.needWeights,
      averageAttnWeights: c.averageAttnWeights,
    });
    await assertTensorClose(out, c.output, TOLERANCE.composite, "output");
    let loss = out.mul(load(c.upstream, dev)).sum();
    if (c.weights === undefined) assertEquals(weights, null);
    else {
      await assertTensorClose(weights!, c.weights, TOLERANCE.composite, "weights");
      loss = loss.add(weights!.mul(load(c.upstreamWeights!, dev)).sum());
    }
    loss.backward();
    await assertTensorClose(query.grad!, c.gradQuery, TOLERANCE.composite, "query grad");
    if (!c.self) {
      await assertTensorClose(key.grad!, c.gradKey!, TOLERANCE.composite, "key grad");
      await assertTensorClose(value.grad!, c.gradValue!, TOLERANCE.composite, "value grad");
    }
    await assertGradsAndState(mha, c, TOLERANCE.composite);
  });
}

testOnDevices("MultiheadAttention with needWeights false equals its weighted path", async (dev) => {
  manualSeed(0);
  const mha = await new MultiheadAttention(16, 4).to(dev);
  const x = randn([6, 2, 16], { device: dev });
  const bias = randn([6, 6], { device: dev });
  const padding = randn([2, 6], { device: dev }).gt(1);
  const [slow] = mha.forward(x, x, x, { attnMask: bias, keyPaddingMask: padding });
  const [fast, none] = mha.forward(x, x, x, { attnMask: bias, keyPaddingMask: padding, needWeights: false });
  assertEquals(none, null);
  await assertTensorClose(
    fast,
    { shape: slow.shape, data: await slow.data() },
    TOLERANCE.composite,
    "output",
  );
});

testOnDevices("MultiheadAttention's isCausal hint gives the causal mask's result", async (dev) => {
  manualSeed(1);
  const mha = await new MultiheadAttention(8, 2, { batchFirst: true }).to(dev);
  const x = randn([2, 5, 8], { device: dev });
  const upper = new Float32Array(25).map((_, i) => (i % 5 > Math.floor(i / 5) ? -Infinity : 0));
  const mask = tensor(upper, { shape: [5, 5], device: dev });
  const [withMask] = mha.forward(x, x, x, { attnMask: mask });
  const [hinted] = mha.forward(x, x, x, { attnMask: mask, isCausal: true, needWeights: false });
  await assertTensorClose(
    hinted,
    { shape: withMask.shape, data: await withMask.data() },
    TOLERANCE.composite,
  );
});

testOnDevices("MultiheadAttention's dropout is seeded and off in eval mode", async (dev) => {
  manualSeed(2);
  const mha = await new MultiheadAttention(8, 2, { dropout: 0.5 }).to(dev);
  const x = randn([4, 3, 8], { device: dev });
  manualSeed(5);
  const [a, wa] = mha.forward(x, x, x, { averageAttnWeights: false });
  manualSeed(5);
  const [b] = mha.forward(x, x, x, { averageAttnWeights: false });
  assertEquals(await a.data(), await b.data());
  // Dropped weights are 0 and kept ones scaled by 2, so some row no longer sums to 1.
  const rows = await wa!.sum(-1).data();
  if (rows.every((r) => Math.abs(r - 1) < 1e-5)) {
    throw new Error("dropout left every weight row summing to 1");
  }
  mha.eval();
  const [, we] = mha.forward(x, x, x);
  for (const r of await we!.sum(-1).data()) {
    if (Math.abs(r - 1) > 1e-5) throw new Error(`eval row sums to ${r}`);
  }
});

Deno.test("MultiheadAttention has PyTorch's initialisation and parameter names", async () => {
  manualSeed(0);
  const mha = new MultiheadAttention(12, 3, { kdim: 5, vdim: 7 });
  assertEquals(
    mha.namedParameters().map(([n, p]) => [n, p.shape]),
    [["q_proj_weight", [12, 12]], ["k_proj_weight", [12, 5]], ["v_proj_weight", [12, 7]], ["in_proj_bias", [
      36,
    ]], [
      "out_proj.weight",
      [12, 12],
    ], ["out_proj.bias", [12]]],
  );
  // xavier_uniform: |w| ≤ √(6 / (fanIn + fanOut)); biases zero.
  const bound = Math.sqrt(6 / (12 + 5));
  const k = await mha.k_proj_weight!.data();
  if (k.some((w) => Math.abs(w) > bound) || Math.max(...k.map(Math.abs)) < bound * 0.8) {
    throw new Error("k_proj_weight is not xavier-uniform");
  }
  assertEquals(
    [...await mha.in_proj_bias!.data(), ...await mha.out_proj.bias!.data()].every((b) => b === 0),
    true,
  );
});

testOnDevices("MultiheadAttention rejects bad input with PyTorch's messages", async (dev) => {
  assertThrows(() => new MultiheadAttention(10, 3), RangeError, "embed_dim must be divisible by num_heads");
  assertThrows(
    () => new MultiheadAttention(0, 3),
    RangeError,
    "embed_dim and num_heads must be greater than 0",
  );
  const mha = await new MultiheadAttention(8, 2).to(dev);
  const q = zeros([4, 3, 8], { device: dev });
  const k = zeros([5, 3, 8], { device: dev });
  assertThrows(
    () => mha.forward(q, k, k, { attnMask: zeros([4, 4], { device: dev }) }),
    Error,
    "The shape of the 2D attn_mask is [4,4], but should be [4, 5].",
  );
  assertThrows(
    () => mha.forward(q, k, k, { attnMask: zeros([2, 4, 5], { device: dev }) }),
    Error,
    "The shape of the 3D attn_mask is [2,4,5], but should be [6, 4, 5].",
  );
  assertThrows(
    () => mha.forward(q, k, k, { attnMask: zeros([4, 5], { device: dev, dtype: "int32" }) }),
    TypeError,
    "only bool and floating types of attn_mask are supported",
  );
  assertThrows(
    () => mha.forward(q, k, k, { keyPaddingMask: zeros([3, 5], { device: dev, dtype: "int32" }) }),
    TypeError,
    "only bool and floating types of key_padding_mask are supported",
  );
  assertThrows(
    () => mha.forward(q, k, k, { keyPaddingMask: zeros([3, 4], { device: dev, dtype: "bool" }) }),
    Error,
    "expecting key_padding_mask shape of [3, 5], but got [3,4]",
  );
  assertThrows(
    () => mha.forward(q, k, k, { isCausal: true }),
    Error,
    "Need attn_mask if specifying the is_causal hint",
  );
  assertThrows(
    () => mha.forward(zeros([4, 3, 6], { device: dev }), k, k),
    Error,
    "was expecting embedding dimension of 8, but got 6",
  );
  assertThrows(
    () => mha.forward(q, zeros([5, 8], { device: dev }), k),
    Error,
    "For batched (3-D) `query`, expected `key` and `value` to be 3-D",
  );
});
