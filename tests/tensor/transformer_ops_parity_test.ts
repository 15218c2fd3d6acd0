/**
 * CPU vs WebGPU parity of the transformer's tensor ops at nanoGPT's sizes (B=12, H=4, T=64, C=128, vocabulary
 * 65): the fixtures' cases are small, these cover the workgroup, vec4 and reduction sizes the GPT runs.
 * Registered as ignored without a WebGPU adapter.
 *
 * @module
 */
import {
  type Device,
  device,
  erf,
  Generator,
  ones,
  split,
  type Tensor,
  tensor,
  topk,
  tril,
} from "../../mod.ts";
import { assertClose, TOLERANCE, type Tolerance } from "../helpers.ts";

const cpu = await device("cpu");
const gpu: Device | undefined = await device("webgpu").catch(() => undefined);
const random = new Generator(13);

function normal(shape: number[]): Float32Array {
  return Float32Array.from(random.normal(shape.reduce((a, b) => a * b, 1)));
}

/** Runs `step` on both devices from the same host values and compares every tensor it returns. */
async function parity(step: (dev: Device) => Tensor[], tolerance: Tolerance): Promise<void> {
  const [a, b] = [step(cpu), step(gpu!)];
  for (let i = 0; i < a.length; i++) {
    assertClose(await b[i].data(), await a[i].data(), tolerance, `result ${i}`);
  }
}

/** A leaf of `shape` from `values` on `dev`, requiring grad. */
const leaf = (values: Float32Array, shape: number[], dev: Device): Tensor =>
  tensor(values, { shape, device: dev, requiresGrad: true });

const cases: [string, (dev: Device) => Tensor[], Tolerance][] = (() => {
  const mlp = [12, 64, 512];
  const [h, gh] = [normal(mlp), normal(mlp)];
  const qkv = [12, 64, 384];
  const [p, gq, gk, gv] = [normal(qkv), normal([12, 64, 128]), normal([12, 64, 128]), normal([12, 64, 128])];
  const att = [12, 4, 64, 64];
  const [s, gs] = [normal(att), normal(att)];
  const heads = [12, 4, 64, 32];
  const [q, k, ga] = [normal(heads), normal(heads), normal(att)];
  const [x, gx] = [normal([12, 64, 128]), normal([12, 64])];
  const [logits, gl] = [normal([12, 65]), normal([12, 10])];
  return [
    ["erf on [12, 64, 512]", (dev) => {
      const input = leaf(h, mlp, dev);
      const y = erf(input);
      y.backward(tensor(gh, { shape: mlp, device: dev }));
      return [y, input.grad!];
    }, TOLERANCE.op],
    ["split of a [12, 64, 384] projection into q, k and v", (dev) => {
      const input = leaf(p, qkv, dev);
      const parts = split(input, 128, 2);
      const g = [gq, gk, gv].map((v) => tensor(v, { shape: [12, 64, 128], device: dev }));
      parts[0].mul(g[0]).add(parts[1].mul(g[1])).add(parts[2].mul(g[2])).sum().backward();
      return [...parts, input.grad!];
    }, TOLERANCE.op],
    ["the causal mask of [12, 4, 64, 64] scores by tril and maskedFill", (dev) => {
      const input = leaf(s, att, dev);
      const future = tril(ones([64, 64], { device: dev })).eq(0);
      const y = input.maskedFill(future, -Infinity).softmax(-1);
      y.backward(tensor(gs, { shape: att, device: dev }));
      return [y, input.grad!];
    }, TOLERANCE.composite],
    ["q @ kᵀ of [12, 4, 64, 32]", (dev) => {
      const [a, b] = [leaf(q, heads, dev), leaf(k, heads, dev)];
      const y = a.matmul(b.transpose(-2, -1));
      y.backward(tensor(ga, { shape: att, device: dev }));
      return [y, a.grad!, b.grad!];
    }, TOLERANCE.accumulation],
    ["var over the last dim of [12, 64, 128]", (dev) => {
      const input = leaf(x, [12, 64, 128], dev);
      const y = input.var(-1, { correction: 0 });
      y.backward(tensor(gx, { shape: [12, 64], device: dev }));
      return [y, input.grad!];
    }, TOLERANCE.accumulation],
    ["topk 10 and cumsum of [12, 65] logits", (dev) => {
      const input = leaf(logits, [12, 65], dev);
      const [values, indices] = topk(input, 10);
      values.backward(tensor(gl, { shape: [12, 10], device: dev }));
      return [values, indices, input.softmax(-1).cumsum(-1), input.grad!];
    }, TOLERANCE.composite],
  ];
})();

for (const [name, step, tolerance] of cases) {
  Deno.test({
    name: `${name} matches between CPU and WebGPU, forward and backward`,
    ignore: gpu === undefined,
    fn: () => parity(step, tolerance),
  });
}
