/**
 * float64_math.ts's exp, tanh and sigmoid — the CPU backend's formulas, which its JavaScript and SIMD kernels
 * both evaluate — against the engine's Math.exp and Math.tanh (fdlibm, within an ulp of float64), each rounded
 * to float32: over a dense sweep of the float32 range that matters (past ±104 every result is 0, ±1 or infinite)
 * the float32 results must be the same, up to one float32 ulp where the true value lies within a formula's error
 * of a rounding midpoint, and special values (±0, ±Infinity, NaN, subnormals) must come out as Math's. erf is
 * tests/tensor's, against PyTorch.
 */
import * as ir from "../../backends/kernel_ir.ts";
import { CpuBackend } from "../../backends/mod.ts";
import { assert } from "../../deps.ts";

const REFERENCE = {
  exp: Math.exp,
  tanh: Math.tanh,
  sigmoid: (x: number): number => 1 / (1 + Math.exp(-x)),
} as const;

/** `op` of every element of `xs` by the CPU backend's JavaScript kernel and by its SIMD kernel. */
function both(op: keyof typeof REFERENCE, xs: Float32Array): Float32Array[] {
  const kernel = ir.defineKernel(["float32"], ["float32"], ([x]) => [ir[op](x)]);
  return [true, false].map((simd) => {
    const cpu = new CpuBackend();
    cpu.simd = simd;
    const input = cpu.alloc(xs.length, "float32");
    cpu.write(input, xs);
    const out = cpu.alloc(xs.length, "float32");
    cpu.elementwise(kernel, [xs.length], [{ buffer: input, offset: 0, strides: [1] }], [{
      buffer: out,
      offset: 0,
      strides: [1],
    }], []);
    return cpu.readSync(out) as Float32Array;
  });
}

/** Float32 ulps between `a` and `b` (both finite or equal). */
function ulps(a: number, b: number): number {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  const ordered = Array.from(bits, (x) => (x < 0 ? -(x & 0x7fffffff) : x));
  return Math.abs(ordered[0] - ordered[1]);
}

for (const op of Object.keys(REFERENCE) as (keyof typeof REFERENCE)[]) {
  Deno.test(`the CPU's ${op} rounds to Math's float32 result (within one ulp near midpoints) from -105 to 105`, () => {
    const n = 400_001;
    const xs = Float32Array.from({ length: n }, (_, i) => -105 + (210 * i) / (n - 1));
    xs.set([0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1e-38, 2e-4, -3e-3, 88.72, -87.34, -103.97], 0);
    const reference = (x: number): number => Math.fround(REFERENCE[op](x));
    for (const result of both(op, xs)) {
      let differ = 0, worst = 0;
      for (let i = 0; i < n; i++) {
        const d = ulps(result[i], reference(xs[i]));
        if (i < 13) assert(d === 0, `${op}(${xs[i]}) = ${result[i]}, Math gives ${reference(xs[i])}`);
        worst = Math.max(worst, d);
        if (d > 0) differ++;
      }
      assert(worst <= 1, `${op}: ${worst} ulps from Math's result`);
      assert(differ <= n * 1e-4, `${op}: ${differ} of ${n} results are not Math's`);
    }
  });
}
