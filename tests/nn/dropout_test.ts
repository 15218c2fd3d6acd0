import { Dropout, dropout, Generator, manualSeed, ones, randn } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { cnnFixture } from "./cnn_fixture.ts";

const { errors } = cnnFixture();

// Masks come from gradstep's generator, not PyTorch's, so these tests check the distribution: with n draws the
// kept fraction has standard deviation √(p(1−p)/n); the bounds below are five of those, and the seed makes the
// outcome fixed.
const n = 100_000;

for (const p of [0.1, 0.5, 0.8]) {
  testOnDevices(
    `dropout(p = ${p}) keeps a fraction 1 − p of elements, each scaled by 1 / (1 − p)`,
    async (dev) => {
      manualSeed(0);
      const y = await dropout(ones([n], { device: dev }), { p }).data();
      const scale = Math.fround(1 / (1 - p));
      const kept = y.filter((v) => v !== 0);
      assert(kept.every((v) => v === scale), "survivors are scaled by 1 / (1 - p)");
      const sigma = Math.sqrt((p * (1 - p)) / n);
      assert(Math.abs(kept.length / n - (1 - p)) < 5 * sigma, `kept ${kept.length / n}, expected ${1 - p}`);
    },
  );
}

testOnDevices("dropout's gradient is its mask: zero where dropped, 1 / (1 − p) where kept", async (dev) => {
  const x = ones([1000], { device: dev, requiresGrad: true });
  const y = dropout(x, { p: 0.4 });
  y.sum().backward();
  assertEquals(await x.grad!.data(), await y.data());
});

testOnDevices(
  "Dropout is the identity in evaluation mode, and for p = 0; p = 1 drops everything",
  async (dev) => {
    const x = randn([64, 10], { device: dev });
    const layer = new Dropout(0.5);
    layer.eval();
    assert(layer.forward(x) === x);
    assert(dropout(x, { p: 0.5, training: false }) === x);
    assert(dropout(x, { p: 0 }) === x);
    assert((await dropout(x, { p: 1 }).data()).every((v) => v === 0));
    layer.train();
    assert((await layer.forward(x).data()).some((v) => v === 0));
  },
);

testOnDevices("dropout masks repeat with manualSeed and with a seeded generator", async (dev) => {
  const x = ones([256], { device: dev });
  manualSeed(7);
  const a = await dropout(x).data();
  manualSeed(7);
  const b = await new Dropout().forward(x).data();
  const c = await dropout(x, { generator: new Generator(7) }).data();
  assertEquals(a, b);
  assertEquals(a, c);
  assert(a.some((v) => v === 0) && a.some((v) => v !== 0));
});

Deno.test("dropout rejects p outside [0, 1] with PyTorch's message", () => {
  assertThrows(() => dropout(ones([2]), { p: 1.5 }), RangeError, errors["dropout p"]);
  assertThrows(
    () => new Dropout(-0.1),
    RangeError,
    "dropout probability has to be between 0 and 1, but got -0.1",
  );
  assertThrows(() => new Dropout(NaN), RangeError, "but got NaN");
});
