/**
 * `deno bench`: the backend primitives through the tensor API, per device present — an elementwise add, a sum
 * and a copy over 10M float32 elements, and matrix products of the sizes a training step meets. Each repetition
 * ends with a one-element readback so that work queued on a WebGPU device finishes inside the measurement (free on
 * the CPU). The same workloads against TensorFlow.js and PyTorch: `deno task bench:report`.
 *
 * @module
 */
import { device, randn, type Tensor, tidy } from "../mod.ts";

/** Waits for queued device work by reading one element of `t`. */
async function finish(t: Tensor): Promise<void> {
  if (t.device.type !== "cpu") await t.reshape([-1]).narrow(0, 0, 1).data();
}

for (const kind of ["cpu", "webgpu"] as const) {
  const dev = await device(kind).catch(() => undefined);
  if (dev === undefined) continue;
  const label = `[${dev.type}: ${dev.name}]`;
  const n = 10_000_000;
  const a = randn([n], { device: dev }), b = randn([n], { device: dev }), c = randn([n], { device: dev });
  const group = `10M float32 ${label}`;
  Deno.bench({ name: `copy_ ${group}`, group, baseline: true, fn: async () => await finish(c.copy_(a)) });
  Deno.bench({
    name: `add ${group}`,
    group,
    fn: async () => {
      const out = tidy(() => a.add(b));
      await finish(out);
      out.dispose();
    },
  });
  Deno.bench({
    name: `sum ${group}`,
    group,
    fn: async () => {
      const out = tidy(() => a.sum());
      await finish(out);
      out.dispose();
    },
  });
  for (const [m, k, nn] of [[512, 512, 512], [64, 784, 128], [784, 64, 128]]) {
    const x = randn([m, k], { device: dev }), y = randn([k, nn], { device: dev });
    Deno.bench({
      name: `matmul ${m}x${k} @ ${k}x${nn} ${label}`,
      group: `matmul ${label}`,
      fn: async () => {
        const out = tidy(() => x.matmul(y));
        await finish(out);
        out.dispose();
      },
    });
  }
}
