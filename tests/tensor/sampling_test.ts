import { cpu, type Device, Generator, manualSeed, multinomial, type Tensor, tensor } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";

// multinomial's random stream is gradstep's, not PyTorch's, so these tests check what a sampler promises: the
// same draws from the same seed, valid and distinct categories, and frequencies matching the probabilities within
// five standard deviations (the seeds are fixed, so the tests are deterministic).

const WEIGHTS = [1, 2, 3, 4];
const P = WEIGHTS.map((w) => w / 10);

/** Each category's count among `samples`, for `n` categories. */
function counts(samples: ArrayLike<number>, n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const s of Array.from(samples)) c[s]++;
  return c;
}

/** Throws unless each count is within 5 standard deviations of `trials · p`. */
function assertFrequencies(observed: number[], p: number[], trials: number, what: string): void {
  p.forEach((pi, i) => {
    const bound = 5 * Math.sqrt(trials * pi * (1 - pi));
    assert(
      Math.abs(observed[i] - trials * pi) <= bound,
      `${what}: category ${i} drawn ${observed[i]} times of ${trials}, expected ${trials * pi} ± ${bound}`,
    );
  });
}

testOnDevices(
  "multinomial with replacement draws categories as often as their probabilities",
  async (dev) => {
    manualSeed(1);
    const trials = 20000;
    const samples = multinomial(tensor(WEIGHTS, { dtype: "float32", device: dev }), trials, {
      replacement: true,
    });
    assertEquals([samples.shape, samples.dtype], [[trials], "int32"]);
    assertFrequencies(counts(await samples.data(), 4), P, trials, "with replacement");
  },
);

testOnDevices(
  "multinomial without replacement: first and second draws have the sequential probabilities",
  async (dev) => {
    manualSeed(2);
    const rows = 20000;
    const weights = tensor(Array.from({ length: rows }, () => WEIGHTS), { dtype: "float32", device: dev });
    const samples = await multinomial(weights, 2).data();
    const first = counts(samples.filter((_, i) => i % 2 === 0), 4);
    const second = counts(samples.filter((_, i) => i % 2 === 1), 4);
    // P(second = j) = Σᵢ≠ⱼ pᵢ · pⱼ / (1 − pᵢ)
    const pSecond = P.map((pj, j) => P.reduce((acc, pi, i) => (i === j ? acc : acc + pi * pj / (1 - pi)), 0));
    assertFrequencies(first, P, rows, "first draw");
    assertFrequencies(second, pSecond, rows, "second draw");
    for (let r = 0; r < rows; r++) {
      assert(
        samples[2 * r] !== samples[2 * r + 1],
        `row ${r} drew a category twice`,
      );
    }
  },
);

testOnDevices(
  "multinomial never draws a category of weight 0 and takes weights that need no normalising",
  async (dev) => {
    manualSeed(3);
    const weights = tensor([[0, 5, 0, 5], [7, 0, 0, 0]], { dtype: "float32", device: dev });
    const drawn = await multinomial(weights, 500, { replacement: true }).data();
    for (let i = 0; i < 1000; i++) assert(i < 500 ? drawn[i] === 1 || drawn[i] === 3 : drawn[i] === 0);
    const all = await multinomial(weights.narrow(0, 0, 1), 4).data();
    assertEquals(new Set(all.slice(0, 2)), new Set([1, 3]), "the categories of weight > 0 come first");
    assertEquals(new Set(all), new Set([0, 1, 2, 3]), "without replacement, all 4 of 4 is a permutation");
  },
);

testOnDevices(
  "multinomial repeats itself under manualSeed and a Generator, and draws the CPU's samples",
  async (dev) => {
    const weights = (on: Device): Tensor => tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]], { device: on });
    const draw = async (seed: number, on: Device, replacement: boolean): Promise<number[]> => {
      manualSeed(seed);
      return Array.from(await multinomial(weights(on), replacement ? 8 : 3, { replacement }).data());
    };
    for (const replacement of [true, false]) {
      assertEquals(await draw(5, dev, replacement), await draw(5, dev, replacement));
      assertEquals(await draw(9, dev, replacement), await draw(9, cpu, replacement), "the CPU's samples");
    }
    const [five, six] = [await draw(5, dev, true), await draw(6, dev, true)];
    assert(five.some((s, i) => s !== six[i]), "another seed, other samples");
    const fromGenerator = async (): Promise<number[]> =>
      Array.from(await multinomial(weights(dev), 3, { generator: new Generator(11) }).data());
    assertEquals(await fromGenerator(), await fromGenerator());
  },
);

testOnDevices("multinomial rejects bad weights and sample counts with PyTorch's messages", (dev) => {
  const t = (data: number[] | number[][][]): Tensor => tensor(data, { dtype: "float32", device: dev });
  assertThrows(() => multinomial(t([[[1]]]), 1), Error, "prob_dist must be 1 or 2 dim");
  assertThrows(
    () => multinomial(t([1, 1]), 3),
    RangeError,
    "cannot sample n_sample > prob_dist.size(-1) samples without replacement",
  );
  assertThrows(
    () => multinomial(t([1, 1]), 0, { replacement: true }),
    RangeError,
    "cannot sample n_sample <= 0 samples",
  );
  assertThrows(
    () => multinomial(tensor([1, 2], { dtype: "int32", device: dev }), 1),
    TypeError,
    "multinomial only supports floating-point dtypes for input, got: int32",
  );
});

Deno.test("multinomial checks the weights' values where they are host memory, as PyTorch", () => {
  const t = (data: number[]): Tensor => tensor(data, { dtype: "float32" });
  assertThrows(
    () => multinomial(t([0, 0]), 1),
    RangeError,
    "invalid multinomial distribution (sum of probabilities <= 0)",
  );
  assertThrows(
    () => multinomial(t([1, -1]), 1),
    RangeError,
    "probability tensor contains either `inf`, `nan` or element < 0",
  );
  assertThrows(
    () => multinomial(t([1, Infinity]), 1),
    RangeError,
    "probability tensor contains either `inf`",
  );
  assertThrows(() => multinomial(t([1, NaN]), 1, { replacement: true }), RangeError, "`nan`");
});
