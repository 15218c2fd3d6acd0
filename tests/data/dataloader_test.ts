import { collate, DataLoader, type Dataset, MNIST, type Sample, TensorDataset } from "../../data/mod.ts";
import { manualSeed, randn, stack, type Tensor, tensor } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { loadFixture, testOnDevices } from "../helpers.ts";

interface DataFixture {
  loaderLengths: { size: number; batchSize: number; dropLast: boolean; length: number }[];
}

const fixture = loadFixture<DataFixture>("data");

/** A dataset whose sample i is `[i]`, so batches show the indices they hold; without getBatch. */
function indexDataset(length: number): Dataset {
  return { length, get: (i: number): Sample => [i] };
}

/** The index batches of one epoch of `loader` over an {@link indexDataset}. */
async function epoch(loader: DataLoader): Promise<number[][]> {
  const batches: number[][] = [];
  for await (const [indices] of loader) batches.push(Array.from(await indices.data()));
  return batches;
}

/** The values, shape and dtype of each field, for comparing batches. */
async function contents(
  fields: Tensor[],
): Promise<{ shape: readonly number[]; dtype: string; data: number[] }[]> {
  return await Promise.all(
    fields.map(async (t) => ({ shape: t.shape, dtype: t.dtype, data: Array.from(await t.data()) })),
  );
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

Deno.test("DataLoader.length equals PyTorch's len(DataLoader)", () => {
  for (const { size, batchSize, dropLast, length } of fixture.loaderLengths) {
    const loader = new DataLoader(indexDataset(size), { batchSize, dropLast });
    assertEquals(loader.length, length, `size ${size}, batchSize ${batchSize}, dropLast ${dropLast}`);
  }
});

Deno.test("DataLoader yields length batches covering every index once per epoch", async () => {
  for (const shuffle of [false, true]) {
    for (const { size, batchSize } of fixture.loaderLengths.filter((c) => c.size <= 10 && !c.dropLast)) {
      const loader = new DataLoader(indexDataset(size), { batchSize, shuffle, seed: 7 });
      for (let e = 0; e < 2; e++) {
        const batches = await epoch(loader);
        assertEquals(batches.length, loader.length);
        assert(
          batches.slice(0, -1).every((b) => b.length === batchSize),
          "all batches but the last are full",
        );
        assertEquals(batches.flat().sort((a, b) => a - b), range(size));
      }
    }
  }
});

Deno.test("DataLoader without shuffle keeps the dataset's order", async () => {
  const batches = await epoch(new DataLoader(indexDataset(10), { batchSize: 3 }));
  assertEquals(batches.flat(), range(10));
  assertEquals(batches.map((b) => b.length), [3, 3, 3, 1]);
});

Deno.test("DataLoader with dropLast yields only full batches", async () => {
  for (const shuffle of [false, true]) {
    const loader = new DataLoader(indexDataset(10), { batchSize: 3, dropLast: true, shuffle, seed: 1 });
    const batches = await epoch(loader);
    assertEquals(batches.length, loader.length);
    assert(batches.every((b) => b.length === 3), "every batch is full");
    assertEquals(new Set(batches.flat()).size, 9);
    if (!shuffle) assertEquals(batches.flat(), range(9));
  }
});

Deno.test("DataLoader with shuffle and a seed repeats across loaders and reshuffles each epoch", async () => {
  const make = (seed: number): DataLoader =>
    new DataLoader(indexDataset(50), { batchSize: 8, shuffle: true, seed });
  const a = make(3);
  const b = make(3);
  const a1 = (await epoch(a)).flat();
  const a2 = (await epoch(a)).flat();
  assertEquals((await epoch(b)).flat(), a1);
  assertEquals((await epoch(b)).flat(), a2);
  assert(a1.join() !== a2.join(), "the second epoch has a new order");
  assert(a1.join() !== range(50).join(), "the order is shuffled");
  assert((await epoch(make(4))).flat().join() !== a1.join(), "another seed gives another order");
});

Deno.test("DataLoader with shuffle and no seed follows manualSeed", async () => {
  const loader = new DataLoader(indexDataset(50), { batchSize: 8, shuffle: true });
  manualSeed(11);
  const first = (await epoch(loader)).flat();
  const second = (await epoch(loader)).flat();
  manualSeed(11);
  assertEquals((await epoch(loader)).flat(), first);
  assertEquals((await epoch(loader)).flat(), second);
  assert(first.join() !== second.join(), "the second epoch has a new order");
});

Deno.test("DataLoader rejects a batchSize that is not a positive integer", () => {
  for (const batchSize of [0, -1, 1.5, NaN]) {
    assertThrows(
      () => new DataLoader(indexDataset(4), { batchSize }),
      RangeError,
      `batchSize should be a positive integer value, but got batchSize=${batchSize}`,
    );
  }
});

Deno.test("DataLoader rejects a seed that is not a non-negative integer", () => {
  for (const seed of [-1, 0.5, NaN]) {
    assertThrows(
      () => new DataLoader(indexDataset(4), { shuffle: true, seed }),
      RangeError,
      `seed should be a non-negative integer, but got seed=${seed}`,
    );
  }
});

testOnDevices("DataLoader over TensorDataset: getBatch() equals collating get()", async (dev) => {
  const x = await randn([10, 3, 2]).to(dev);
  const y = await tensor(Int32Array.from(range(10), (i) => 9 - i)).to(dev);
  const data = new TensorDataset(x, y);
  const indices = Int32Array.from([4, 0, 9, 4]);
  assertEquals(
    await contents(data.getBatch(indices)),
    await contents(collate([...indices].map((i) => data.get(i)))),
  );
  const withoutGetBatch: Dataset = { length: data.length, get: (i) => data.get(i) };
  const fast = new DataLoader(data, { batchSize: 4, shuffle: true, seed: 5 });
  const slow = new DataLoader(withoutGetBatch, { batchSize: 4, shuffle: true, seed: 5 });
  const fastBatches = [];
  for await (const batch of fast) fastBatches.push(await contents(batch));
  const slowBatches = [];
  for await (const batch of slow) slowBatches.push(await contents(batch));
  assertEquals(fastBatches, slowBatches);
  assertEquals(fastBatches.map((b) => b[0].shape), [[4, 3, 2], [4, 3, 2], [2, 3, 2]]);
});

Deno.test("DataLoader over MNIST: getBatch() equals collating get()", async () => {
  const mnist = await MNIST.load({ root: new URL("../fixtures/mnist_small/plain/", import.meta.url) });
  const withoutGetBatch: Dataset = { length: mnist.length, get: (i) => mnist.get(i) };
  const batches = async (dataset: Dataset): Promise<unknown[]> => {
    const out = [];
    for await (const batch of new DataLoader(dataset, { batchSize: 3, shuffle: true, seed: 2 })) {
      out.push(await contents(batch));
    }
    return out;
  };
  assertEquals(await batches(mnist), await batches(withoutGetBatch));
});

Deno.test("TensorDataset gives rows of its tensors and rejects tensors of different lengths", async () => {
  const x = randn([5, 2]);
  const data = new TensorDataset(x, tensor([0, 1, 2, 3, 4], { dtype: "int32" }));
  assertEquals(data.length, 5);
  const [row, label] = data.get(3) as Tensor[];
  assertEquals(row.shape, [2]);
  assertEquals(Array.from(await row.data()), Array.from(await x.data()).slice(6, 8));
  assertEquals(await label.item(), 3);
  assertThrows(() => data.get(5), RangeError, "index 5");
  assertThrows(() => new TensorDataset(x, tensor([0, 1, 2])), Error, "Size mismatch between tensors");
  assertThrows(() => new TensorDataset(x, tensor(1)), Error, "Size mismatch between tensors");
  assertThrows(() => new TensorDataset(), Error, "at least one tensor");
});

Deno.test("collate() makes int32 from integers, float32 from other numbers, and stacks tensors", async () => {
  const [ints] = collate([[1], [2], [3]]);
  assertEquals(ints.dtype, "int32");
  assertEquals(Array.from(await ints.data()), [1, 2, 3]);
  const [floats] = collate([[1], [2.5], [3]]);
  assertEquals(floats.dtype, "float32");
  assertEquals(Array.from(await floats.data()), [1, 2.5, 3]);
  const a = randn([2, 3]);
  const b = randn([2, 3]);
  const [stacked, labels] = collate([[a, 0], [b, 1]]);
  assertEquals(await contents([stacked]), await contents([stack([a, b])]));
  assertEquals(labels.shape, [2]);
});

Deno.test("collate() rejects no samples and fields of different kinds", () => {
  assertThrows(() => collate([]), Error, "at least one sample");
  assertThrows(
    () => collate([[randn([2]), 0], [1, 1]]),
    TypeError,
    "field 0 of every sample to be a tensor as in sample 0, but sample 1 has number",
  );
  assertThrows(() => collate([[0, 1], [1]]), TypeError, "field 1 of every sample to be a number");
});
