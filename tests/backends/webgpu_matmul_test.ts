/**
 * The WebGPU matmul's variants against the CPU's product, forward and backward, in both shader families (direct
 * and staged through workgroup memory, each on its own backend over the same GPUDevice): every way an operand is read
 * (vec4s along k, vec4s along its rows or columns, scalars when an offset or stride is not a multiple of 4), k not
 * a multiple of 4, outputs that do not fill the last block, batches (with a broadcast operand and transposed
 * ones), infinities (which must stay in their own rows and columns), and float16. Inputs are quarters in [-2, 2]:
 * every partial sum is exact in float32, so both devices must agree exactly, in any summation order (float16
 * results are the exact sum rounded once on both). The cases' names say which reads the direct family makes; the
 * staged one copies its tiles element by element. Registered only when a WebGPU adapter is present.
 *
 * @module
 */
import { Device, device, type DType, Generator, type Tensor, tensor } from "../../mod.ts";
import { WebGpuBackend } from "../../backends/mod.ts";
import { assertClose } from "../helpers.ts";

const cpu = await device("cpu");
const gpu: Device | undefined = await device("webgpu").catch(() => undefined);
const gpus: [string, Device][] = gpu === undefined ? [] : (["direct", "staged"] as const).map((matmul) => [
  matmul,
  new Device(
    "webgpu",
    gpu.name,
    gpu.features,
    new WebGpuBackend((gpu.backend as WebGpuBackend).gpu, { matmul }),
  ),
]);
const EXACT = { rtol: 0, atol: 0 };
const random = new Generator(16);

interface Case {
  name: string;
  shapes: number[][];
  op: (inputs: Tensor[]) => Tensor;
  dtype?: DType;
  /** Flat positions of each input set to +Infinity. */
  infinities?: number[][];
}

const CASES: Case[] = [
  { name: "k4 × mn4 reads, 8×8 blocks, last block partly outside", shapes: [[136, 36], [36, 132]], op: mm },
  {
    name: "many blocks (the staged family's 64×64 tiles), partial last ones",
    shapes: [[260, 8], [8, 516]],
    op: mm,
  },
  {
    name: "x @ w.T: both read as vec4s along k",
    shapes: [[70, 64], [130, 64]],
    op: ([x, w]) => x.matmul(w.T),
  },
  {
    name: "a.T @ b: A read as vec4s along its rows",
    shapes: [[36, 64], [36, 20]],
    op: ([a, b]) => a.T.matmul(b),
  },
  {
    name: "k not a multiple of 4, vec4 rows and columns",
    shapes: [[13, 16], [13, 20]],
    op: ([a, b]) => a.T.matmul(b),
  },
  { name: "k not a multiple of 4, scalar reads", shapes: [[9, 7], [7, 5]], op: mm },
  {
    name: "offsets not a multiple of 4: scalar reads",
    shapes: [[20, 13], [13, 17]],
    op: ([a, b]) => a.narrow(1, 1, 12).matmul(b.narrow(0, 1, 12).narrow(1, 1, 16)),
  },
  { name: "batched, aligned batch strides", shapes: [[3, 8, 12], [3, 12, 16]], op: mm },
  { name: "batched against a broadcast operand", shapes: [[4, 20, 8], [1, 8, 12]], op: mm },
  {
    name: "batched, transposed operands",
    shapes: [[2, 8, 16], [2, 12, 8]],
    op: ([a, b]) => a.transpose(1, 2).matmul(b.transpose(1, 2)),
  },
  { name: "batched, batch strides not a multiple of 4", shapes: [[3, 5, 6], [3, 6, 7]], op: mm },
  { name: "one row, one column", shapes: [[1, 40], [40, 1]], op: mm },
  {
    name: "infinities stay in their rows and columns (vec4 reads, clamped edges)",
    shapes: [[66, 8], [8, 68]],
    op: mm,
    infinities: [[65 * 8 + 3], [2 * 68 + 67]],
  },
  {
    name: "infinities stay in their rows and columns (k tail)",
    shapes: [[6, 7], [7, 9]],
    op: mm,
    infinities: [[2 * 7 + 6], [6 * 9 + 4]],
  },
  { name: "float16, vec4 reads", shapes: [[64, 784], [784, 128]], op: mm, dtype: "float16" },
  { name: "float16, x @ w.T", shapes: [[20, 32], [24, 32]], op: ([x, w]) => x.matmul(w.T), dtype: "float16" },
  { name: "float16, scalar reads and k tail", shapes: [[9, 7], [7, 5]], op: mm, dtype: "float16" },
];

function mm([a, b]: Tensor[]): Tensor {
  return a.matmul(b);
}

/** The case's output and input gradients on `dev`, for the given input values and upstream gradient. */
async function run(
  c: Case,
  dev: Device,
  values: Float32Array[],
  upstream: (n: number) => Float32Array,
): Promise<Float32Array[]> {
  const dtype = c.dtype ?? "float32";
  const inputs = c.shapes.map((shape, i) =>
    tensor(values[i], { shape, device: dev }).to(dtype).requiresGrad_(c.infinities === undefined)
  );
  const out = c.op(inputs);
  if (c.infinities === undefined) {
    out.backward(tensor(upstream(out.numel), { shape: out.shape, device: dev }).to(dtype));
  }
  const results = [out, ...inputs.flatMap((t) => t.grad === null ? [] : [t.grad])];
  return await Promise.all(results.map(async (t) => Float32Array.from(await t.float().data())));
}

const quarters = (n: number): Float32Array =>
  Float32Array.from(random.uniform(n), (v) => Math.round(v * 16 - 8) / 4);

for (const [family, onDevice] of gpus.length === 0 ? [["direct", undefined] as const] : gpus) {
  for (const c of CASES) {
    Deno.test({
      name: `WebGPU matmul (${family}) agrees with the CPU: ${c.name}`,
      ignore: gpu === undefined || (c.dtype === "float16" && !gpu.features.has("shader-f16")),
      fn: async () => {
        const values = c.shapes.map((s, i) => {
          const v = quarters(s.reduce((a, b) => a * b, 1));
          for (const at of c.infinities?.[i] ?? []) v[at] = Infinity;
          return v;
        });
        let seed: Float32Array | undefined;
        const upstream = (n: number): Float32Array => (seed ??= quarters(n));
        const onCpu = await run(c, cpu, values, upstream);
        const onGpu = await run(c, onDevice!, values, upstream);
        onCpu.forEach((expected, i) =>
          assertClose(onGpu[i], expected, EXACT, `${c.name}: ${i === 0 ? "output" : `gradient ${i - 1}`}`)
        );
      },
    });
  }
}
