/**
 * WebGPU-specific behaviour: device errors surface as clear Errors, work is batched (one dispatch per parameter
 * for Adam, no readbacks in a training step, no shader compiled for a new learning rate), and a training loop
 * written like the seed's keeps live GPU memory flat. Ignored (shown as such) where no WebGPU adapter is found.
 *
 * @module
 */
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  type Device,
  device,
  Flatten,
  Linear,
  manualSeed,
  memoryStats,
  MNIST,
  ReLU,
  Sequential,
  tensor,
  transforms,
  yieldToEventLoop,
} from "../../mod.ts";
import { findAdapter, openDevice } from "../../backends/webgpu/adapter.ts";
import type { WebGpuBackend } from "../../backends/webgpu/webgpu_backend.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../../deps.ts";

const gpu: Device | undefined = await device("webgpu").catch(() => undefined);
const ignore = gpu === undefined;
const backend = (dev: Device): WebGpuBackend => dev.backend as WebGpuBackend;

/** A device of its own, so that breaking it leaves the shared one alone. */
async function privateDevice(): Promise<Device> {
  const found = await findAdapter();
  return await openDevice(found!.adapter, found!.summary);
}

function seedModel(dev: Device): Promise<Sequential> {
  return new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10)).to(dev);
}

Deno.test({
  name: "device('webgpu') reports the adapter's name and features, and shader-f16 works where offered",
  ignore,
  fn: async () => {
    assertEquals(gpu!.type, "webgpu");
    assert(gpu!.name.length > 0);
    if (gpu!.features.has("shader-f16")) {
      const h = tensor([1.5, 2.25], { device: gpu, dtype: "float16" }).mul(2);
      assertEquals([...await h.data()], [3, 4.5]);
    }
  },
});

Deno.test({
  name: "dataSync() on a WebGPU tensor and ops mixing devices throw clear Errors",
  ignore,
  fn: () => {
    const t = tensor([1, 2], { device: gpu });
    assertThrows(() => t.dataSync(), Error, "dataSync() works on CPU tensors only");
    assertThrows(() => t.add(tensor([1, 2])), Error, "Expected all tensors to be on the same device");
  },
});

Deno.test({
  name: "a lost WebGPU device makes the next op and read throw a clear Error instead of hanging",
  ignore,
  fn: async () => {
    const dev = await privateDevice();
    const t = tensor([1, 2, 3], { device: dev }).mul(2);
    backend(dev).gpu.destroy();
    await backend(dev).gpu.lost;
    assertThrows(() => t.add(1), Error, "The WebGPU device was lost");
    await assertRejects(() => t.data(), Error, "The WebGPU device was lost");
  },
});

Deno.test({
  name: "WebGpuBackend.destroy() closes the device: its tensors then fail as on a lost device",
  ignore,
  fn: async () => {
    const dev = await privateDevice();
    const t = tensor([1, 2, 3], { device: dev }).mul(2);
    assertEquals([...await t.data()], [2, 4, 6]);
    backend(dev).destroy();
    const info = await backend(dev).gpu.lost;
    assertEquals(info.reason, "destroyed");
    await assertRejects(() => t.data(), Error, "The WebGPU device was lost (destroyed)");
  },
});

Deno.test({
  name: "a WebGPU device the library opened is destroyed when the process exits, once",
  ignore,
  fn: async () => {
    const mod = new URL("../../mod.ts", import.meta.url).href;
    const script = `
      let destroyed = 0;
      const destroy = GPUDevice.prototype.destroy;
      GPUDevice.prototype.destroy = function () { destroyed++; return destroy.call(this); };
      const { device, tensor } = await import(${JSON.stringify(mod)});
      const gpu = await device("webgpu");
      console.log("values", [...await tensor([1, 2], { device: gpu }).mul(3).data()].join(","));
      globalThis.addEventListener("unload", () => console.log("destroyed at exit", destroyed));
    `;
    const { code, stdout, stderr } = await new Deno.Command("deno", {
      args: ["eval", "--no-check", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    assertEquals(out.trim().split("\n"), ["values 3,6", "destroyed at exit 1"]);
  },
});

Deno.test({
  name: "an uncaptured WebGPU validation error surfaces as an Error on the next operation",
  ignore,
  fn: async () => {
    const dev = await privateDevice();
    const gpuDevice = backend(dev).gpu;
    gpuDevice.createShaderModule({ code: "this is not WGSL" });
    await yieldToEventLoop(); // the error event arrives asynchronously
    assertThrows(() => tensor([1, 2], { device: dev }).mul(3), Error, "WebGPU reported an error");
    gpuDevice.destroy();
  },
});

Deno.test({
  name:
    "an Adam step is one dispatch for its group's parameters, a training step reads nothing back, and a new lr compiles nothing",
  ignore,
  fn: async () => {
    manualSeed(0);
    const model = await seedModel(gpu!);
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const criterion = new CrossEntropyLoss();
    const images = await tensor(new Float32Array(64 * 784).map((_, i) => Math.sin(i)), {
      shape: [64, 1, 28, 28],
    }).to(gpu!);
    const labels = await tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10)).to(gpu!);
    const stats = backend(gpu!).stats;
    const step = (): void => {
      optimizer.zeroGrad();
      criterion.forward(model.forward(images), labels).backward();
    };
    step();
    optimizer.step();
    await yieldToEventLoop();
    step();
    const before = { ...stats };
    optimizer.step();
    assertEquals(stats.dispatches - before.dispatches, 1, "one kernel over the group's packed parameters");
    step();
    optimizer.paramGroups[0].lr = 5e-4;
    optimizer.step();
    assertEquals(stats.readbacks, before.readbacks, "a training step must not read device memory");
    assertEquals(stats.pipelines, before.pipelines, "changing lr must not compile a new shader");
  },
});

Deno.test({
  name: "2,000 steps of the seed's MNIST loop keep live GPU bytes flat (at most 1.2x those at step 100)",
  ignore: ignore || typeof (globalThis as { gc?: () => void }).gc !== "function",
  fn: async () => {
    const gc = (globalThis as unknown as { gc: () => void }).gc;
    manualSeed(0);
    const transform = transforms.compose(transforms.toTensor(), transforms.normalize([0.1307], [0.3081]));
    const loader = new DataLoader(await MNIST.load({ train: true, transform }), {
      batchSize: 64,
      shuffle: true,
    });
    const model = await seedModel(gpu!);
    const criterion = new CrossEntropyLoss();
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    /** Live bytes once the collector has run and finalizers have returned what it found. */
    const settled = async (): Promise<number> => {
      gc();
      await yieldToEventLoop();
      await yieldToEventLoop();
      return memoryStats(gpu).liveBytes;
    };
    let step = 0;
    let atStep100 = 0;
    while (step < 2000) {
      for await (const [cpuImages, cpuLabels] of loader) {
        const images = await cpuImages.to(gpu!);
        const labels = await cpuLabels.to(gpu!);
        optimizer.zeroGrad();
        const loss = criterion.forward(model.forward(images), labels);
        loss.backward();
        optimizer.step();
        if (++step === 100) atStep100 = await settled();
        if (step === 2000) break;
      }
    }
    const atEnd = await settled();
    assert(
      atEnd <= 1.2 * atStep100,
      `live GPU bytes grew from ${atStep100} at step 100 to ${atEnd} at step 2000`,
    );
  },
});
