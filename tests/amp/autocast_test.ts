/**
 * autocast against PyTorch: output dtypes per op (tests/fixtures/amp.json: 1.13's CPU autocast where it applies,
 * PyTorch's documented CUDA float16 lists elsewhere, and 1.13's type promotion), gradients in the parameters'
 * dtype, and the float32 fallback on adapters without shader-f16.
 *
 * @module
 */
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { autocast } from "../../amp/mod.ts";
import { conv2d, crossEntropy, linear, mseLoss, nllLoss } from "../../nn/mod.ts";
import { Device, type DType, randn, type Tensor, tensor } from "../../mod.ts";
import { CpuBackend } from "../../backends/cpu/cpu_backend.ts";
import { loadFixture, testOnDevices } from "../helpers.ts";

interface Entry {
  op: string;
  result: "lower" | "float32" | "input";
  source: string;
}
interface Promotion {
  op: "add" | "sub" | "mul" | "div";
  a: string;
  b: string;
  result: DType;
}
const fixture = loadFixture<{ autocast: Entry[]; promotion: Promotion[] }>("amp");

/** Each op of the fixture, on operands of `dtype` on `dev`. */
const OPS: Record<string, (dtype: DType, dev: Device) => Tensor> = {
  matmul: (d, dev) => randn([4, 6], { device: dev }).to(d).matmul(randn([6, 5], { device: dev }).to(d)),
  bmm: (d, dev) => randn([2, 4, 6], { device: dev }).to(d).matmul(randn([2, 6, 3], { device: dev }).to(d)),
  linear: (d, dev) =>
    linear(
      randn([4, 6], { device: dev }).to(d),
      randn([5, 6], { device: dev }).to(d),
      randn([5], { device: dev }).to(d),
    ),
  conv2d: (d, dev) =>
    conv2d(
      randn([2, 3, 6, 6], { device: dev }).to(d),
      randn([4, 3, 3, 3], { device: dev }).to(d),
      randn([4], { device: dev }).to(d),
    ),
  mseLoss: (d, dev) => mseLoss(randn([4, 6], { device: dev }).to(d), randn([4, 6], { device: dev }).to(d)),
  softmax: (d, dev) => randn([4, 6], { device: dev }).to(d).softmax(1),
  logSoftmax: (d, dev) => randn([4, 6], { device: dev }).to(d).logSoftmax(1),
  exp: (d, dev) => randn([4, 6], { device: dev }).to(d).exp(),
  log: (d, dev) => randn([4, 6], { device: dev }).abs().to(d).log(),
  pow: (d, dev) => randn([4, 6], { device: dev }).to(d).pow(2),
  sum: (d, dev) => randn([4, 6], { device: dev }).to(d).sum(),
  crossEntropy: (d, dev) =>
    crossEntropy(randn([4, 6], { device: dev }).to(d), tensor([0, 5, 2, 1], { dtype: "int32", device: dev })),
  nllLoss: (d, dev) =>
    nllLoss(randn([4, 6], { device: dev }).to(d), tensor([0, 5, 2, 1], { dtype: "int32", device: dev })),
  mean: (d, dev) => randn([4, 6], { device: dev }).to(d).mean(),
  relu: (d, dev) => randn([4, 6], { device: dev }).to(d).relu(),
  add: (d, dev) => randn([4, 6], { device: dev }).to(d).add(randn([4, 6], { device: dev }).to(d)),
};

Deno.test("every autocast op of the fixture is checked by this file's table", () => {
  assertEquals(fixture.autocast.map((e) => e.op).sort(), Object.keys(OPS).sort());
});

for (const entry of fixture.autocast) {
  testOnDevices(
    `autocast runs ${entry.op} in ${
      entry.result === "input" ? "its input's dtype" : entry.result
    } (${entry.source})`,
    (dev) => {
      for (const input of ["float32", "float16"] as const) {
        const out = autocast(() => OPS[entry.op](input, dev));
        const expected = entry.result === "lower"
          ? "float16"
          : entry.result === "float32"
          ? "float32"
          : input;
        assertEquals(out.dtype, expected, `${entry.op} of ${input} operands`);
        assertEquals(OPS[entry.op](input, dev).dtype, input, `${entry.op} of ${input} outside autocast`);
      }
    },
    { requires: "shader-f16" },
  );
}

