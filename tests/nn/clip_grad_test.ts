/**
 * Gradient clipping (clipGradNorm, clipGradValue, getTotalNorm, clipGradsWithNorm) against PyTorch 1.13
 * (tests/fixtures/clip.json, made by tools/fixtures/clip.py; getTotalNorm and clipGradsWithNorm against its
 * transcription of PyTorch 2.6), on every device, and without reading device memory.
 */
import {
  clipGradNorm,
  clipGradsWithNorm,
  clipGradValue,
  type Device,
  getTotalNorm,
  Linear,
  memoryStats,
  type Tensor,
  zeros,
} from "../../mod.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "./fixture.ts";

interface NormCase {
  name: string;
  grads: (Encoded | null)[];
  single: boolean;
  maxNorm: number;
  normType: number;
  totalNorm: Encoded;
  clipped: (Encoded | null)[];
  nonfiniteError: string | null;
}

interface ValueCase {
  name: string;
  grads: (Encoded | null)[];
  single: boolean;
  clipValue: number;
  clipped: (Encoded | null)[];
}

interface TotalNormCase {
  name: string;
  tensors: Encoded[];
  single: boolean;
  normType: number;
  totalNorm: Encoded;
  nonfiniteError: string | null;
}

interface WithNormCase {
  name: string;
  grads: (Encoded | null)[];
  maxNorm: number;
  totalNorm: Encoded;
  clipped: (Encoded | null)[];
}

const fixture = loadFixture<{
  clipGradNorm: NormCase[];
  clipGradValue: ValueCase[];
  getTotalNorm: TotalNormCase[];
  clipGradsWithNorm: WithNormCase[];
}>("clip");

const EXACT = { rtol: 0, atol: 0 };
/**
 * Norms sum terms of one sign and clipping multiplies by one coefficient, so their errors are relative: no absolute
 * slack, which would hide the tiny-gradient case where PyTorch's 1e-6 decides the coefficient.
 */
const RELATIVE = { rtol: TOLERANCE.composite.rtol, atol: 0 };

/** Parameters (zeros) on `dev` whose grads are the recorded ones; a null grad gives a parameter without grad. */
function paramsWith(grads: (Encoded | null)[], dev: Device): Tensor[] {
  return grads.map((g) => {
    const p = zeros(g?.shape ?? [2], { device: dev, requiresGrad: true });
    p.grad = g === null ? null : fromFixture(g, dev);
    return p;
  });
}

async function assertGrads(params: Tensor[], expected: (Encoded | null)[], what: string): Promise<void> {
  assertEquals(params.length, expected.length);
  for (const [i, p] of params.entries()) {
    const e = expected[i];
    if (e === null) assertEquals(p.grad, null, `${what}: grad ${i} should stay null`);
    else await assertTensorClose(p.grad!, e, RELATIVE, `${what}: grad ${i}`);
  }
}

/** PyTorch's error up to its advice, which names the option in each library's spelling. */
function firstSentence(message: string): string {
  return message.split(" To disable")[0];
}

/** How many times `fn` reads device memory: calls of backend.read, and of readSync other than read's own. */
async function countReads(dev: Device, fn: () => unknown): Promise<number> {
  const backend = dev.backend;
  const { read, readSync } = backend;
  let reads = 0;
  let inRead = false;
  backend.read = (...args) => {
    reads++;
    inRead = true;
    try {
      return read.apply(backend, args);
    } finally {
      inRead = false;
    }
  };
  if (readSync !== undefined) {
    backend.readSync = (...args) => (inRead || reads++, readSync.apply(backend, args));
  }
  try {
    await fn();
  } finally {
    backend.read = read;
    backend.readSync = readSync;
  }
  return reads;
}

/**
 * A negative maxNorm (PyTorch flips every gradient) or clipValue (PyTorch sets every element to -|clipValue|) is
 * refused, naming the value, with the gradients left as they were.
 */
async function assertRefusesNegative(
  clip: () => unknown,
  params: Tensor[],
  grads: readonly (Encoded | null)[],
  what: string,
  name: string,
): Promise<void> {
  assertThrows(clip, RangeError, `Invalid ${what}: expected a number >= 0, got -`);
  for (const [i, p] of params.entries()) {
    const g = grads[i];
    if (g !== null) await assertTensorClose(p.grad!, g, EXACT, `${name}: grad ${i} unchanged`);
  }
}

testOnDevices(
  "clipGradNorm() matches PyTorch's clip_grad_norm_ for every norm type and edge case",
  async (dev) => {
    for (const c of fixture.clipGradNorm) {
      const params = paramsWith(c.grads, dev);
      if (c.maxNorm < 0) {
        const clip = (): unknown =>
          clipGradNorm(c.single ? params[0] : params, c.maxNorm, { normType: c.normType });
        await assertRefusesNegative(clip, params, c.grads, "maxNorm", c.name);
        continue;
      }
      const norm = clipGradNorm(c.single ? params[0] : params, c.maxNorm, { normType: c.normType });
      await assertTensorClose(norm, c.totalNorm, RELATIVE, `${c.name}: total norm`);
      await assertGrads(params, c.clipped, c.name);
    }
  },
);

