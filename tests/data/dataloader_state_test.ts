import { assertEquals, assertThrows } from "../../deps.ts";
import { arange, DataLoader, type DataLoaderOptions, manualSeed, TensorDataset } from "../../mod.ts";

/** A loader over the samples 0 … 22 (batches of 5: four full, one of 3). */
const loaderOf = (options: DataLoaderOptions): DataLoader =>
  new DataLoader(new TensorDataset(arange(0, 23, 1, { dtype: "int32" })), { batchSize: 5, ...options });

/** The next `count` batches' samples, across epochs (each `for await` is an epoch, or the rest of one). */
async function take(loader: DataLoader, count: number): Promise<number[][]> {
  const out: number[][] = [];
  while (out.length < count) {
    for await (const [x] of loader) {
      out.push([...await x.data()]);
      if (out.length === count) break;
    }
  }
  return out;
}

for (
  const [what, options] of [
    ["a seeded shuffling loader", { shuffle: true, seed: 4 }],
    ["an unseeded shuffling loader", { shuffle: true }],
    ["a loader that does not shuffle", {}],
  ] as const
) {
  Deno.test(`DataLoader.loadStateDict() resumes ${what} mid-epoch in the uninterrupted order`, async () => {
    manualSeed(9);
    const straight = await take(loaderOf(options), 13);
    manualSeed(9);
    const first = loaderOf(options);
    const before = await take(first, 7);
    const state = JSON.parse(JSON.stringify(first.stateDict()));
    assertEquals(state.batch, 2, "7 batches are one epoch of 5 and 2 of the next");
    const second = loaderOf(options);
    second.loadStateDict(state);
    assertEquals([...before, ...await take(second, 6)], straight);
  });
}

Deno.test("DataLoader.loadStateDict() rejects a state of another loader, naming what differs, and changes nothing", async () => {
  const source = loaderOf({ shuffle: true, seed: 4 });
  await take(source, 2);
  const state = source.stateDict();
  const target = loaderOf({ shuffle: true, seed: 4 });
  const expected = await take(loaderOf({ shuffle: true, seed: 4 }), 5);
  const other = new DataLoader(new TensorDataset(arange(0, 20, 1, { dtype: "int32" })), { batchSize: 4 });
  assertThrows(
    () => other.loadStateDict(state),
    Error,
    "datasetLength is 23, expected this dataset's 20; batchSize is 5, expected this loader's 4",
  );
  assertThrows(
    () => target.loadStateDict({ ...state, batch: 5 }),
    Error,
    "batch is 5, expected an integer from 0 to 4",
  );
  assertThrows(() => target.loadStateDict({ ...state, generator: null }), Error, "expected { seed, offset }");
  assertThrows(() => target.loadStateDict({ ...state, epochSeed: null }), Error, "but this loader shuffles");
  assertEquals(await take(target, 5), expected, "the failed loads left the loader as it was");
});
