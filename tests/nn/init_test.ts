import { Linear, manualSeed } from "../../mod.ts";
import { assert, assertEquals } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { nnFixture } from "./fixture.ts";

/**
 * The chance that a correct initialisation fails any one of these checks is below this. Every threshold below is
 * derived from it and the sample size, so the checks tighten as the layers grow.
 */
const FALSE_ALARM = 1e-9;

/** Kolmogorov–Smirnov distance between the sample and U(-bound, bound). */
function ksDistance(values: Float32Array, bound: number): number {
  const sorted = values.slice().sort();
  let d = 0;
  for (let i = 0; i < sorted.length; i++) {
    const cdf = Math.min(1, Math.max(0, (sorted[i] + bound) / (2 * bound)));
    d = Math.max(d, Math.abs(cdf - i / sorted.length), Math.abs(cdf - (i + 1) / sorted.length));
  }
  return d;
}

/** Checks that `values` look like n independent draws from U(-bound, bound). */
function assertUniform(values: Float32Array, bound: number, what: string): void {
  const n = values.length;
  const limit = Math.fround(bound); // the bound as a float32: a draw just below it may round onto it
  const maxAbs = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert(maxAbs <= limit, `${what}: |value| ${maxAbs} exceeds the bound ${bound}`);
  // P(max |x| < b(1 − ε)) = (1 − ε)^n ≤ e^(−εn): so the largest draw reaches within ε = ln(1/α)/n of the bound.
  const epsilon = Math.log(1 / FALSE_ALARM) / n;
  assert(maxAbs >= bound * (1 - epsilon), `${what}: the largest |value| ${maxAbs} stays far below ${bound}`);
  // Dvoretzky–Kiefer–Wolfowitz: P(D > c) ≤ 2e^(−2nc²).
  const ksLimit = Math.sqrt(Math.log(2 / FALSE_ALARM) / (2 * n));
  const d = ksDistance(values, bound);
  assert(d <= ksLimit, `${what}: KS distance ${d} from U(-${bound}, ${bound}) exceeds ${ksLimit} (n = ${n})`);
  // Hoeffding, for draws in [−b, b]: P(|mean| ≥ t) ≤ 2e^(−nt²/(2b²)).
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const meanLimit = bound * Math.sqrt((2 * Math.log(2 / FALSE_ALARM)) / n);
  assert(Math.abs(mean) <= meanLimit, `${what}: mean ${mean} is off-centre (limit ${meanLimit}, n = ${n})`);
}

for (const c of nnFixture().linearInit) {
  testOnDevices(
    `Linear(${c.inFeatures}, ${c.outFeatures}) initialises weight and bias uniformly within PyTorch's bounds`,
    async (dev) => {
      assert(c.weightMaxAbs <= c.weightBound && c.biasMaxAbs <= c.biasBound, "the fixture's own draws fit");
      manualSeed(1);
      const fc = await new Linear(c.inFeatures, c.outFeatures).to(dev);
      assertUniform((await fc.weight.data()) as Float32Array, c.weightBound, "weight");
      assertUniform((await fc.bias!.data()) as Float32Array, c.biasBound, "bias");
    },
  );
}

testOnDevices(
  "Linear's initialisation is reproducible under manualSeed and differs between layers",
  async (dev) => {
    manualSeed(7);
    const a = await new Linear(20, 30).to(dev);
    const b = await new Linear(20, 30).to(dev);
    manualSeed(7);
    const again = await new Linear(20, 30).to(dev);
    assertEquals(await again.weight.data(), await a.weight.data());
    assertEquals(await again.bias!.data(), await a.bias!.data());
    const [wa, wb] = [await a.weight.data(), await b.weight.data()];
    assert(wa.some((v, i) => v !== wb[i]), "two layers drew the same weights");
  },
);
