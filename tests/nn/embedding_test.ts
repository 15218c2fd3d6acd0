import { Embedding, embedding, noGrad, randn, tensor } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "./fixture.ts";

interface EmbeddingCase {
  name: string;
  options: { paddingIdx?: number; maxNorm?: number; normType?: number; scaleGradByFreq?: boolean };
  weight: Encoded;
  input: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradWeight: Encoded;
  weightAfter: Encoded;
}

const cases = loadFixture<{ embedding: EmbeddingCase[] }>("nn_layers").embedding;

for (const c of cases) {
  testOnDevices(`Embedding forward and backward match PyTorch for ${c.name}`, async (dev) => {
    const [rows, dim] = c.weight.shape;
    // The fixture writer stores Python's True as 1; Embedding takes a boolean.
    const { scaleGradByFreq, ...rest } = c.options;
    const options = scaleGradByFreq === undefined
      ? rest
      : { ...rest, scaleGradByFreq: Boolean(scaleGradByFreq) };
    const layer = await new Embedding(rows, dim, options).to(dev);
    noGrad(() => layer.weight.copy_(fromFixture(c.weight, dev)));
    const y = layer.forward(fromFixture(c.input, dev));
    await assertTensorClose(y, c.output, TOLERANCE.op, "output");
    // maxNorm renormalised the looked-up rows of the weight itself.
    await assertTensorClose(layer.weight, c.weightAfter, TOLERANCE.op, "weight after forward");
    y.backward(fromFixture(c.upstream, dev));
    await assertTensorClose(layer.weight.grad!, c.gradWeight, TOLERANCE.op, "weight grad");
  });
}

testOnDevices("the functional embedding is one node whose only input is the weight", (dev) => {
  const weight = randn([5, 3], { device: dev, requiresGrad: true });
  const y = embedding(tensor([[4, 0]], { dtype: "int32", device: dev }), weight);
  assertEquals(y.shape, [1, 2, 3]);
  assertEquals(y.gradFn?.inputs, [weight]);
});

testOnDevices(
  "Embedding's weight is N(0, 1) with the padding row zero, and its state-dict key is weight",
  async (dev) => {
    const layer = await new Embedding(2000, 50, { paddingIdx: -3 }).to(dev);
    assertEquals(layer.paddingIdx, 1997);
    assertEquals(
      Object.keys(layer.stateDict()),
      loadFixture<{ stateDictKeys: Record<string, string[]> }>("nn_layers").stateDictKeys.Embedding,
    );
    const w = await layer.weight.data();
    const padding = w.subarray(1997 * 50, 1998 * 50);
    assert(padding.every((v) => v === 0), "the padding row is zero");
    const rest = [...w.subarray(0, 1997 * 50), ...w.subarray(1998 * 50)].map(Number);
    const mean = rest.reduce((s, v) => s + v, 0) / rest.length;
    const variance = rest.reduce((s, v) => s + (v - mean) ** 2, 0) / rest.length;
    // 99,950 draws: the sample mean's deviation is 0.003, the variance's 0.0045; these bounds are 10 of them.
    assert(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert(Math.abs(variance - 1) < 0.045, `variance ${variance}`);
  },
);

testOnDevices(
  "Embedding.fromPretrained shares the tensor and freezes it unless told otherwise",
  async (dev) => {
    const table = randn([4, 2], { device: dev });
    const frozen = Embedding.fromPretrained(table);
    assertEquals(frozen.weight.requiresGrad, false);
    assertEquals(frozen.weight.storage, table.storage);
    const trained = Embedding.fromPretrained(table, { freeze: false, paddingIdx: 0 });
    assertEquals(trained.weight.requiresGrad, true);
    await assertTensorClose(trained.forward(tensor([3], { dtype: "int32", device: dev })), {
      shape: [1, 2],
      data: (await table.data()).subarray(6, 8),
    }, TOLERANCE.op);
  },
);

testOnDevices("bad embedding arguments are Errors naming the value, in PyTorch's words", async (dev) => {
  assertThrows(
    () => new Embedding(10, 3, { paddingIdx: 10 }),
    RangeError,
    "Padding_idx must be within num_embeddings",
  );
  assertThrows(
    () => new Embedding(10, 3, { paddingIdx: -11 }),
    RangeError,
    "Padding_idx must be within num_embeddings",
  );
  const layer = await new Embedding(10, 3).to(dev);
  assertThrows(
    () => layer.forward(tensor([1, 2], { dtype: "float32", device: dev })),
    TypeError,
    "'indices' to have one of the following scalar types: int32; but got float32",
  );
  assertThrows(
    () => layer.forward(tensor([1, 2], { device: dev })),
    TypeError,
    'but got float32 instead (while checking arguments for embedding) (indices are made with tensor(values, { dtype: "int32" })',
  );
  assertThrows(
    () => embedding(tensor([1], { dtype: "int32", device: dev }), randn([3], { device: dev })),
    Error,
    "'weight' must be 2-D",
  );
});

// On the CPU the indices are checked before any kernel runs; WebGPU reports the same Error at the next read
// (tests/backends/index_checks_test.ts).
Deno.test("an index out of range is PyTorch's 'index out of range in self', naming the index", () => {
  const layer = new Embedding(65, 4);
  for (const bad of [65, -1]) {
    assertThrows(
      () => layer.forward(tensor([[0, bad]], { dtype: "int32" })),
      RangeError,
      `index out of range in self: index ${bad} is not in [0, 65)`,
    );
  }
});
