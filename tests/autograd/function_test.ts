import { fusedOp, randn, type Tensor } from "../../mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { assertClose, testOnDevices, TOLERANCE } from "../helpers.ts";

/** x·sigmoid(x) as one fused node, with its derivative written by hand. */
function siluFused(x: Tensor): Tensor {
  return fusedOp("silu", [x], () => {
    const s = x.sigmoid();
    return { output: x.mul(s), saved: [s] };
  }, (g, { inputs: [a], saved: [s] }) => [g.mul(s.mul(a.mul(s.neg().add(1)).add(1)))]);
}

testOnDevices("fusedOp records one node whose gradient equals the taped composition's", async (dev) => {
  const x = randn([3, 5], { device: dev, requiresGrad: true });
  const upstream = randn([3, 5], { device: dev });
  const y = siluFused(x);
  assertEquals(y.gradFn?.op, "fused");
  assertEquals(y.gradFn?.inputs.length, 1);
  y.backward(upstream);
  const fused = await x.grad!.data();
  x.grad = null;
  x.mul(x.sigmoid()).backward(upstream);
  assertClose(fused, await x.grad!.data(), TOLERANCE.op, "gradient");
});

testOnDevices("a fused op's wrongly shaped gradient is an Error naming the op", (dev) => {
  const x = randn([4], { device: dev, requiresGrad: true });
  const y = fusedOp("broken", [x], () => ({ output: x.mul(2) }), (g) => [g.sum()]);
  assertThrows(() => y.sum().backward(), Error, "The rule of broken gave a gradient of shape []");
});
