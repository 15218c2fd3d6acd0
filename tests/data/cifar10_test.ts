import { CIFAR10, collate, type RawImages } from "../../data/mod.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../../deps.ts";

const RECORD = 3073;

/** `labels.length` records in CIFAR-10's binary layout: the label, then 3072 random pixel bytes. */
function records(labels: number[]): Uint8Array {
  const bytes = new Uint8Array(labels.length * RECORD);
  labels.forEach((label, r) => {
    bytes[r * RECORD] = label;
    crypto.getRandomValues(bytes.subarray(r * RECORD + 1, (r + 1) * RECORD));
  });
  return bytes;
}

/** A temporary folder holding `files` (name → bytes); the truth every test checks against. */
async function folderWith(files: Record<string, Uint8Array>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "gradstep_cifar10_" });
  for (const [name, bytes] of Object.entries(files)) await Deno.writeFile(`${root}/${name}`, bytes);
  return root;
}

/** A full set of small batch files: 3, 1, 2, 4 and 2 training records, 5 test records. */
function smallSet(): Record<string, Uint8Array> {
  const counts = [3, 1, 2, 4, 2];
  const files: Record<string, Uint8Array> = {};
  counts.forEach((n, b) => {
    files[`data_batch_${b + 1}.bin`] = records(Array.from({ length: n }, (_, i) => (b * 3 + i) % 10));
  });
  files["test_batch.bin"] = records([9, 0, 5, 5, 1]);
  return files;
}

/** The records of `files` in the order CIFAR-10 reads them: data_batch_1 … 5, or test_batch. */
function expectedRecords(files: Record<string, Uint8Array>, train: boolean): Uint8Array[] {
  const names = train ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ["test_batch.bin"];
  return names.flatMap((name) => {
    const bytes = files[name];
    return Array.from(
      { length: bytes.length / RECORD },
      (_, r) => bytes.subarray(r * RECORD, (r + 1) * RECORD),
    );
  });
}

