/**
 * deviceStats: known sequences of work move each counter by what backend.ts's DeviceStats documents — one
 * dispatch per primitive call (a contiguous copy none on WebGPU, where it is a buffer copy), one compiled kernel
 * the first time a kernel runs and none after, one readback per read, on WebGPU one submission per readback
 * (carrying the work recorded before it) and none on the CPU, one allocation of elements × element size per
 * buffer — and snapshots are frozen copies.
 *
 * @module
 */
import * as ir from "../../backends/kernel_ir.ts";
import type { DeviceStats } from "../../backends/backend.ts";
import { bytesPerElement } from "../../tensor/dtype.ts";
import { type Device, deviceStats, getDefaultDevice, runKernel, tensor, zeros } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";

/** Field-by-field change from `before` to `after`: the documented way to measure a piece of work. */
function delta(before: Readonly<DeviceStats>, after: Readonly<DeviceStats>): DeviceStats {
  return {
    dispatches: after.dispatches - before.dispatches,
    submits: after.submits - before.submits,
    readbacks: after.readbacks - before.readbacks,
    writes: after.writes - before.writes,
    pipelines: after.pipelines - before.pipelines,
    allocations: after.allocations - before.allocations,
    bytesAllocated: after.bytesAllocated - before.bytesAllocated,
  };
}

/** Submissions a readback makes: WebGPU submits the recorded work with the copy; the CPU submits nothing. */
const submitsPerReadback = (dev: Device): number => (dev.type === "webgpu" ? 1 : 0);

const float = (values: number[], shape: number[], dev: Device) =>
  tensor(Float32Array.from(values), { shape, device: dev });

testOnDevices("a kernel is one dispatch and compiles once, its outputs one allocation each", (dev) => {
  // A constant no other kernel of the library uses, so the first run compiles it.
  const kernel = ir.defineKernel(["float32", "float32"], ["float32"], ([x, y]) => [
    ir.add(ir.mul(x, ir.constant(0.71875, "float32")), y),
    ir.sub(x, y),
  ]);
  const x = float(Array.from({ length: 15 }, (_, i) => i), [3, 5], dev);
  const y = float(Array.from({ length: 15 }, (_, i) => 2 * i), [3, 5], dev);
  const s0 = deviceStats(dev);
  runKernel(kernel, [x, y], []);
  const s1 = deviceStats(dev);
  runKernel(kernel, [x, y], []);
  const s2 = deviceStats(dev);
  const bytes = kernel.outputs.length * x.numel * bytesPerElement("float32");
  const expected = {
    dispatches: 1,
    submits: 0,
    readbacks: 0,
    writes: 0,
    allocations: kernel.outputs.length,
    bytesAllocated: bytes,
  };
  assertEquals(delta(s0, s1), { ...expected, pipelines: 1 }, "first run");
  assertEquals(delta(s1, s2), { ...expected, pipelines: 0 }, "second run of the same kernel");
});

testOnDevices("tensor ops: each backend primitive is one dispatch", (dev) => {
  const a = float([1, 2, 3, 4, 5, 6], [2, 3], dev);
  const b = float(Array.from({ length: 12 }, (_, i) => i), [3, 4], dev);
  const ops: [string, () => unknown][] = [
    ["add (elementwise)", () => a.add(a)],
    ["matmul", () => a.matmul(b)],
    ["sum over a dim (reduce)", () => b.sum(1)],
    ["transposed copy (strided elementwise)", () => b.transpose(0, 1).contiguous()],
  ];
  for (const [name, op] of ops) {
    const before = deviceStats(dev);
    op();
    assertEquals(delta(before, deviceStats(dev)).dispatches, 1, name);
  }
});

