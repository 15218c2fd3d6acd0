/**
 * CPU vs WebGPU parity: every op, forward and backward, on random shapes — broadcasting, sizes that are not
 * multiples of the workgroup size, empty and 0-d tensors, strided views — computed on both devices from the same
 * values and compared with the tolerances in tests/helpers.ts. Registered only when a WebGPU adapter is present
 * (else the tests show as ignored).
 *
 * @module
 */
import { type Device, device, Generator, type Tensor, tensor } from "../../mod.ts";
import { cat, stack } from "../../tensor/shape.ts";
import { where } from "../../tensor/elementwise.ts";
import { assertClose, TOLERANCE, type Tolerance } from "../helpers.ts";

const cpu = await device("cpu");
const gpu: Device | undefined = await device("webgpu").catch(() => undefined);

/** A recipe: given inputs on one device, the op's output. */
type Op = (inputs: Tensor[]) => Tensor;

interface Case {
  name: string;
  shapes: number[][];
  op: Op;
  tolerance: Tolerance;
  /** Inputs that are int32 class indices below this bound instead of floats. */
  indexBound?: number;
  /** Whether gradients flow (float inputs that require grad). */
  grad?: boolean;
}

const random = new Generator(2024);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random.uniform(1)[0] * items.length)];
/** Sizes around and off the workgroup size, and small ones. */
const SIZES = [1, 2, 3, 5, 7, 17, 31, 63, 257, 300];

function randomShape(rank: number): number[] {
  return Array.from({ length: rank }, () => pick(SIZES.slice(0, rank > 2 ? 7 : 10)));
}

/** A shape that broadcasts with `shape`: some dimensions set to 1, maybe fewer leading ones. */
function broadcastable(shape: readonly number[]): number[] {
  const drop = Math.floor(random.uniform(1)[0] * (shape.length + 1));
  return shape.slice(drop).map((s) => (random.uniform(1)[0] < 0.4 ? 1 : s));
}

const unary: [string, Op][] = [
  ["neg", ([x]) => x.neg()],
  ["abs", ([x]) => x.abs()],
  ["sign", ([x]) => x.sign()],
  ["sqrt", ([x]) => x.abs().sqrt()],
  ["exp", ([x]) => x.exp()],
  ["log", ([x]) => x.abs().add(0.1).log()],
  ["relu", ([x]) => x.relu()],
  ["sigmoid", ([x]) => x.sigmoid()],
  ["tanh", ([x]) => x.tanh()],
  ["clamp", ([x]) => x.clamp(-0.5, 0.7)],
  ["pow 3", ([x]) => x.pow(3)],
  ["pow 0.5 of |x|", ([x]) => x.abs().add(0.1).pow(0.5)],
  ["add scalar alpha", ([x]) => x.add(1.5, { alpha: -2 })],
  ["div by scalar", ([x]) => x.div(3)],
  ["half round trip", ([x]) => x.half().float()],
];
const binary: [string, Op][] = [
  ["add", ([a, b]) => a.add(b)],
  ["sub alpha", ([a, b]) => a.sub(b, { alpha: 0.5 })],
  ["mul", ([a, b]) => a.mul(b)],
  ["div", ([a, b]) => a.div(b.abs().add(0.5))],
  ["pow", ([a, b]) => a.abs().add(0.2).pow(b)],
  ["maximum", ([a, b]) => a.maximum(b)],
  ["minimum", ([a, b]) => a.minimum(b)],
  ["where", ([a, b]) => where(a.gt(b), a, b.mul(2))],
  ["eq/gt/le mix", ([a, b]) => a.gt(b).float().add(a.le(b).float().mul(2)).add(a.eq(b).float())],
];

