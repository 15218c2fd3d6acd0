import { collate, MNIST, transforms } from "../../data/mod.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../../deps.ts";
import type { Tensor } from "../../mod.ts";
import { assertClose, assertTensorClose, loadFixture, TOLERANCE } from "../helpers.ts";

/** One split's facts, parsed by tools/fixtures/mnist_small.py independently of gradstep. */
interface Split {
  fullLength: number;
  fullLabelLength: number;
  imageShape: number[];
  labels: number[];
  imageSha256: string[];
}

interface MnistSmall {
  mean: number[];
  std: number[];
  firstTrainImage: Record<"toTensor" | "normalized", { shape: number[]; data: number[] }>;
  byteTable: Record<"toTensor" | "normalized", number[]>;
  train: Split;
  t10k: Split;
}

const fixture = loadFixture<MnistSmall>("mnist_small");
const normalizeMnist = (): transforms.Transform =>
  transforms.compose(transforms.toTensor(), transforms.normalize(fixture.mean, fixture.std));

/** A folder of tests/fixtures/mnist_small as a file URL. */
function folder(name: string): URL {
  return new URL(`../fixtures/mnist_small/${name}/`, import.meta.url);
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Throws unless the first images and labels of `mnist` are those the fixture script read. */
async function assertSameSamples(mnist: MNIST, split: Split): Promise<void> {
  const size = split.imageShape[0] * split.imageShape[1];
  assertEquals([mnist.height, mnist.width], split.imageShape);
  assertEquals(Array.from(mnist.labels.subarray(0, split.labels.length)), split.labels);
  for (let i = 0; i < split.imageSha256.length; i++) {
    assertEquals(
      await sha256(mnist.images.subarray(i * size, (i + 1) * size)),
      split.imageSha256[i],
      `image ${i}`,
    );
  }
}

/** Throws unless `images` ([N, 1, H, W]) holds PyTorch's value for each raw byte of `mnist`'s first N images. */
async function assertTableValues(images: Tensor, mnist: MNIST, table: number[]): Promise<void> {
  const raw = mnist.images.subarray(0, images.numel);
  assertClose(await images.data(), Array.from(raw, (b) => table[b]), TOLERANCE.op, "pixels");
}

let full: Promise<[MNIST, MNIST]> | undefined;
/** The default training and test splits, loaded once. */
function fullMnist(): Promise<[MNIST, MNIST]> {
  full ??= Promise.all([MNIST.load({ train: true }), MNIST.load({ train: false })]);
  return full;
}

Deno.test("MNIST.load() reads the npm package's 60000 training and 10000 test images", async () => {
  const [train, test] = await fullMnist();
  assertEquals(train.length, 60000);
  assertEquals(test.length, 10000);
  assertEquals(train.length, fixture.train.fullLength);
  assertEquals(test.length, fixture.t10k.fullLength);
  assertEquals(train.labels.length, fixture.train.fullLabelLength);
  assertEquals(test.labels.length, fixture.t10k.fullLabelLength);
  await assertSameSamples(train, fixture.train);
  await assertSameSamples(test, fixture.t10k);
  for (const split of [train, test]) assert(split.labels.every((l) => l >= 0 && l <= 9), "labels are digits");
});

Deno.test("MNIST.get() gives a float32 [1, 28, 28] image in [0, 1] and an integer label", async () => {
  const [train, test] = await fullMnist();
  for (const split of [train, test]) {
    for (const i of [0, split.length - 1]) {
      const [image, label] = split.get(i);
      assertEquals(image.shape, [1, 28, 28]);
      assertEquals(image.dtype, "float32");
      assert((await image.data()).every((v) => v >= 0 && v <= 1), `image ${i} in [0, 1]`);
      assert(Number.isInteger(label) && label >= 0 && label <= 9, `label ${label} is a digit`);
      assertEquals(label, split.labels[i]);
    }
  }
  const [image] = train.get(0);
  await assertTensorClose(
    image,
    { shape: [1, 28, 28], data: fixture.firstTrainImage.toTensor.data },
    TOLERANCE.op,
  );
});

Deno.test("MNIST.get() rejects an index out of range", async () => {
  const [, test] = await fullMnist();
  for (const i of [-1, test.length, 1.5]) {
    assertThrows(() => test.get(i), RangeError, `index ${i} is out of range`);
  }
});

for (const [name, kind] of [["plain", "plain"], ["gzipped", "gzip"]] as const) {
  Deno.test(`MNIST.load({ root }) reads ${name} IDX files from a file URL or a path`, async () => {
    const url = folder(kind);
    for (const root of [url, new URL(url.href.slice(0, -1)), url.pathname, url.pathname.slice(0, -1)]) {
      const train = await MNIST.load({ train: true, root });
      const test = await MNIST.load({ train: false, root });
      assertEquals(train.length, fixture.train.labels.length);
      assertEquals(test.length, fixture.t10k.labels.length);
      await assertSameSamples(train, fixture.train);
      await assertSameSamples(test, fixture.t10k);
    }
  });
}

for (const [name, kind] of [["plain", "plain"], ["gzipped", "gzip"]] as const) {
  Deno.test(`MNIST.fromBytes() reads ${name} IDX bytes as load() reads the files`, async () => {
    for (const [prefix, split] of [["train", fixture.train], ["t10k", fixture.t10k]] as const) {
      const suffix = kind === "gzip" ? ".gz" : "";
      const mnist = await MNIST.fromBytes({
        images: await Deno.readFile(new URL(`${prefix}-images-idx3-ubyte${suffix}`, folder(kind))),
        labels: await Deno.readFile(new URL(`${prefix}-labels-idx1-ubyte${suffix}`, folder(kind))),
      });
      assertEquals(mnist.length, split.labels.length);
      await assertSameSamples(mnist, split);
    }
  });
}

Deno.test("MNIST.fromBytes() names the split whose counts disagree", async () => {
  const bytes = (name: string): Promise<Uint8Array> => Deno.readFile(new URL(name, folder("count_mismatch")));
  await assertRejects(
    async () =>
      await MNIST.fromBytes({
        images: await bytes("train-images-idx3-ubyte"),
        labels: await bytes("train-labels-idx1-ubyte"),
      }),
    Error,
    "images holds",
  );
});

Deno.test("MNIST with toTensor and normalize matches torchvision's ToTensor and Normalize", async () => {
  const train = await MNIST.load({ root: folder("plain"), transform: normalizeMnist() });
  const [image] = train.get(0);
  const expected = fixture.firstTrainImage.normalized;
  await assertTensorClose(image, { shape: expected.shape.slice(1), data: expected.data }, TOLERANCE.op);
  const [batch, labels] = train.getBatch(Int32Array.from({ length: train.length }, (_, i) => i));
  assertEquals(batch.shape, [train.length, 1, 28, 28]);
  await assertTableValues(batch, train, fixture.byteTable.normalized);
  assertEquals(Array.from(await labels.data()), fixture.train.labels);

  const plain = await MNIST.load({ root: folder("plain") });
  const [raw] = plain.getBatch(Int32Array.from({ length: plain.length }, (_, i) => i));
  await assertTableValues(raw, plain, fixture.byteTable.toTensor);
});

Deno.test("MNIST.getBatch() equals collating get(), labels int32", async () => {
  for (const transform of [undefined, normalizeMnist()]) {
    const train = await MNIST.load({ root: folder("gzip"), transform });
    const indices = Int32Array.from([3, 0, 2, 0]);
    const fast = train.getBatch(indices);
    const slow = collate([...indices].map((i) => train.get(i)));
    assertEquals(fast.length, slow.length);
    assertEquals(fast[1].dtype, "int32");
    for (let f = 0; f < fast.length; f++) {
      assertEquals(fast[f].shape, slow[f].shape);
      assertEquals(fast[f].dtype, slow[f].dtype);
      assertEquals(await fast[f].data(), await slow[f].data());
    }
  }
});

Deno.test("MNIST.load() names the missing file and where it looked", async () => {
  const root = folder("labels_missing");
  const error = await assertRejects(() => MNIST.load({ root }), Error, "MNIST file not found");
  assert(error.message.includes(`${root.pathname}train-labels-idx1-ubyte`), error.message);
  assert(error.message.includes(`${root.pathname}train-labels-idx1-ubyte.gz`), error.message);
  await assertRejects(() => MNIST.load({ root, train: false }), Error, "t10k-images-idx3-ubyte");
});

Deno.test("MNIST.load() names the file with a wrong magic number and the one expected", async () => {
  const root = folder("bad_magic");
  const error = await assertRejects(
    () => MNIST.load({ root }),
    Error,
    `${root.pathname}train-images-idx3-ubyte:`,
  );
  assert(error.message.includes("wrong magic number 0x00000801"), error.message);
  assert(error.message.includes("expected 0x00000803"), error.message);
});

Deno.test("MNIST.load() names a truncated file, its size and the size its header needs", async () => {
  const root = folder("truncated");
  const error = await assertRejects(
    () => MNIST.load({ root }),
    Error,
    `${root.pathname}train-images-idx3-ubyte:`,
  );
  const size = (await Deno.stat(new URL("train-images-idx3-ubyte", root))).size;
  assert(error.message.includes("truncated IDX file"), error.message);
  assert(error.message.includes(`needs`) && error.message.includes(`the file has ${size}`), error.message);
});

Deno.test("MNIST.load() names a truncated gzip file", async () => {
  const root = folder("truncated_gzip");
  const error = await assertRejects(
    () => MNIST.load({ root }),
    Error,
    `${root.pathname}train-images-idx3-ubyte.gz:`,
  );
  assert(error.message.includes("gzip"), error.message);
});

Deno.test("MNIST.load() names both files when images and labels disagree in count", async () => {
  const root = folder("count_mismatch");
  const error = await assertRejects(
    () => MNIST.load({ root }),
    Error,
    `${root.pathname}train-images-idx3-ubyte`,
  );
  assert(error.message.includes(`${root.pathname}train-labels-idx1-ubyte`), error.message);
  assert(error.message.includes("images but"), error.message);
});
