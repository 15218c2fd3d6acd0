import { type Device, memoryStats, noGrad, type Tensor, tensor } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fixture, fromEncoded } from "../tensor/op_cases.ts";

/** The numbers of one scenario of tools/fixtures/ops.py, computed there by PyTorch the way the test computes them. */
const scenario = fixture.autograd;

/** A leaf that requires grad, holding the scenario's values. */
const leaf = (e: Encoded, dev: Device): Tensor => fromEncoded(e, dev, true);

/** `t.grad`, which must exist. */
function gradOf(t: Tensor): Tensor {
  assert(t.grad !== null, "expected a gradient");
  return t.grad;
}

const SECOND_TIME = "Trying to backward through the graph a second time";

testOnDevices(".grad accumulates across backward() calls until it is zeroed, as in PyTorch", async (dev) => {
  const s = scenario.accumulate;
  const x = leaf(s.x, dev);
  x.mul(x).sum().backward();
  await assertTensorClose(gradOf(x), s.afterFirst, TOLERANCE.op, "after one backward");
  x.mul(x).sum().backward();
  await assertTensorClose(gradOf(x), s.afterSecond, TOLERANCE.op, "after two");
  x.grad = null;
  x.mul(3).sum().backward();
  await assertTensorClose(gradOf(x), s.afterZeroAndThird, TOLERANCE.op, "after zeroing and a third");
});

testOnDevices(
  "a second backward() through a freed graph throws; retainGraph keeps it and accumulates",
  async (dev) => {
    const s = scenario.retainGraph;
    const x = leaf(s.x, dev);
    const w = leaf(s.w, dev);
    const y = x.exp().mul(w).sum();
    y.backward(undefined, { retainGraph: true });
    await assertTensorClose(gradOf(x), s.xAfterFirst, TOLERANCE.op, "x.grad after the first backward");
    await assertTensorClose(gradOf(w), s.wAfterFirst, TOLERANCE.op, "w.grad after the first backward");
    y.backward();
    await assertTensorClose(gradOf(x), s.xAfterSecond, TOLERANCE.op, "x.grad after the second backward");
    await assertTensorClose(gradOf(w), s.wAfterSecond, TOLERANCE.op, "w.grad after the second backward");
    assertThrows(() => y.backward(), Error, SECOND_TIME);
    assertThrows(() => y.backward(), Error, "Specify retainGraph: true");
  },
);

testOnDevices(
  "backward() without retainGraph frees the graph even for a graph shared by two roots",
  (dev) => {
    const x = tensor([1, 2, 3], { dtype: "float32", device: dev, requiresGrad: true });
    const h = x.exp();
    h.sum().backward();
    assertThrows(() => h.mul(2).sum().backward(), Error, SECOND_TIME);
  },
);

testOnDevices("a leaf used twice gets the sum of both paths' gradients", async (dev) => {
  const s = scenario.sharedLeaf;
  const x = leaf(s.x, dev);
  x.mul(x).add(x.add(x)).backward(fromEncoded(s.g, dev));
  await assertTensorClose(gradOf(x), s.xGrad, TOLERANCE.op, "x.grad");
});

testOnDevices("retainGrad keeps a non-leaf's gradient; other non-leaves keep none", async (dev) => {
  const s = scenario.retainGrad;
  const x = leaf(s.x, dev);
  const w = leaf(s.w, dev);
  const h = x.mul(w);
  h.retainGrad();
  const t = h.tanh();
  t.sum().backward();
  await assertTensorClose(gradOf(h), s.hGrad, TOLERANCE.op, "h.grad");
  await assertTensorClose(gradOf(x), s.xGrad, TOLERANCE.op, "x.grad");
  await assertTensorClose(gradOf(w), s.wGrad, TOLERANCE.op, "w.grad");
  assertEquals(t.grad, null);
  assert(!h.isLeaf && h.retainsGrad);
});

testOnDevices("a diamond graph sums the gradients of its branches", async (dev) => {
  const s = scenario.diamond;
  const x = leaf(s.x, dev);
  const a = x.exp();
  a.mul(2).mul(a.sqrt()).add(a).sum().backward();
  await assertTensorClose(gradOf(x), s.xGrad, TOLERANCE.op, "x.grad");
});

testOnDevices("detach() shares storage, is a leaf without grad, and stops the gradient", async (dev) => {
  const s = scenario.detach;
  const x = leaf(s.x, dev);
  const d = x.detach();
  assert(d.storage === x.storage);
  assert(d.isLeaf && !d.requiresGrad && d.gradFn === null);
  d.mul(x).sum().backward();
  await assertTensorClose(gradOf(x), s.xGrad, TOLERANCE.op, "x.grad");
  assertEquals(d.grad, null);
});

