import { memoryStats, type Tensor, tidy, zeros } from "../../mod.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";

// Counts are read before and after synchronous work only: the collector's finalizers run between tasks, so no
// unrelated tensor is collected in between.

const DISPOSED = "This tensor was disposed and can no longer be used";

testOnDevices("memoryStats counts a new tensor and its bytes, and dispose() gives them back", (dev) => {
  const before = memoryStats(dev);
  const t = zeros([1024], { device: dev });
  assertEquals(memoryStats(dev), { liveTensors: before.liveTensors + 1, liveBytes: before.liveBytes + 4096 });
  t.dispose();
  assertEquals(memoryStats(dev), before);
  t.dispose();
  assertEquals(memoryStats(dev), before, "disposing twice changes nothing");
});

testOnDevices("views share their storage's bytes, which are freed with the last view", (dev) => {
  const before = memoryStats(dev);
  const t = zeros([16, 16], { device: dev });
  const v = t.T;
  assertEquals(memoryStats(dev), { liveTensors: before.liveTensors + 2, liveBytes: before.liveBytes + 1024 });
  t.dispose();
  assertEquals(memoryStats(dev), { liveTensors: before.liveTensors + 1, liveBytes: before.liveBytes + 1024 });
  v.dispose();
  assertEquals(memoryStats(dev), before);
});

testOnDevices("a `using` declaration disposes its tensor at the end of the block", (dev) => {
  const before = memoryStats(dev);
  {
    using t = zeros([256], { dtype: "int32", device: dev });
    assertEquals(memoryStats(dev).liveBytes, before.liveBytes + t.numel * 4);
  }
  assertEquals(memoryStats(dev), before);
});

testOnDevices("tidy disposes every intermediate and keeps what it returns", (dev) => {
  const x = zeros([64], { device: dev });
  const before = memoryStats(dev);
  const y = tidy(() => x.add(1).mul(2).exp().sum());
  assertEquals(memoryStats(dev), { liveTensors: before.liveTensors + 1, liveBytes: before.liveBytes + 4 });
  assert(!y.isDisposed && !x.isDisposed);
  y.dispose();
  assertEquals(memoryStats(dev), before);
});

testOnDevices("tidy keeps tensors returned inside arrays and objects, and nests", (dev) => {
  const x = zeros([8], { device: dev });
  const before = memoryStats(dev);
  const { pair, inner } = tidy(() => {
    const pair: Tensor[] = [x.add(1), x.add(2)];
    const inner = tidy(() => x.mul(3).add(4));
    x.sub(5);
    return { pair, inner };
  });
  assertEquals(memoryStats(dev).liveTensors, before.liveTensors + 3);
  for (const t of [...pair, inner]) t.dispose();
  assertEquals(memoryStats(dev), before);
});

testOnDevices("tidy refuses an async function", (dev) => {
  assertThrows(
    () => tidy(() => Promise.resolve(zeros([1], { device: dev }))),
    Error,
    "tidy() needs a synchronous function; it got one that returned a Promise",
  );
});

testOnDevices("using a disposed tensor throws a clear Error", async (dev) => {
  const t = zeros([4], { device: dev });
  const u = zeros([4], { device: dev });
  t.dispose();
  assert(t.isDisposed);
  assertThrows(() => t.add(1), Error, DISPOSED);
  assertThrows(() => u.add(t), Error, DISPOSED);
  assertThrows(() => t.reshape([2, 2]), Error, DISPOSED);
  await assertRejects(() => t.data(), Error, DISPOSED);
});

testOnDevices("tensors made inside tidy are disposed, and using them afterwards throws", (dev) => {
  let leaked: Tensor | undefined;
  tidy(() => {
    leaked = zeros([4], { device: dev }).add(1);
  });
  assert(leaked !== undefined && leaked.isDisposed);
  assertThrows(() => leaked!.mul(2), Error, DISPOSED);
});