function cases(): Case[] {
  const out: Case[] = [];
  for (const [name, op] of unary) {
    for (const shape of [[], [0], randomShape(1), randomShape(2), randomShape(3)]) {
      out.push({ name: `${name} [${shape}]`, shapes: [shape], op, tolerance: TOLERANCE.op, grad: true });
    }
  }
  for (const [name, op] of binary) {
    for (const rank of [0, 1, 2, 3]) {
      const a = randomShape(rank);
      out.push({
        name: `${name} [${a}] with [${broadcastable(a)}]`,
        shapes: [a, broadcastable(a)],
        op,
        tolerance: TOLERANCE.op,
        grad: true,
      });
      const b = randomShape(rank);
      out.push({
        name: `${name} [${broadcastable(b)}] with [${b}]`,
        shapes: [broadcastable(b), b],
        op,
        tolerance: TOLERANCE.op,
        grad: true,
      });
    }
    out.push({ name: `${name} empty`, shapes: [[0, 3], [1, 3]], op, tolerance: TOLERANCE.op, grad: true });
  }
  const reductions: [string, (dims: number[]) => Op][] = [
    ["sum", (d) => ([x]) => x.sum(d)],
    ["sum keepdim", (d) => ([x]) => x.sum(d, { keepdim: true })],
    ["mean", (d) => ([x]) => x.mean(d)],
    ["max", (d) => ([x]) => x.max(d[0])],
    ["min keepdim", (d) => ([x]) => x.min(d[0], { keepdim: true })],
    ["argmax", (d) => ([x]) => x.argmax(d[0]).float()],
    ["argmin", (d) => ([x]) => x.argmin(d[0]).float()],
    ["softmax", (d) => ([x]) => x.softmax(d[0])],
    ["logSoftmax", (d) => ([x]) => x.logSoftmax(d[0])],
    ["logsumexp", (d) => ([x]) => x.logsumexp(d)],
  ];
  for (const [name, op] of reductions) {
    for (const shape of [randomShape(1), randomShape(2), randomShape(3), [2, 70000]]) {
      const dims = [Math.floor(random.uniform(1)[0] * shape.length)];
      if (shape.length === 3 && name.startsWith("sum")) dims.push((dims[0] + 2) % 3);
      out.push({
        name: `${name} over ${dims} of [${shape}]`,
        shapes: [shape],
        op: op(dims),
        tolerance: TOLERANCE.composite,
        grad: !name.startsWith("arg"),
      });
    }
  }
  out.push({
    name: "sum of all of [100000]",
    shapes: [[100000]],
    op: ([x]) => x.sum(),
    tolerance: TOLERANCE.accumulation,
    grad: true,
  });
  out.push({
    name: "max of all of [3, 5]",
    shapes: [[3, 5]],
    op: ([x]) => x.max(),
    tolerance: TOLERANCE.op,
    grad: true,
  });
  for (const [m, k, n] of [[1, 1, 1], [5, 7, 3], [64, 784, 128], [65, 17, 130], [0, 3, 4], [3, 0, 4]]) {
    const tolerance = k >= 256 || m >= 64 ? TOLERANCE.accumulation : TOLERANCE.composite;
    out.push({
      name: `matmul [${m},${k}]x[${k},${n}]`,
      shapes: [[m, k], [k, n]],
      op: ([a, b]) => a.matmul(b),
      tolerance,
      grad: true,
    });
  }
  out.push({
    name: "matmul transposed operands",
    shapes: [[7, 5], [3, 7]],
    op: ([a, b]) => a.T.matmul(b.T),
    tolerance: TOLERANCE.composite,
    grad: true,
  });
  out.push({
    name: "matmul batched broadcast",
    shapes: [[2, 3, 4, 5], [3, 5, 6]],
    op: ([a, b]) => a.matmul(b),
    tolerance: TOLERANCE.composite,
    grad: true,
  });
  out.push({
    name: "matmul vector",
    shapes: [[5], [5, 2]],
    op: ([a, b]) => a.matmul(b),
    tolerance: TOLERANCE.composite,
    grad: true,
  });
  out.push({
    name: "gather along 1",
    shapes: [[6, 9], [6, 4]],
    indexBound: 9,
    op: ([x, i]) => x.gather(1, i),
    tolerance: TOLERANCE.op,
    grad: true,
  });
  out.push({
    name: "gather along 0 with repeats",
    shapes: [[5, 3], [8, 3]],
    indexBound: 5,
    op: ([x, i]) => x.gather(0, i),
    tolerance: TOLERANCE.op,
    grad: true,
  });
  out.push({
    name: "indexSelect",
    shapes: [[4, 6, 3], [10]],
    indexBound: 6,
    op: ([x, i]) => x.indexSelect(1, i),
    tolerance: TOLERANCE.op,
    grad: true,
  });
  const views: [string, number[], Op][] = [
    ["permute then contiguous", [3, 4, 5], ([x]) => x.permute([2, 0, 1]).contiguous().mul(2)],
    ["transpose view arithmetic", [17, 31], ([x]) => x.T.add(1)],
    ["expand", [3, 1], ([x]) => x.expand([3, 300]).mul(1.5)],
    ["narrow", [10, 7], ([x]) => x.narrow(0, 2, 5).exp()],
    ["reshape of a transpose", [6, 4], ([x]) => x.T.reshape([3, 8]).tanh()],
    ["flatten unsqueeze squeeze", [2, 3, 4], ([x]) => x.flatten(1).unsqueeze(0).squeeze(0).sigmoid()],
    ["cat", [4, 3], ([x]) => cat([x, x.mul(2), x.narrow(0, 1, 2)], 0)],
    ["stack", [4, 3], ([x]) => stack([x, x.neg()], 1)],
  ];
  for (const [name, shape, op] of views) {
    out.push({ name, shapes: [shape], op, tolerance: TOLERANCE.op, grad: true });
  }
  return out;
}

async function run(
  c: Case,
  dev: Device,
  values: Float32Array[],
  seed: (n: number) => Float32Array,
): Promise<{ out: Float32Array; grads: Float32Array[] }> {
  const inputs = c.shapes.map((shape, i) =>
    c.indexBound !== undefined && i === 1
      ? tensor(Int32Array.from(values[i], (v) => Math.floor(v * c.indexBound!)), { shape, device: dev })
      : tensor(values[i].map((v) => v * 4 - 2), { shape, device: dev, requiresGrad: c.grad })
  );
  const out = c.op(inputs).float();
  if (c.grad && out.requiresGrad) {
    out.backward(tensor(seed(out.numel), { shape: out.shape, device: dev }));
  }
  const grads = await Promise.all(
    inputs.filter((t) => t.requiresGrad).map(async (t) =>
      t.grad === null ? new Float32Array() : await t.grad.data() as Float32Array
    ),
  );
  return { out: await out.data() as Float32Array, grads };
}

for (const c of cases()) {
  Deno.test({
    name: `CPU and WebGPU agree: ${c.name}`,
    ignore: gpu === undefined || (c.name.includes("half") && !gpu.features.has("shader-f16")),
    fn: async () => {
      const values = c.shapes.map((s) => Float32Array.from(random.uniform(s.reduce((a, b) => a * b, 1))));
      let upstream: Float32Array | undefined;
      const seed = (
        n: number,
      ): Float32Array => (upstream ??= Float32Array.from(random.uniform(n), (v) => v - 0.5));
      const onCpu = await run(c, cpu, values, seed);
      const onGpu = await run(c, gpu!, values, seed);
      assertClose(onGpu.out, onCpu.out, c.tolerance, `${c.name}: output`);
      onCpu.grads.forEach((g, i) => assertClose(onGpu.grads[i], g, c.tolerance, `${c.name}: gradient ${i}`));
    },
  });
}
