import { CharVocabulary, getBatch, trainValSplit } from "../../data/mod.ts";
import { Generator, manualSeed } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { loadFixture, testOnDevices } from "../helpers.ts";

interface Span {
  begin: number;
  ids: number[];
  text: string;
}

interface TextFixture {
  chars: string[];
  length: number;
  split: number;
  spans: Record<string, Span>;
  strided: { stride: number; ids: number[] };
  train: { sum: number; counts: number[] };
  val: { sum: number; counts: number[] };
}

const fixture = loadFixture<TextFixture>("text");
const text = Deno.readTextFileSync(new URL("../../examples/data/tinyshakespeare.txt", import.meta.url));
const vocab = CharVocabulary.fromText(text);
const ids = vocab.encode(text);

function histogram(part: Int32Array, size: number): number[] {
  const counts = new Array<number>(size).fill(0);
  for (const id of part) counts[id]++;
  return counts;
}

Deno.test("CharVocabulary of tiny Shakespeare: nanoGPT's 65 sorted characters and ids, as Python makes them", () => {
  assertEquals(vocab.size, 65);
  assertEquals([...vocab.chars], fixture.chars);
  assertEquals(ids.length, fixture.length);
  for (const [name, span] of Object.entries(fixture.spans)) {
    assertEquals(Array.from(ids.subarray(span.begin, span.begin + span.ids.length)), span.ids, name);
    assertEquals(vocab.decode(span.ids), span.text, name);
  }
  const strided = fixture.strided.ids.map((_, i) => ids[i * fixture.strided.stride]);
  assertEquals(strided, fixture.strided.ids);
});

Deno.test("trainValSplit: the first 90% is train, the rest validation, as nanoGPT's int(n * 0.9)", () => {
  const { train, val } = trainValSplit(ids);
  assertEquals(train.length, fixture.split);
  assertEquals(val.length, fixture.length - fixture.split);
  assertEquals(train.reduce((a, b) => a + b, 0), fixture.train.sum);
  assertEquals(val.reduce((a, b) => a + b, 0), fixture.val.sum);
  assertEquals(histogram(train, vocab.size), fixture.train.counts);
  assertEquals(histogram(val, vocab.size), fixture.val.counts);
  assertThrows(
    () => trainValSplit(ids, { trainFraction: 1.5 }),
    RangeError,
    "trainFraction must be in [0, 1], got 1.5",
  );
});

Deno.test("CharVocabulary: decode inverts encode; unknown characters and ids are errors naming them", () => {
  const line = "ROMEO:\nBut, soft! what light through yonder window breaks?";
  assertEquals(vocab.decode(vocab.encode(line)), line);
  assertThrows(() => vocab.encode("naïve"), Error, 'character "ï" at 2 is not in the vocabulary');
  assertThrows(() => vocab.decode([0, 65]), RangeError, "id 65 at 1 is out of range [0, 65)");
  assertThrows(() => new CharVocabulary(["a", "b", "a"]), Error, "must be distinct");
  // Characters outside the BMP count as one each, sorted by code point as Python sorts them.
  assertEquals([...CharVocabulary.fromText("b😀a").chars], ["a", "b", "😀"]);
});

testOnDevices(
  "getBatch: int32 windows of the data, y = x shifted by one, reproducible under manualSeed",
  async (dev) => {
    const { val } = trainValSplit(ids);
    manualSeed(1337);
    const [x, y] = getBatch(val, { batchSize: 12, blockSize: 64, device: dev });
    assertEquals([x.shape, y.shape, x.dtype, y.dtype, x.device, y.device], [
      [12, 64],
      [12, 64],
      "int32",
      "int32",
      dev,
      dev,
    ]);
    const [xs, ys] = [await x.data(), await y.data()];
    const starts = new Set<number>();
    for (let b = 0; b < 12; b++) {
      const row = Array.from(xs.subarray(b * 64, b * 64 + 64));
      // The row is a window of the data: find where it starts and check the target is the next 64 ids.
      let at = -1;
      for (let i = 0; i + 64 < val.length && at < 0; i++) {
        if (val[i] === row[0] && row.every((v, j) => val[i + j] === v)) at = i;
      }
      assert(at >= 0, `row ${b} is not a window of the data`);
      assertEquals(Array.from(ys.subarray(b * 64, b * 64 + 64)), Array.from(val.subarray(at + 1, at + 65)));
      starts.add(at);
    }
    assert(starts.size > 1, "the windows start at different places");
    manualSeed(1337);
    const [x2] = getBatch(val, { batchSize: 12, blockSize: 64, device: dev });
    assertEquals(Array.from(await x2.data()), Array.from(xs));
    const [x3] = getBatch(val, { batchSize: 12, blockSize: 64, device: dev, generator: new Generator(7) });
    assert(Array.from(await x3.data()).some((v, i) => v !== xs[i]), "another generator gives other windows");
  },
);

Deno.test("getBatch: the last window ends at the data's end; too little data or bad sizes are errors", async () => {
  const tiny = Int32Array.from([0, 1, 2, 3, 4]);
  const seen = new Set<number>();
  for (let k = 0; k < 50; k++) {
    const [x, y] = getBatch(tiny, { batchSize: 4, blockSize: 4 });
    assertEquals(Array.from(await x.data()), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    for (const v of await y.data()) seen.add(v);
  }
  assertEquals([...seen].sort(), [1, 2, 3, 4]);
  assertThrows(
    () => getBatch(tiny, { batchSize: 1, blockSize: 5 }),
    RangeError,
    "fewer than blockSize + 1 = 6",
  );
  assertThrows(
    () => getBatch(tiny, { batchSize: 0, blockSize: 2 }),
    RangeError,
    "batchSize must be a positive integer, got 0",
  );
});