testOnDevices("mixed float16/float32 binary ops promote as PyTorch 1.13, in and out of autocast", (dev) => {
  const make = (kind: string): Tensor | number => {
    if (kind === "number") return 2.5;
    const dtype = kind.startsWith("float16") ? "float16" : "float32";
    return kind.endsWith("-0d")
      ? tensor(1.5, { dtype, device: dev })
      : tensor([1.5, 2, 3], { dtype, device: dev });
  };
  for (const p of fixture.promotion) {
    const a = make(p.a) as Tensor;
    const b = make(p.b);
    assertEquals(a[p.op](b).dtype, p.result, `${p.op}(${p.a}, ${p.b})`);
    assertEquals(autocast(() => a[p.op](b)).dtype, p.result, `${p.op}(${p.a}, ${p.b}) under autocast`);
  }
}, { requires: "shader-f16" });

testOnDevices(
  "gradients flow back through autocast's casts in the parameters' dtype (float32 master weights)",
  (dev) => {
    const w = randn([5, 6], { device: dev, requiresGrad: true });
    const b = randn([5], { device: dev, requiresGrad: true });
    const x = randn([4, 6], { device: dev, requiresGrad: true });
    const h = x.mul(2);
    h.retainGrad();
    const loss = autocast(() => {
      const y = linear(h, w, b);
      assertEquals(y.dtype, "float16");
      return crossEntropy(y, tensor([0, 4, 2, 1], { dtype: "int32", device: dev }));
    });
    assertEquals(loss.dtype, "float32");
    loss.backward();
    for (const [name, t] of [["weight", w], ["bias", b], ["input", x], ["intermediate", h]] as const) {
      assert(t.grad !== null, `${name} has a gradient`);
      assertEquals(t.grad.dtype, "float32", `${name}'s gradient dtype`);
    }
  },
  { requires: "shader-f16" },
);

testOnDevices("autocast's matmul is the float16 product of the operands rounded to float16", async (dev) => {
  const a = randn([8, 16], { device: dev });
  const b = randn([16, 4], { device: dev });
  const auto = autocast(() => a.matmul(b));
  const manual = a.half().matmul(b.half());
  assertEquals([...await auto.data()], [...await manual.data()]);
}, { requires: "shader-f16" });

testOnDevices(
  "autocast({ enabled: false }) turns it off inside, and backward inside autocast runs outside it",
  (dev) => {
    const w = randn([3, 3], { device: dev, requiresGrad: true });
    const x = randn([2, 3], { device: dev });
    autocast(() => {
      assertEquals(x.matmul(w).dtype, "float16");
      assertEquals(autocast(() => x.matmul(w), { enabled: false }).dtype, "float32");
      assertEquals(x.matmul(w).dtype, "float16");
      const loss = x.matmul(w).float().sum();
      loss.backward();
    });
    assertEquals(w.grad!.dtype, "float32");
  },
  { requires: "shader-f16" },
);

Deno.test("autocast refuses async functions and dtypes other than float16, naming what it expected", () => {
  assertThrows(() => autocast(() => Promise.resolve(1)), Error, "autocast() needs a synchronous function");
  assertThrows(
    () => autocast(() => 1, { dtype: "bfloat16" as "float16" }),
    TypeError,
    'autocast: dtype must be "float16" (the only lower-precision dtype gradstep has), got "bfloat16"',
  );
  assertThrows(
    () => autocast(() => 1, { enabled: "yes" as unknown as boolean }),
    TypeError,
    "autocast: expected enabled to be a boolean, got string",
  );
});

Deno.test("on a WebGPU adapter without shader-f16, autocast says so once and runs in float32", () => {
  // The condition autocast checks: a WebGPU device whose features lack shader-f16 (Mesa's GL llvmpipe). Its
  // backend here is the CPU's, so the test runs wherever the suite does.
  const gl = new Device("webgpu", "llvmpipe (GL, no shader-f16)", new Set(), new CpuBackend());
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (message: string) => warnings.push(message);
  try {
    const w = randn([5, 6], { device: gl, requiresGrad: true });
    for (let i = 0; i < 3; i++) {
      const y = autocast(() => linear(randn([4, 6], { device: gl }), w));
      assertEquals(y.dtype, "float32");
      assertEquals(autocast(() => y.softmax(1)).dtype, "float32");
    }
  } finally {
    console.warn = warn;
  }
  assertEquals(warnings.length, 1);
  assert(warnings[0].includes('"llvmpipe (GL, no shader-f16)" has no shader-f16 feature'), warnings[0]);
});
