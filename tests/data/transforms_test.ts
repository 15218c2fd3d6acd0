import { type RawImages, transforms } from "../../data/mod.ts";
import { stack, type Tensor, tensor, zeros } from "../../mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";

interface Encoded {
  shape: number[];
  dtype: string;
  data: number[];
}

interface DataFixture {
  rgb: { mean: number[]; std: number[]; raw: Encoded; toTensor: Encoded; normalized: Encoded };
}

const { rgb } = loadFixture<DataFixture>("data");
/** The fixture's uint8 batch [N, H, W, C], channels last. */
const batch: RawImages = { data: Uint8Array.from(rgb.raw.data), shape: rgb.raw.shape };

/** Image `i` of {@link batch} alone: [H, W, C]. */
function single(i: number): RawImages {
  const size = batch.data.length / batch.shape[0];
  return { data: batch.data.subarray(i * size, (i + 1) * size), shape: batch.shape.slice(1) };
}

/** Throws unless `transform` gives the same on the batch as stacking its results on each image. */
async function assertBatchIsStackOfSingles(transform: transforms.Transform): Promise<Tensor> {
  const whole = transform(batch);
  const singles = Array.from({ length: batch.shape[0] }, (_, i) => transform(single(i)));
  const stacked = stack(singles);
  assertEquals(whole.shape, stacked.shape);
  assertEquals(whole.dtype, stacked.dtype);
  assertEquals(await whole.data(), await stacked.data());
  return whole;
}

Deno.test("toTensor() matches torchvision's ToTensor, on one image and on a batch", async () => {
  const whole = await assertBatchIsStackOfSingles(transforms.toTensor());
  assertEquals(whole.dtype, "float32");
  await assertTensorClose(whole, rgb.toTensor, TOLERANCE.op);
});

testOnDevices(
  "compose(toTensor(), normalize()) matches torchvision, on one image and on a batch",
  async (dev) => {
    const onDevice = (x: transforms.RawImages | Tensor): Tensor => {
      const t = transforms.toTensor()(x);
      return tensor(t.dataSync() as Float32Array, { shape: t.shape, device: dev });
    };
    const pipeline = transforms.compose(onDevice, transforms.normalize(rgb.mean, rgb.std));
    const whole = await assertBatchIsStackOfSingles(pipeline);
    assertEquals(whole.device, dev);
    await assertTensorClose(whole, rgb.normalized, TOLERANCE.op);
  },
);

Deno.test("normalize() rejects statistics that do not fit the channels", () => {
  const three = transforms.normalize(rgb.mean, rgb.std);
  assertThrows(
    () => three(zeros([1, 28, 28])),
    Error,
    "3 channel statistics cannot apply to a tensor of shape [1,28,28]",
  );
  assertThrows(() => three(zeros([2, 1, 4, 4])), Error, "cannot apply to a tensor of shape [2,1,4,4]");
  assertThrows(() => three(zeros([28, 28])), Error, "cannot apply to a tensor of shape [28,28]");
  assertThrows(() => transforms.normalize([0.5, 0.5], [1]), Error, "got 2 means and 1 stds");
  assertThrows(() => transforms.normalize([], []), Error, "one mean and one std per channel");
  for (const std of [0, 1e-50]) {
    assertThrows(() => transforms.normalize([0], [std]), RangeError, "std evaluated to zero");
  }
});

Deno.test("normalize() needs a tensor and toTensor() needs raw images", () => {
  assertThrows(() => transforms.normalize([0.5], [0.5])(single(0)), TypeError, "apply toTensor() first");
  assertThrows(
    () => transforms.toTensor()(zeros([3, 4, 5])),
    TypeError,
    "toTensor() expects raw uint8 images",
  );
  assertThrows(
    () => transforms.toTensor()({ data: new Uint8Array(4), shape: [4] }),
    Error,
    "expects images of shape [H, W, C] or [N, H, W, C], got [4]",
  );
  assertThrows(
    () => transforms.toTensor()({ data: new Uint8Array(5), shape: [2, 2, 1] }),
    Error,
    "toTensor() expects 4 bytes for images of shape [2,2,1], got 5",
  );
});
