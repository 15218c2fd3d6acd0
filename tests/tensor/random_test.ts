import { cpu, Generator, manualSeed, philox4x32, rand, randn } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";

/** Hex words as uint32 numbers. */
const words = (hex: string): number[] => hex.trim().split(/\s+/).map((w) => parseInt(w, 16));

Deno.test("philox4x32 matches the Random123 known-answer vectors for Philox4x32-10", () => {
  // The three philox4x32 10-round lines of Random123's kat_vectors file (counter, key, expected output), as
  // reproduced in D. E. Shaw Research's own tests (fs123: core123/ut/ut_philox.cpp).
  const kat = [
    ["00000000 00000000 00000000 00000000", "00000000 00000000", "6627e8d5 e169c58d bc57ac4c 9b00dbd8"],
    ["ffffffff ffffffff ffffffff ffffffff", "ffffffff ffffffff", "408f276d 41c83b0e a20bc7c6 6d5451fd"],
    ["243f6a88 85a308d3 13198a2e 03707344", "a4093822 299f31d0", "d16cfe09 94fdcceb 5001e420 24126ea1"],
  ];
  for (const [counter, key, expected] of kat) {
    assertEquals(
      [...philox4x32(words(counter), words(key))],
      words(expected),
      `counter ${counter}, key ${key}`,
    );
  }
});

testOnDevices("manualSeed makes rand and randn reproducible, and other seeds differ", async (dev) => {
  manualSeed(1234);
  const a = await rand([1000], { device: dev }).data();
  const b = await randn([3, 5], { device: dev }).data();
  manualSeed(1234);
  assertEquals(await rand([1000], { device: dev }).data(), a);
  assertEquals(await randn([3, 5], { device: dev }).data(), b);
  manualSeed(1235);
  const c = await rand([1000], { device: dev }).data();
  assert(c.some((v, i) => v !== a[i]), "a different seed gives different numbers");
});

testOnDevices("the same seed gives the same numbers on every device", async (dev) => {
  manualSeed(99);
  const here = await randn([257], { device: dev }).data();
  manualSeed(99);
  assertEquals(here, await randn([257], { device: cpu }).data());
});

Deno.test("a Generator is its own stream: the default one is untouched and equal seeds give equal streams", async () => {
  manualSeed(5);
  const expected = await rand([8]).data();
  manualSeed(5);
  const g = new Generator(77);
  const first = await rand([8], { generator: g }).data();
  assertEquals(await rand([8]).data(), expected);
  assertEquals(await rand([8], { generator: new Generator(77) }).data(), first);
  assertEquals(g.seed, 77);
  assertEquals(g.offset, 2, "eight numbers use two blocks of four words");
  g.manualSeed(77);
  assertEquals(g.offset, 0);
});

Deno.test("manualSeed rejects seeds that are not non-negative safe integers, naming them", () => {
  assertThrows(() => manualSeed(-1), RangeError, "manualSeed() expects a non-negative safe integer, got -1");
  assertThrows(() => new Generator(0.5), RangeError, "got 0.5");
});

Deno.test("rand and randn need a floating-point dtype and a valid shape", () => {
  assertThrows(
    () => rand([2], { dtype: "int32" }),
    TypeError,
    "rand() needs a floating-point dtype, got int32",
  );
  assertThrows(() => randn([2, -1]), TypeError, "Expected a shape of non-negative integers, got [2,-1]");
});

/** Mean and (population) variance of `x`, in float64. */
function moments(x: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  const mean = sum / x.length;
  let squares = 0;
  for (let i = 0; i < x.length; i++) squares += (x[i] - mean) ** 2;
  return { mean, variance: squares / x.length };
}

/** Throws unless `value` is within `sigmas` standard errors of `expected`. */
function assertWithin(
  value: number,
  expected: number,
  standardError: number,
  what: string,
  sigmas = 5,
): void {
  assert(
    Math.abs(value - expected) <= sigmas * standardError,
    `${what} = ${value}, expected ${expected} ± ${sigmas} × ${standardError}`,
  );
}

const N = 100_000;

testOnDevices(
  "rand's 100k samples lie in [0, 1) with the uniform distribution's mean and variance",
  async (dev) => {
    manualSeed(2024);
    const x = await rand([N], { device: dev }).data();
    assert(x.every((v) => v >= 0 && v < 1));
    const { mean, variance } = moments(x);
    // Uniform on [0, 1): variance 1/12, fourth central moment 1/80; var(sample variance) ≈ (μ4 − σ⁴) / n.
    assertWithin(mean, 1 / 2, Math.sqrt(1 / 12 / N), "mean");
    assertWithin(variance, 1 / 12, Math.sqrt((1 / 80 - 1 / 144) / N), "variance");
  },
);

testOnDevices(
  "randn's 100k samples have the standard normal's mean, variance and one-sigma mass",
  async (dev) => {
    manualSeed(2025);
    const x = await randn([N], { device: dev }).data();
    const { mean, variance } = moments(x);
    // Standard normal: σ = 1, fourth central moment 3, so var(sample variance) ≈ 2 / n.
    assertWithin(mean, 0, Math.sqrt(1 / N), "mean");
    assertWithin(variance, 1, Math.sqrt(2 / N), "variance");
    const p = 0.6826894921370859; // P(|X| < 1) = erf(1/√2)
    const inside = x.filter((v) => Math.abs(v) < 1).length / N;
    assertWithin(inside, p, Math.sqrt((p * (1 - p)) / N), "fraction within one sigma");
  },
);
