import { maybeGunzip, parseIdx } from "../../data/mod.ts";
import { assertEquals, assertRejects, assertThrows } from "../../deps.ts";

const plainFile = new URL("../fixtures/mnist_small/plain/train-labels-idx1-ubyte", import.meta.url);
const gzipFile = new URL("../fixtures/mnist_small/gzip/train-labels-idx1-ubyte.gz", import.meta.url);

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("maybeGunzip() inflates gzip files and passes other bytes through", async () => {
  const plain = await Deno.readFile(plainFile);
  assertEquals(await maybeGunzip(plain), plain);
  assertEquals(await maybeGunzip(await Deno.readFile(gzipFile)), plain);
  assertEquals(await maybeGunzip(await gzip(plain)), plain);
});

Deno.test("maybeGunzip() names the file of a corrupt gzip stream", async () => {
  const compressed = await gzip(await Deno.readFile(plainFile));
  await assertRejects(
    () => maybeGunzip(compressed.subarray(0, compressed.length - 4), "cut.gz"),
    Error,
    "cut.gz: corrupt or truncated gzip file",
  );
});

Deno.test("parseIdx() reads the header's shape and the data after it", async () => {
  const bytes = await Deno.readFile(plainFile);
  const { shape, data } = parseIdx(bytes, 1, "labels");
  assertEquals(shape, [bytes.length - 8]);
  assertEquals(data, bytes.subarray(8));
  const withTrailer = new Uint8Array([...bytes, 0xff]);
  assertEquals(parseIdx(withTrailer, 1, "labels").data, bytes.subarray(8));
});

Deno.test("parseIdx() names the file when it is too short for a magic number or a header", async () => {
  const bytes = await Deno.readFile(plainFile);
  assertThrows(
    () => parseIdx(bytes.subarray(0, 3), 1, "labels"),
    Error,
    "labels: truncated IDX file: 3 bytes",
  );
  assertThrows(
    () => parseIdx(bytes.subarray(0, 6), 1, "labels"),
    Error,
    "labels: truncated IDX file: 6 bytes, the header",
  );
  assertThrows(() => parseIdx(bytes, 3, "labels"), Error, "labels: wrong magic number");
});