testOnDevices("noGrad results do not require grad and count as constants", async (dev) => {
  const s = scenario.noGrad;
  const x = leaf(s.x, dev);
  const y = noGrad(() => x.mul(2));
  assert(!y.requiresGrad && y.isLeaf);
  y.mul(x).sum().backward();
  await assertTensorClose(gradOf(x), s.xGrad, TOLERANCE.op, "x.grad");
});

testOnDevices("requiresGrad_ on a non-leaf throws and points to detach()", (dev) => {
  const x = tensor([1, 2], { dtype: "float32", device: dev, requiresGrad: true });
  const y = x.mul(2);
  assertThrows(
    () => y.requiresGrad_(false),
    Error,
    "You can only change requiresGrad flags of leaf variables",
  );
  assertThrows(() => (y.requiresGrad = true), Error, "call .detach() first");
  assert(y.detach().requiresGrad_().requiresGrad);
});

testOnDevices("int32 and bool tensors cannot require grad", (dev) => {
  const message = "Only tensors of floating point dtype can require gradients, got int32";
  assertThrows(() => tensor([1, 2], { dtype: "int32", device: dev, requiresGrad: true }), TypeError, message);
  assertThrows(() => tensor([1, 2], { dtype: "int32", device: dev }).requiresGrad_(), TypeError, message);
  assertThrows(() => tensor([true], { device: dev }).requiresGrad_(), TypeError, "got bool");
  const x = tensor([1.5, -2.5], { device: dev, requiresGrad: true });
  assert(!x.int().requiresGrad && !x.gt(0).requiresGrad && !x.argmax().requiresGrad);
});

testOnDevices("backward() on a non-scalar needs a gradient of the output's shape", (dev) => {
  const x = tensor([[1, 2], [3, 4]], { dtype: "float32", device: dev, requiresGrad: true });
  const y = x.mul(2);
  assertThrows(() => y.backward(), Error, "grad can be implicitly created only for scalar outputs");
  assertThrows(
    () => y.backward(tensor([1, 1], { dtype: "float32", device: dev })),
    Error,
    "Mismatch in shape: grad_output[0] has a shape of [2] and output[0] has a shape of [2,2]",
  );
});

testOnDevices("backward() on a tensor that does not require grad throws", (dev) => {
  const x = tensor([1, 2], { dtype: "float32", device: dev });
  assertThrows(() => x.sum().backward(), Error, "element 0 of tensors does not require grad");
});

testOnDevices("assigning .grad checks its shape and dtype", (dev) => {
  const x = tensor([1, 2], { dtype: "float32", device: dev, requiresGrad: true });
  assertThrows(
    () => (x.grad = tensor([1, 2, 3], { dtype: "float32", device: dev })),
    Error,
    "assigned grad has data of a different size: [3], expected [2]",
  );
  assertThrows(
    () => (x.grad = tensor([1, 2], { dtype: "int32", device: dev })),
    TypeError,
    "int32, expected float32",
  );
});

testOnDevices("backward() keeps only the new leaf gradients alive", (dev) => {
  const x = tensor(new Float32Array(100).fill(0.5), { device: dev, requiresGrad: true });
  const y = x.mul(2).exp().sum();
  const before = memoryStats(dev);
  y.backward();
  const after = memoryStats(dev);
  assertEquals(after.liveTensors - before.liveTensors, 1);
  assertEquals(after.liveBytes - before.liveBytes, 400);
});

testOnDevices(
  "overlapping narrows and narrows along two dimensions of one tensor sum their gradients, as indexSelect's views do",
  async (dev) => {
    // The same views taken twice: by narrow (whose pieces' gradients are written together where they are
    // disjoint) and by indexSelect (whose gradient is a scatter-add); both must give x the same gradient.
    const values = Float32Array.from({ length: 20 }, (_, i) => (i % 7) - 3);
    const weights = Float32Array.from({ length: 12 }, (_, i) => (i % 5) + 1);
    const run = (take: (x: Tensor, dim: number, start: number, size: number) => Tensor): Tensor => {
      const x = tensor(values, { shape: [4, 5], device: dev, requiresGrad: true });
      const w = tensor(weights, { shape: [3, 4], device: dev });
      const a = take(x, 0, 0, 3); // rows 0-2
      const b = take(x, 0, 1, 3); // rows 1-3, overlapping a
      const c = take(x, 1, 1, 4); // columns 1-4, along the other dimension
      a.mul(b).narrow(1, 0, 4).mul(w).sum().add(c.mul(c).sum()).backward();
      return gradOf(x);
    };
    const byIndex = (x: Tensor, dim: number, start: number, size: number): Tensor =>
      x.indexSelect(
        dim,
        tensor(Array.from({ length: size }, (_, i) => start + i), { dtype: "int32", device: dev }),
      );
    const reference = run(byIndex);
    const expected = { shape: reference.shape, data: await reference.data() };
    await assertTensorClose(
      run((x, dim, start, size) => x.narrow(dim, start, size)),
      expected,
      TOLERANCE.op,
      "x.grad",
    );
  },
);
