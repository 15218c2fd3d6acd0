/**
 * CPU vs WebGPU parity of the transformer layers at nanoGPT's sizes (B=12, T=64, C=128, MLP 512): the fixtures'
 * cases are small, these cover the workgroup and reduction sizes the GPT runs. Registered as ignored without a
 * WebGPU adapter.
 *
 * @module
 */
import {
  type Device,
  device,
  Embedding,
  gelu,
  Generator,
  LayerNorm,
  noGrad,
  type Tensor,
  tensor,
} from "../../mod.ts";
import { assertClose, TOLERANCE, type Tolerance } from "../helpers.ts";

const cpu = await device("cpu");
const gpu: Device | undefined = await device("webgpu").catch(() => undefined);
const random = new Generator(7);

function normal(shape: number[]): Float32Array {
  return Float32Array.from(random.normal(shape.reduce((a, b) => a * b, 1)));
}

/** Runs `step` on both devices from the same host values and compares every tensor it returns. */
async function parity(
  step: (dev: Device) => Tensor[],
  tolerance: Tolerance,
): Promise<void> {
  const [a, b] = [step(cpu), step(gpu!)];
  for (let i = 0; i < a.length; i++) {
    assertClose(await b[i].data(), await a[i].data(), tolerance, `result ${i}`);
  }
}

Deno.test({
  name: "LayerNorm on [12, 64, 128] matches between CPU and WebGPU, forward and every gradient",
  ignore: gpu === undefined,
  fn: async () => {
    const shape = [12, 64, 128];
    const [x, g, w, b] = [normal(shape), normal(shape), normal([128]), normal([128])];
    await parity((dev) => {
      const ln = new LayerNorm(128);
      noGrad(() => {
        ln.weight!.setData(tensor(w, { device: dev }));
        ln.bias!.setData(tensor(b, { device: dev }));
      });
      const input = tensor(x, { shape, device: dev, requiresGrad: true });
      const y = ln.forward(input);
      y.backward(tensor(g, { shape, device: dev }));
      return [y, input.grad!, ln.weight!.grad!, ln.bias!.grad!];
    }, TOLERANCE.accumulation);
  },
});

Deno.test({
  name: "GELU (both ways) on [12, 64, 512] matches between CPU and WebGPU, forward and gradient",
  ignore: gpu === undefined,
  fn: async () => {
    const shape = [12, 64, 512];
    const [x, g] = [normal(shape), normal(shape)];
    for (const approximate of ["none", "tanh"] as const) {
      await parity((dev) => {
        const input = tensor(x, { shape, device: dev, requiresGrad: true });
        const y = gelu(input, { approximate });
        y.backward(tensor(g, { shape, device: dev }));
        return [y, input.grad!];
      }, TOLERANCE.op);
    }
  },
});

Deno.test({
  name: "Embedding of [12, 64] indices into 65 x 128 matches between CPU and WebGPU, with repeated indices",
  ignore: gpu === undefined,
  fn: async () => {
    const index = Int32Array.from(random.uniform(768), (u) => Math.floor(u * 65));
    const [w, g] = [normal([65, 128]), normal([12, 64, 128])];
    await parity((dev) => {
      const wte = new Embedding(65, 128);
      wte.weight.setData(tensor(w, { shape: [65, 128], device: dev }));
      const y = wte.forward(tensor(index, { shape: [12, 64], dtype: "int32", device: dev }));
      y.backward(tensor(g, { shape: [12, 64, 128], device: dev }));
      return [y, wte.weight.grad!];
    }, TOLERANCE.accumulation);
  },
});
