import { BatchNorm1d, type Device, Linear, Module, type Tensor, tensor, zeros } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { cnnFixture } from "./cnn_fixture.ts";

const { bufferNames, errors } = cnnFixture();

/** The module tools/fixtures/cnn.py's buffer_names() builds in PyTorch. */
class Net extends Module {
  fc = new Linear(2, 2);
  norm = new BatchNorm1d(2, { trackRunningStats: false });
  stats = new BatchNorm1d(2, { affine: false });
  constructor() {
    super();
    this.registerBuffer("steps", zeros([], { dtype: "int32" }));
    this.registerBuffer("scratch", zeros([2]), { persistent: false });
    this.registerBuffer("absent", null);
  }
  forward(x: Tensor): Tensor {
    return this.stats.forward(this.norm.forward(this.fc.forward(x)));
  }
}

Deno.test("Module.namedBuffers() and stateDict() list buffers as PyTorch does: null skipped, non-persistent unsaved", () => {
  const net = new Net();
  assertEquals(net.namedBuffers().map(([name]) => name), bufferNames.namedBuffers);
  assertEquals(Object.keys(net.stateDict()), bufferNames.stateDictKeys);
  assertEquals(net.buffers(), net.namedBuffers().map(([, b]) => b));
  assertEquals(net.getBuffer("absent"), null);
  assertEquals(net.getBuffer("stats.running_var"), net.stats.runningVar);
  assertThrows(() => net.getBuffer("stats.running_std"), Error, "Net has no buffer `stats.running_std`");
});

testOnDevices(
  "Module.to() moves every buffer, persistent or not, keeping its identity",
  async (dev: Device) => {
    const net = new Net();
    const buffers = net.buffers();
    await net.to(dev);
    assertEquals(net.buffers(), buffers);
    assert(buffers.every((b) => b.device === dev));
  },
);

testOnDevices(
  "Module.loadStateDict() loads persistent buffers, converting PyTorch's int64 counts",
  async (dev) => {
    const net = await new Net().to(dev);
    const state = Object.fromEntries(
      Object.entries(net.stateDict()).map(([name, t]) => [name, t.float().add(1)]),
    );
    assertEquals(net.loadStateDict(state), { missingKeys: [], unexpectedKeys: [] });
    assertEquals(await net.getBuffer("steps")!.item(), 1);
    assertEquals(net.getBuffer("steps")!.dtype, "int32");
    assertEquals(Array.from(await net.stats.runningVar!.data()), [2, 2]);
    assertEquals(Array.from(await net.getBuffer("scratch")!.data()), [0, 0]);
  },
);

testOnDevices(
  "Module.loadStateDict() rejects a missing buffer and a non-persistent one as unexpected",
  async (dev) => {
    const net = await new Net().to(dev);
    const { "stats.num_batches_tracked": _, ...missing } = net.stateDict();
    assertThrows(
      () => net.loadStateDict(missing),
      Error,
      'Missing key(s) in state_dict: "stats.num_batches_tracked".',
    );
    assertThrows(
      () => net.loadStateDict({ ...net.stateDict(), scratch: zeros([2], { device: dev }) }),
      Error,
      'Unexpected key(s) in state_dict: "scratch".',
    );
  },
);

Deno.test("Module.registerBuffer() rejects bad names and values with PyTorch's messages", () => {
  const m = new Linear(1, 1);
  assertThrows(() => m.registerBuffer("a.b", zeros([1])), Error, errors["buffer name with a dot"]);
  assertThrows(() => m.registerBuffer("", zeros([1])), Error, errors["buffer name empty"]);
  assertThrows(
    () => m.registerBuffer("inFeatures", zeros([1])),
    Error,
    "attribute 'inFeatures' already exists",
  );
  assertThrows(
    () => m.registerBuffer("x", 3 as unknown as Tensor),
    TypeError,
    "cannot assign 'number' object to buffer 'x' (Tensor or null required)",
  );
  m.registerBuffer("x", zeros([1]));
  const replacement = tensor([5]);
  m.registerBuffer("x", replacement);
  assertEquals(m.getBuffer("x"), replacement);
});
