/**
 * float16 tensors: the CPU's float16 arithmetic against numpy's float16 (tests/fixtures/amp.json, made by
 * tools/fixtures/amp.py), WebGPU's (shader-f16) against the same values, and CPU against WebGPU on random data.
 *
 * @module
 */
import { assert, assertEquals } from "../../deps.ts";
import { cpu, type Device, device, type Tensor, tensor } from "../../mod.ts";
import { loadFixture, testOnDevices } from "../helpers.ts";

interface Case {
  op: string;
  inputs: number[][];
  shapes?: number[][];
  expected: number[];
}
const cases = loadFixture<{ float16: Case[] }>("amp").float16;

const OPS: Record<string, (x: Tensor[]) => Tensor> = {
  add: ([a, b]) => a.add(b),
  sub: ([a, b]) => a.sub(b),
  mul: ([a, b]) => a.mul(b),
  div: ([a, b]) => a.div(b),
  exp: ([a]) => a.exp(),
  log: ([a]) => a.log(),
  sqrt: ([a]) => a.sqrt(),
  tanh: ([a]) => a.tanh(),
  sigmoid: ([a]) => a.sigmoid(),
  pow: ([a, b]) => a.pow(b),
  neg: ([a]) => a.neg(),
  matmul: ([a, b]) => a.matmul(b),
  sum: ([a]) => a.sum(1),
  cast: ([a]) => a.to("float16"),
};

/** Float16 ulps between two values (0 when both are NaN or equal). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (Object.is(a, b)) return 0;
  const bits = (v: number): number => {
    const u = new Uint16Array(new Float16Array([v]).buffer)[0];
    return u & 0x8000 ? -(u & 0x7fff) : u;
  };
  return Math.abs(bits(a) - bits(b));
}

/**
 * Where WebGPU may land one float16 ulp from the correctly rounded value: it computes these in float32, and WGSL
 * lets float32 exp, log, tanh and pow be a few float32 ulps off (lavapipe's exp(-2.615234375) lands exactly on a
 * float16 midpoint and rounds down; its tanh of a float16 subnormal is off by one subnormal step), and its matrix
 * product sums in float32 where the CPU sums in float64. Everything else is bit for bit.
 */
const SLACK: Record<string, number> = { exp: 1, log: 1, tanh: 1, sigmoid: 1, pow: 1, matmul: 1 };

function inputsOn(c: Case, dev: Device): Tensor[] {
  return c.inputs.map((values, i) => {
    const dtype = c.op === "cast" ? "float32" : "float16";
    const t = tensor(c.op === "cast" ? new Float32Array(values) : new Float16Array(values), {
      dtype,
      device: dev,
    });
    return c.shapes === undefined ? t : t.reshape(c.shapes[i]);
  });
}

Deno.test("every float16 case of the numpy fixture is replayed by this file's table", () => {
  assertEquals([...new Set(cases.map((c) => c.op))].sort(), Object.keys(OPS).sort());
});

for (const c of cases) {
  testOnDevices(`float16 ${c.op} rounds as numpy's float16`, async (dev) => {
    const out = OPS[c.op](inputsOn(c, dev));
    assertEquals(out.dtype, "float16");
    const got = await out.data();
    const slack = dev.type === "cpu" ? 0 : SLACK[c.op] ?? 0;
    for (let i = 0; i < c.expected.length; i++) {
      assert(
        ulps(got[i], c.expected[i]) <= slack,
        `${c.op}[${i}] on ${dev.type}: ${got[i]}, numpy gives ${c.expected[i]} (inputs ${
          c.inputs.map((x) => x[i]).join(", ")
        })`,
      );
    }
  }, { requires: "shader-f16" });
}

testOnDevices(
  "float16 → float32 → float16 round-trips exactly, and float() widens without rounding",
  async (dev) => {
    const c = cases.find((c) => c.op === "add")!;
    const h = tensor(new Float16Array(c.inputs[0]), { device: dev });
    const f = h.float();
    assertEquals(f.dtype, "float32");
    assertEquals([...await f.data()], [...new Float32Array(c.inputs[0])]);
    assertEquals([...await f.half().data()], [...new Float16Array(c.inputs[0])]);
  },
  { requires: "shader-f16" },
);

const gpu = await device("webgpu").catch(() => null);

Deno.test({
  name:
    "float16 ops give the CPU's bits on WebGPU (random inputs; transcendentals and matmul within one ulp)",
  ignore: gpu === null || !gpu.features.has("shader-f16"),
  fn: async () => {
    const n = 4096;
    let seed = 8;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 8;
    const a = Float16Array.from({ length: n }, random);
    const b = Float16Array.from({ length: n }, random);
    for (const [op, f] of Object.entries(OPS)) {
      if (op === "cast") continue;
      const run = async (dev: Device): Promise<ArrayLike<number>> => {
        const x = tensor(a, { device: dev });
        const y = tensor(b, { device: dev });
        const args = op === "log" || op === "sqrt" || op === "pow" ? [x.abs(), y] : [x, y];
        const shaped = op === "matmul" || op === "sum" ? args.map((t) => t.reshape([64, 64])) : args;
        return await f(shaped).data();
      };
      const [onCpu, onGpu] = [await run(cpu), await run(gpu!)];
      for (let i = 0; i < onCpu.length; i++) {
        assert(
          ulps(onGpu[i], onCpu[i]) <= (SLACK[op] ?? 0),
          `${op}[${i}]: WebGPU ${onGpu[i]}, CPU ${onCpu[i]}`,
        );
      }
    }
  },
});