testOnDevices(
  "clipGradNorm() with errorIfNonfinite rejects as PyTorch does and leaves the grads",
  async (dev) => {
    for (const c of fixture.clipGradNorm) {
      const params = paramsWith(c.grads, dev);
      const target = c.single ? params[0] : params;
      if (c.maxNorm < 0) continue; // refused before any read (the test above)
      if (c.nonfiniteError === null) {
        const norm = await clipGradNorm(target, c.maxNorm, { normType: c.normType, errorIfNonfinite: true });
        await assertTensorClose(norm, c.totalNorm, RELATIVE, `${c.name}: total norm`);
        await assertGrads(params, c.clipped, c.name);
        continue;
      }
      const error = await assertRejects(() =>
        clipGradNorm(target, c.maxNorm, { normType: c.normType, errorIfNonfinite: true })
      );
      assertEquals(firstSentence(error.message), firstSentence(c.nonfiniteError), c.name);
      for (const [i, p] of params.entries()) {
        const g = c.grads[i];
        if (g !== null) await assertTensorClose(p.grad!, g, EXACT, `${c.name}: grad ${i} unchanged`);
      }
    }
  },
);

testOnDevices("clipGradNorm() takes any iterable of parameters, a generator included", async (dev) => {
  const c = fixture.clipGradNorm.find((c) => c.name.startsWith("a parameter without grad is skipped"))!;
  const params = paramsWith(c.grads, dev);
  function* each(): Generator<Tensor> {
    yield* params;
  }
  const norm = clipGradNorm(each(), c.maxNorm, { normType: c.normType });
  await assertTensorClose(norm, c.totalNorm, RELATIVE, "total norm");
  await assertGrads(params, c.clipped, c.name);
});

testOnDevices("clipGradValue() matches PyTorch's clip_grad_value_", async (dev) => {
  for (const c of fixture.clipGradValue) {
    const params = paramsWith(c.grads, dev);
    if (c.clipValue < 0) {
      const clip = (): unknown => clipGradValue(c.single ? params[0] : params, c.clipValue);
      await assertRefusesNegative(clip, params, c.grads, "clipValue", c.name);
      continue;
    }
    clipGradValue(c.single ? params[0] : params, c.clipValue);
    await assertGrads(params, c.clipped, c.name);
  }
});

testOnDevices("getTotalNorm() matches PyTorch 2.6's get_total_norm", async (dev) => {
  for (const c of fixture.getTotalNorm) {
    const tensors = c.tensors.map((t) => fromFixture(t, dev));
    const norm = getTotalNorm(c.single ? tensors[0] : tensors, { normType: c.normType });
    await assertTensorClose(norm, c.totalNorm, RELATIVE, `${c.name}: total norm`);
    if (c.nonfiniteError !== null) {
      const error = await assertRejects(() =>
        getTotalNorm(tensors, { normType: c.normType, errorIfNonfinite: true })
      );
      assertEquals(firstSentence(error.message), firstSentence(c.nonfiniteError), c.name);
    }
  }
});

testOnDevices("clipGradsWithNorm() matches PyTorch 2.6's clip_grads_with_norm_", async (dev) => {
  for (const c of fixture.clipGradsWithNorm) {
    const params = paramsWith(c.grads, dev);
    clipGradsWithNorm(params, c.maxNorm, fromFixture(c.totalNorm, dev));
    await assertGrads(params, c.clipped, c.name);
  }
});

testOnDevices(
  "Clipping reads no device memory, except the one read errorIfNonfinite asks for",
  async (dev) => {
    const model = await new Linear(6, 3).to(dev);
    const params = model.parameters();
    for (const p of params) p.grad = p.detach().mul(10);
    assertEquals(await countReads(dev, () => clipGradNorm(params, 1.0)), 0);
    assertEquals(await countReads(dev, () => clipGradNorm(params, 1.0, { normType: Infinity })), 0);
    assertEquals(await countReads(dev, () => clipGradValue(params, 0.01)), 0);
    const norm = getTotalNorm(params.map((p) => p.grad!), { normType: 3 });
    assertEquals(await countReads(dev, () => clipGradsWithNorm(params, 0.5, norm)), 0);
    assertEquals(await countReads(dev, () => clipGradNorm(params, 1.0, { errorIfNonfinite: true })), 1);
  },
);

testOnDevices("clipGradNorm() leaves no tensor behind but the norm it returns", (dev) => {
  const params = paramsWith(fixture.clipGradNorm[0].grads, dev);
  const before = memoryStats(dev).liveTensors;
  const norm = clipGradNorm(params, 1.0, { normType: 3 });
  assertEquals(memoryStats(dev).liveTensors, before + 1);
  norm.dispose();
  assert(memoryStats(dev).liveTensors === before);
});
