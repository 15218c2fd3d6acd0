/**
 * The CPU matmul's kernels, WebAssembly SIMD and the JavaScript reference, against the exact product (float64, of
 * float32 operands) on random shapes that exercise every edge (m not a multiple of 4, n not a multiple of 8, k not a
 * multiple of 4), batches, broadcast batches and every operand layout the packing distinguishes (row-major,
 * transposed, rows with a gap, neither stride 1), with the operands in the JavaScript heap and in the arena (where
 * the SIMD kernel reads and writes them in place), products large enough to be split with the helper thread by
 * batches or by rows among them. Both accumulate in float32, so each result may be off by the
 * bound of a float32 dot product of length k: k·2⁻²⁴·Σ|a||b| (γₖ, with a little room for the JavaScript kernel's
 * double rounding).
 */
import { DEFAULT_MATMUL_KERNEL, matmulCpu, type MatmulKernel } from "../../backends/cpu/matmul.ts";
import { sharedArena } from "../../backends/cpu/wasm_arena.ts";
import { Generator } from "../../mod.ts";
import { assert, assertEquals } from "../../deps.ts";

/** How a [rows, cols] operand lies in its storage: strides and the storage it needs. */
interface Layout {
  rs: number;
  cs: number;
  size: number;
}

/** Layout `kind` of a [rows, cols] matrix: 0 row-major, 1 transposed, 2 rows with a gap, 3 neither stride 1. */
function layout(kind: number, rows: number, cols: number): Layout {
  if (kind === 0) return { rs: cols, cs: 1, size: rows * cols };
  if (kind === 1) return { rs: 1, cs: rows, size: rows * cols };
  if (kind === 2) return { rs: cols + 3, cs: 1, size: rows * (cols + 3) };
  return { rs: 2, cs: 2 * rows + 1, size: cols * (2 * rows + 1) };
}

/** `x` copied into a new block of the arena, where the SIMD kernel reads and writes it in place. */
function arenaCopy(x: Float32Array): Float32Array {
  const arena = sharedArena();
  const at = arena.alloc(Math.max(4, x.length * 4));
  assert(at !== null);
  const copy = new Float32Array(arena.buffer, at, x.length);
  copy.set(x);
  return copy;
}

Deno.test("the CPU matmul's kernels agree with the exact product to float32 accumulation", () => {
  assert(DEFAULT_MATMUL_KERNEL === "simd", "Deno has WebAssembly SIMD, so the CPU backend should use it");
  const gen = new Generator(7);
  const cases = 300;
  const ints = Array.from(gen.uniform(cases * 8), (u) => Math.floor(u * 1000));
  let worst = 0;
  for (let t = 0; t < cases; t++) {
    const pick = (i: number, n: number): number => ints[t * 8 + i] % n;
    const [batch, m, n, k] = [1 + pick(0, 3), 1 + pick(1, 40), 1 + pick(2, 40), 1 + pick(3, 70)];
    const [la, lb] = [layout(pick(4, 4), m, k), layout(pick(5, 4), k, n)];
    const [broadcastA, offset] = [pick(6, 4) === 0, pick(7, 5)];
    const aBatch = broadcastA ? 0 : la.size;
    const a = Float32Array.from(gen.normal(offset + batch * la.size));
    const b = Float32Array.from(gen.normal(offset + batch * lb.size));
    // The SIMD kernel on operands in the JavaScript heap (copied into its memory) and in the arena (packed from,
    // read and written where they are), and the JavaScript kernel.
    const results = ([["simd", false], ["simd", true], ["js", false]] as [MatmulKernel, boolean][]).map(
      ([kernel, inArena]) => {
        const [x, y, out] = inArena
          ? [arenaCopy(a), arenaCopy(b), arenaCopy(new Float32Array(batch * m * n))]
          : [a, b, new Float32Array(batch * m * n)];
        matmulCpu(
          x,
          offset,
          [aBatch, la.rs, la.cs],
          y,
          offset,
          [lb.size, lb.rs, lb.cs],
          out,
          batch,
          m,
          n,
          k,
          kernel,
        );
        return out;
      },
    );
    assertEquals(results[1], results[0], "the same blocks whether the operands are in the arena or not");
    for (let s = 0; s < batch; s++) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let exact = 0, magnitude = 0;
          for (let p = 0; p < k; p++) {
            const x = a[offset + s * aBatch + i * la.rs + p * la.cs];
            const y = b[offset + s * lb.size + p * lb.rs + j * lb.cs];
            exact += x * y;
            magnitude += Math.abs(x * y);
          }
          const bound = 1.01 * k * 2 ** -24 * magnitude + 2 ** -140;
          for (const out of results) {
            worst = Math.max(worst, Math.abs(out[(s * m + i) * n + j] - exact) / bound);
          }
        }
      }
    }
  }
  assert(worst <= 1, `an error ${worst.toFixed(2)} times the float32 bound k·2⁻²⁴·Σ|a||b|`);
});

Deno.test("the CPU matmul with an empty shared dimension writes zeros", () => {
  for (const kernel of ["simd", "js"] as MatmulKernel[]) {
    const out = new Float32Array(6).fill(NaN);
    matmulCpu(new Float32Array(0), 0, [0, 0, 1], new Float32Array(0), 0, [0, 3, 1], out, 1, 2, 3, 0, kernel);
    assertEquals(out, new Float32Array(6));
  }
});

Deno.test("the CPU matmul's padding does not leak: infinities in an operand stay in their rows and columns", () => {
  // Rows past m and columns past n are computed from whatever follows each operand and dropped: an infinity in
  // A's last row, or B's last column, must not reach the other results.
  const [m, n, k] = [5, 9, 6];
  for (const kernel of ["simd", "js"] as MatmulKernel[]) {
    const a = new Float32Array(m * k).fill(1);
    const b = new Float32Array(k * n).fill(1);
    a[(m - 1) * k] = Infinity;
    b[n - 1] = Infinity;
    const out = new Float32Array(m * n);
    matmulCpu(a, 0, [0, k, 1], b, 0, [0, n, 1], out, 1, m, n, k, kernel);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const expected = i === m - 1 || j === n - 1 ? Infinity : k;
        assertEquals(out[i * n + j], expected, `C[${i}, ${j}] with the ${kernel} kernel`);
      }
    }
  }
});
