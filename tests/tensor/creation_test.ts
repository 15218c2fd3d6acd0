import { arange, type Device, type DType, full, ones, type Tensor, tensor, zeros } from "../../mod.ts";
import { assertEquals } from "../../deps.ts";
import { loadFixture, testOnDevices } from "../helpers.ts";

/** A tensor as tools/fixtures/_common.py's `encode` writes it. */
interface Encoded {
  shape: number[];
  dtype: DType;
  data: number[];
}

/** PyTorch's result of the call each JavaScript creation means (tools/fixtures/creation.py). */
interface CreationFixture {
  cases: Record<string, Encoded>;
  requiresGrad: { x: Encoded; grad: Encoded };
}

const fixture = loadFixture<CreationFixture>("creation");

/** Each fixture case as gradstep writes it: JavaScript numbers, where `1.0` is `1`. */
const CASES: Record<string, (device: Device) => Tensor> = {
  "numbers": (device) => tensor([1, 2, 3], { device }),
  "nested numbers": (device) => tensor([[0, 1], [2.5, 3]], { device }),
  "a number": (device) => tensor(5, { device }),
  "an empty array": (device) => tensor([], { device }),
  "booleans": (device) => tensor([[true, false], [false, true]], { device }),
  "a boolean": (device) => tensor(true, { device }),
  "an Int32Array": (device) => tensor(new Int32Array([3, 1, 4]), { device }),
  "a Float32Array": (device) => tensor(new Float32Array([0.5, 1, 2]), { device }),
  "numbers as int32": (device) => tensor([1.5, -2, 3], { dtype: "int32", device }),
  "an Int32Array as float32": (device) => tensor(new Int32Array([3, 1, 4]), { dtype: "float32", device }),
  "arange of integers": (device) => arange(5, undefined, 1, { device }),
  "arange with a fractional step": (device) => arange(0, 1, 0.25, { device }),
  "arange of integers as float32": (device) => arange(0, 3, 1, { dtype: "float32", device }),
  "full of a number": (device) => full([2, 3], 7, { device }),
  "full of a boolean": (device) => full([2], true, { device }),
  "full as int32": (device) => full([2], 7, { dtype: "int32", device }),
  "zeros": (device) => zeros([2, 2], { device }),
  "ones": (device) => ones([3], { device }),
  "int32 plus an integer number": (device) => tensor([1, 2], { dtype: "int32", device }).add(1),
  "int32 plus a fractional number": (device) => tensor([1, 2], { dtype: "int32", device }).add(1.5),
  "numbers plus int32": (device) =>
    tensor([1, 2], { device }).add(tensor([1, 2], { dtype: "int32", device })),
};

async function encoded(t: Tensor): Promise<Encoded> {
  return { shape: [...t.shape], dtype: t.dtype, data: Array.from(await t.data(), Number) };
}

testOnDevices(
  "creation from JavaScript numbers gives PyTorch's dtype for the float literal it means",
  async (dev) => {
    assertEquals(
      Object.keys(CASES).sort(),
      Object.keys(fixture.cases).sort(),
      "every fixture case is written here",
    );
    for (const [name, make] of Object.entries(CASES)) {
      assertEquals(await encoded(make(dev)), fixture.cases[name], name);
    }
  },
);

testOnDevices(
  "tensor([1, 2, 3], { requiresGrad: true }) is a float32 leaf with PyTorch's gradient",
  async (dev) => {
    const x = tensor([1, 2, 3], { device: dev, requiresGrad: true });
    assertEquals(x.requiresGrad && x.isLeaf, true);
    assertEquals(await encoded(x), fixture.requiresGrad.x);
    x.mul(x).sum().backward();
    assertEquals(await encoded(x.grad!), fixture.requiresGrad.grad);
  },
);

testOnDevices(
  "a typed array keeps its kind: integer arrays int32, Float32Array and Float64Array float32",
  async (dev) => {
    const arrays: [ArrayLike<number> & ArrayBufferView, string][] = [
      [new Int16Array([-3, 7]), "int32"],
      [new Int8Array([-3, 7]), "int32"],
      [new Uint32Array([3, 7]), "int32"],
      [new Uint16Array([3, 7]), "int32"],
      [new Uint8Array([3, 255]), "int32"],
      [new Uint8ClampedArray([3, 255]), "int32"],
      [new Float32Array([0.5, -7]), "float32"],
      [new Float64Array([0.5, -7]), "float32"],
    ];
    for (const [array, dtype] of arrays) {
      const t = tensor(array as Int16Array, { device: dev });
      assertEquals([t.dtype, t.shape], [dtype, [2]], array.constructor.name);
      assertEquals(Array.from(await t.data(), Number), Array.from(array), array.constructor.name);
    }
    const given = tensor(new Int16Array([1, 2, 3, 4]), { shape: [2, 2], dtype: "float32", device: dev });
    assertEquals(
      [given.dtype, given.shape],
      ["float32", [2, 2]],
      "the dtype option wins over the array's kind",
    );
    assertEquals(Array.from(await given.data()), [1, 2, 3, 4]);
  },
);

testOnDevices("a Float16Array gives float16, and numbers give float16 when asked", async (dev) => {
  const half = new Float16Array([0.5, -7, 1 / 3]);
  const t = tensor(half, { device: dev });
  assertEquals([t.dtype, Array.from(await t.data())], ["float16", Array.from(half)]);
  const asked = tensor([0.5, -7, 1 / 3], { dtype: "float16", device: dev });
  assertEquals([asked.dtype, Array.from(await asked.data())], ["float16", Array.from(half)]);
}, { requires: "shader-f16" });
