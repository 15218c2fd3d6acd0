/**
 * The CPU matrix product's WebAssembly SIMD kernel against the JavaScript reference kernel, on random shapes that
 * exercise every edge (odd m, n not a multiple of 4, odd k), batches and transposed (strided) operands. Both sum in
 * float64 and round once; they add in different orders (the SIMD kernel keeps even and odd positions apart), so
 * results may differ by one float32 rounding.
 */
import { DEFAULT_MATMUL_KERNEL, matmulCpu } from "../../backends/cpu/matmul.ts";
import { Generator } from "../../mod.ts";
import { assert } from "../../deps.ts";

Deno.test("the CPU matmul's SIMD kernel agrees with the JavaScript reference to one float32 rounding", () => {
  assert(DEFAULT_MATMUL_KERNEL === "simd", "Deno has WebAssembly SIMD, so the CPU backend should use it");
  const gen = new Generator(7);
  const ints = Array.from(gen.uniform(200 * 5), (u) => Math.floor(u * 64));
  let worst = 0;
  for (let t = 0; t < 200; t++) {
    const [batch, m, n, k] = [
      1 + (ints[t * 5] % 3),
      1 + ints[t * 5 + 1],
      1 + ints[t * 5 + 2],
      1 + ints[t * 5 + 3],
    ];
    const transposed = ints[t * 5 + 4] % 2 === 1;
    const a = Float32Array.from(gen.normal(batch * m * k));
    const b = Float32Array.from(gen.normal(batch * k * n));
    // b is read as [k, n] row-major, or as the transpose of a row-major [n, k].
    const bStrides = transposed ? [k * n, 1, k] : [k * n, n, 1];
    const [simd, js] = [new Float32Array(batch * m * n), new Float32Array(batch * m * n)];
    matmulCpu(a, 0, [m * k, k, 1], b, 0, bStrides, simd, batch, m, n, k, "simd");
    matmulCpu(a, 0, [m * k, k, 1], b, 0, bStrides, js, batch, m, n, k, "js");
    for (let i = 0; i < js.length; i++) {
      const scale = Math.max(Math.abs(js[i]), 2 ** -126);
      worst = Math.max(worst, Math.abs(simd[i] - js[i]) / scale);
    }
  }
  assert(worst <= 2 ** -23, `largest relative difference ${worst}, more than one float32 rounding (2^-23)`);
});