Deno.test("CIFAR10.load() reads the records of every batch file in order, labels and pixel planes", async () => {
  const files = smallSet();
  const root = await folderWith(files);
  try {
    for (const train of [true, false]) {
      const data = await CIFAR10.load({ train, root });
      const expected = expectedRecords(files, train);
      assertEquals(data.length, expected.length);
      assertEquals(Array.from(data.labels), expected.map((r) => r[0]));
      expected.forEach((record, i) => {
        assertEquals(data.images.subarray(i * 3072, (i + 1) * 3072), record.subarray(1), `image ${i}`);
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("CIFAR10.get() gives a float32 [3, 32, 32] image of the file's planes / 255 and its label", async () => {
  const files = smallSet();
  const root = await folderWith(files);
  try {
    const data = await CIFAR10.load({ train: false, root });
    const expected = expectedRecords(files, false);
    for (let i = 0; i < data.length; i++) {
      const [image, label] = data.get(i);
      assertEquals(image.shape, [3, 32, 32]);
      assertEquals(image.dtype, "float32");
      assertEquals(await image.data(), Float32Array.from(expected[i].subarray(1), (b) => b / 255));
      assertEquals(label, expected[i][0]);
    }
    for (const i of [-1, data.length, 0.5]) {
      assertThrows(() => data.get(i), RangeError, `index ${i} is out of range`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("CIFAR10 hands transforms channels-last [32, 32, 3] images, as torchvision does", async () => {
  const files = smallSet();
  const root = await folderWith(files);
  try {
    const seen: RawImages[] = [];
    const data = await CIFAR10.load({
      train: true,
      root,
      transform: (input) => {
        seen.push(input as RawImages);
        return collate([[0]])[0];
      },
    });
    const expected = expectedRecords(files, true);
    data.get(7);
    data.getBatch(Int32Array.from([11, 0]));
    assertEquals(seen.map((s) => s.shape), [[32, 32, 3], [2, 32, 32, 3]]);
    const checks: [RawImages, number, number][] = [[seen[0], 0, 7], [seen[1], 0, 11], [seen[1], 1, 0]];
    for (const [raw, at, index] of checks) {
      const record = expected[index];
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 1024; p++) {
          if (raw.data[at * 3072 + 3 * p + c] !== record[1 + c * 1024 + p]) {
            throw new Error(`image ${index}: channel ${c}, pixel ${p} differs from the file's byte`);
          }
        }
      }
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("CIFAR10.getBatch() equals collating get(), labels int32", async () => {
  const root = await folderWith(smallSet());
  try {
    const data = await CIFAR10.load({ root });
    const indices = Int32Array.from([11, 0, 4, 4, 7]);
    const fast = data.getBatch(indices);
    const slow = collate([...indices].map((i) => data.get(i)));
    assertEquals(fast[0].shape, [5, 3, 32, 32]);
    assertEquals(fast[1].dtype, "int32");
    for (let f = 0; f < 2; f++) {
      assertEquals(fast[f].shape, slow[f].shape);
      assertEquals(fast[f].dtype, slow[f].dtype);
      assertEquals(await fast[f].data(), await slow[f].data());
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("CIFAR10.load({ root }) takes a path or a file URL, with or without a trailing slash", async () => {
  const files = smallSet();
  const root = await folderWith(files);
  try {
    const url = new URL(`file://${root}/`);
    for (const r of [root, `${root}/`, url, new URL(url.href.slice(0, -1))]) {
      const data = await CIFAR10.load({ train: false, root: r });
      assertEquals(Array.from(data.labels), expectedRecords(files, false).map((rec) => rec[0]));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("CIFAR10.load() names every missing file, the binary version and where to get it", async () => {
  const files = smallSet();
  delete files["data_batch_2.bin"];
  delete files["data_batch_5.bin"];
  const root = await folderWith(files);
  try {
    const error = await assertRejects(() => CIFAR10.load({ root }), Error, "CIFAR-10 file not found");
    for (const name of ["data_batch_2.bin", "data_batch_5.bin"]) {
      assert(error.message.includes(`${root}/${name}`), error.message);
    }
    assert(!error.message.includes(`${root}/data_batch_1.bin`), error.message);
    assert(error.message.includes('"CIFAR-10 binary version"'), error.message);
    assert(error.message.includes("https://www.cs.toronto.edu/~kriz/cifar.html"), error.message);
    const empty = await folderWith({});
    try {
      await assertRejects(
        () => CIFAR10.load({ root: empty, train: false }),
        Error,
        `${empty}/test_batch.bin`,
      );
    } finally {
      await Deno.remove(empty, { recursive: true });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("CIFAR10.load() points at the extracted folder when root is its parent", async () => {
  const parent = await Deno.makeTempDir({ prefix: "gradstep_cifar10_" });
  try {
    await Deno.mkdir(`${parent}/cifar-10-batches-bin`);
    await Deno.writeFile(`${parent}/cifar-10-batches-bin/test_batch.bin`, records([3]));
    const error = await assertRejects(
      () => CIFAR10.load({ root: parent, train: false }),
      Error,
      `${parent}/test_batch.bin`,
    );
    assert(error.message.includes(`it is in ${parent}/cifar-10-batches-bin`), error.message);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("CIFAR10.load() names a truncated file, its size and the record size", async () => {
  const files = smallSet();
  const cut = files["data_batch_3.bin"].subarray(0, RECORD + 100);
  files["data_batch_3.bin"] = cut;
  files["test_batch.bin"] = new Uint8Array(0);
  const root = await folderWith(files);
  try {
    const error = await assertRejects(() => CIFAR10.load({ root }), Error, `${root}/data_batch_3.bin:`);
    assert(error.message.includes(`${cut.length} bytes`), error.message);
    assert(error.message.includes(`multiple of ${RECORD}`), error.message);
    await assertRejects(
      () => CIFAR10.load({ root, train: false }),
      Error,
      `${root}/test_batch.bin: truncated`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("CIFAR10.load() names a record whose label is not a class", async () => {
  const files = smallSet();
  files["test_batch.bin"] = records([1, 2, 10]);
  const root = await folderWith(files);
  try {
    await assertRejects(
      () => CIFAR10.load({ root, train: false }),
      Error,
      `${root}/test_batch.bin: record 2 has label 10, expected 0–9`,
    );
    await assertRejects(() => CIFAR10.load({} as never), TypeError, "CIFAR10.load() needs root");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