testOnDevices("backend primitives: gather, scatterAdd and a contiguous copy", (dev) => {
  const { backend } = dev;
  const source = float([1, 2, 3, 4, 5, 6], [2, 3], dev);
  const index = tensor(new Int32Array([2, 0, 1, 1]), { shape: [2, 2], device: dev });
  const out = zeros([2, 2], { device: dev });
  const view = (t: typeof source) => ({ buffer: t.storage.buffer, offset: 0, strides: t.strides });
  let before = deviceStats(dev);
  backend.gather(view(source), view(index), 1, [2, 2], out.storage.buffer);
  assertEquals(delta(before, deviceStats(dev)).dispatches, 1, "gather");
  before = deviceStats(dev);
  backend.scatterAdd(view(source), view(index), view(out), 1, [2, 2]);
  assertEquals(delta(before, deviceStats(dev)).dispatches, 1, "scatterAdd");
  // The identity kernel over contiguous views: on WebGPU a buffer-to-buffer copy, which dispatches nothing.
  const identity = ir.defineKernel(["float32"], [], ([x]) => [x]);
  const target = zeros([2, 3], { device: dev });
  before = deviceStats(dev);
  backend.elementwise(
    identity,
    [6],
    [{ ...view(source), strides: [1] }],
    [{ ...view(target), strides: [1] }],
    [],
  );
  assertEquals(delta(before, deviceStats(dev)).dispatches, dev.type === "webgpu" ? 0 : 1, "contiguous copy");
});

testOnDevices(
  "a readback is one read, and on WebGPU one submission of the work recorded before it",
  async (dev) => {
    const a = float([1, 2, 3, 4], [4], dev);
    const y = a.mul(a);
    const s0 = deviceStats(dev);
    const values = await y.data();
    const s1 = deviceStats(dev);
    assertEquals(Array.from(values), [1, 4, 9, 16]);
    assertEquals(delta(s0, s1).readbacks, 1, "data()");
    assertEquals(delta(s0, s1).submits, submitsPerReadback(dev), "submits at data()");
    assertEquals(delta(s0, s1).dispatches, 0, "reading a contiguous tensor runs no kernel");
    await a.sum().item();
    const s2 = deviceStats(dev);
    assertEquals(delta(s1, s2).readbacks, 1, "item() of a sum");
    assertEquals(delta(s1, s2).submits, submitsPerReadback(dev), "submits at item()");
  },
);

testOnDevices(
  "creating a tensor from host values is one write; a kernel writes nothing from the host",
  (dev) => {
    const s0 = deviceStats(dev);
    const a = float([1, 2, 3, 4], [4], dev);
    const s1 = deviceStats(dev);
    a.mul(a);
    const s2 = deviceStats(dev);
    assertEquals(delta(s0, s1).writes, 1, "tensor()");
    assertEquals(delta(s1, s2).writes, 0, "a kernel");
  },
);

testOnDevices("allocations count elements × bytes per element of each dtype", (dev) => {
  for (const [dtype, shape] of [["float32", [3, 7]], ["int32", [5]], ["bool", [2, 9]]] as const) {
    const before = deviceStats(dev);
    const t = zeros(shape, { dtype, device: dev });
    const d = delta(before, deviceStats(dev));
    assertEquals([d.allocations, d.bytesAllocated], [1, t.numel * bytesPerElement(dtype)], dtype);
    t.dispose();
  }
});

testOnDevices("a snapshot is a frozen copy: later work and writes leave it as it was", (dev) => {
  const snapshot = deviceStats(dev);
  assert(Object.isFrozen(snapshot));
  assertThrows(() => ((snapshot as DeviceStats).dispatches = -1), TypeError);
  const dispatches = snapshot.dispatches;
  float([1, 2], [2], dev).neg();
  assertEquals(snapshot.dispatches, dispatches);
  assertEquals(deviceStats(dev).dispatches, dispatches + 1);
  assertEquals(
    dev.backend.stats.dispatches,
    dispatches + 1,
    "the backend keeps counting: freezing copied it",
  );
});

Deno.test("deviceStats() reads the default device", () => {
  const before = deviceStats();
  zeros([4], { device: getDefaultDevice() });
  assertEquals(delta(before, deviceStats(getDefaultDevice())).allocations, 1);
});
