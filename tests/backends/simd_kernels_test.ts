/**
 * The CPU backend's WebAssembly SIMD elementwise kernels against its JavaScript kernels (the reference), on random
 * fused expressions of every operation the SIMD path takes (add, sub, mul, div, min, max, neg, abs, sqrt, recip,
 * where on a float32 condition, and float64_math.ts's exp, tanh, sigmoid and erf, with runtime scalars and
 * constants), over data with signed zeros, infinities, NaN, subnormals and ordinary values, at lengths around the
 * chunk size. Both compute IEEE float32 results (the formulas IEEE float64 ones, in the same order, rounded once),
 * so they must agree bit for bit (any NaN equal to any NaN). And the SIMD sums of long float32 rows, copied through a
 * scratch block or read in place in the arena, against a float64 running sum.
 */
import * as ir from "../../backends/kernel_ir.ts";
import { CpuBackend } from "../../backends/mod.ts";
import { compileSimd } from "../../backends/cpu/wasm_elementwise.ts";
import { simdSum } from "../../backends/cpu/wasm_sum.ts";
import { sharedArena } from "../../backends/cpu/wasm_arena.ts";
import { Generator } from "../../mod.ts";
import { assert } from "../../deps.ts";

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-40, 3.4e38, -1, 1, 0.5];
const BINARY = [ir.add, ir.sub, ir.mul, ir.div, ir.min, ir.max];
const UNARY = [ir.neg, ir.abs, ir.sqrt, ir.recip, ir.exp, ir.tanh, ir.sigmoid, ir.erf];

/** A random expression over `leaves`, `depth` levels deep. */
function expression(gen: Generator, leaves: ir.Expr[], depth: number): ir.Expr {
  const [u1, u2, u3] = gen.uniform(3);
  if (depth === 0) return leaves[Math.floor(u1 * leaves.length)];
  if (u2 < 0.3) return UNARY[Math.floor(u3 * UNARY.length)](expression(gen, leaves, depth - 1));
  if (u2 < 0.4) {
    const cond = expression(gen, leaves, depth - 1);
    return ir.where(cond, expression(gen, leaves, depth - 1), expression(gen, leaves, depth - 1));
  }
  return BINARY[Math.floor(u3 * BINARY.length)](
    expression(gen, leaves, depth - 1),
    expression(gen, leaves, depth - 1),
  );
}

/** A kernel of three float32 inputs and two scalars with two random outputs, of depths 3 and 2. */
function randomKernel(gen: Generator): ir.Kernel {
  return ir.defineKernel(
    ["float32", "float32", "float32"],
    ["float32", "float32"],
    (inputs, scalars) => {
      const leaves = [...inputs, ...scalars, ir.constant(0.1, "float32")];
      return [expression(gen, leaves, 3), expression(gen, leaves, 2)];
    },
  );
}

function sameBits(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);
}

Deno.test("SIMD elementwise kernels compute exactly what the JavaScript kernels compute", () => {
  const gen = new Generator(11);
  const simd = new CpuBackend();
  const js = new CpuBackend();
  js.simd = false;
  let compared = 0;
  for (let t = 0; t < 60; t++) {
    const kernel = randomKernel(gen);
    assert(compileSimd(kernel) !== null, `kernel ${kernel.key} should take the SIMD path`);
    const n = [1, 3, 4, 4095, 4096, 4097, 9000][t % 7];
    const data = [0, 1, 2].map(() =>
      Float32Array.from(
        gen.uniform(n),
        (u, i) => i % 3 === 0 ? SPECIAL[Math.floor(u * SPECIAL.length)] : u * 8 - 4,
      )
    );
    const scalars = Array.from(gen.normal(2));
    const results = [simd, js].map((backend) => {
      const ins = data.map((d) => {
        const buffer = backend.alloc(n, "float32");
        backend.write(buffer, d);
        return { buffer, offset: 0, strides: [1] };
      });
      const outs = [0, 1].map(() => ({ buffer: backend.alloc(n, "float32"), offset: 0, strides: [1] }));
      backend.elementwise(kernel, [n], ins, outs, scalars);
      return outs.map((o) => backend.readSync(o.buffer));
    });
    for (let o = 0; o < 2; o++) {
      for (let i = 0; i < n; i++) {
        const [a, b] = [results[0][o][i], results[1][o][i]];
        assert(sameBits(a, b), `kernel ${kernel.key}, output ${o}, element ${i}: SIMD ${a}, JavaScript ${b}`);
        compared++;
      }
    }
  }
  assert(compared > 100_000, `compared only ${compared} elements`);
});

Deno.test("SIMD kernels over rows (broadcast rows and columns, permuted operands, rows not a multiple of 4 long) compute what the JavaScript kernels compute", () => {
  const gen = new Generator(13);
  const simd = new CpuBackend();
  const js = new CpuBackend();
  js.simd = false;
  let compared = 0;
  for (let t = 0; t < 40; t++) {
    const kernel = randomKernel(gen);
    // [c, a, b, n]: small ones stay in the JavaScript heap (staged), large ones live in the arena.
    const [c, a, b, n] = [
      1 + (t % 2),
      [1, 3, 5, 12][t % 4],
      [2, 7, 64][t % 3],
      [4, 8, 65, 128, 3, 34][(t >> 2) % 6],
    ];
    const size = c * a * b * n;
    // Each input's layout: its storage's length and strides for [c, a, b, n].
    const layouts = [
      { length: size, strides: [a * b * n, b * n, n, 1] }, // row-major
      { length: c * a * b, strides: [a * b, b, 1, 0] }, // one value per row (a mean, [c, a, b, 1])
      { length: n, strides: [0, 0, 0, 1] }, // one row for all (a weight, [n])
      { length: size, strides: [a * b * n, n, a * n, 1] }, // a and b swapped
    ];
    const picks = Array.from(gen.uniform(3), (u) => layouts[Math.floor(u * layouts.length)]);
    const data = picks.map((l) =>
      Float32Array.from(
        gen.uniform(l.length),
        (u, i) => i % 5 === 0 ? SPECIAL[Math.floor(u * SPECIAL.length)] : u * 8 - 4,
      )
    );
    const scalars = Array.from(gen.normal(2));
    const results = [simd, js].map((backend) => {
      const ins = data.map((d, k) => {
        const buffer = backend.alloc(d.length, "float32");
        backend.write(buffer, d);
        return { buffer, offset: 0, strides: picks[k].strides };
      });
      const outs = [0, 1].map(() => ({
        buffer: backend.alloc(size, "float32"),
        offset: 0,
        strides: [a * b * n, b * n, n, 1],
      }));
      backend.elementwise(kernel, [c, a, b, n], ins, outs, scalars);
      return outs.map((o) => backend.readSync(o.buffer));
    });
    for (let o = 0; o < 2; o++) {
      for (let i = 0; i < size; i++) {
        const [x, y] = [results[0][o][i], results[1][o][i]];
        assert(
          sameBits(x, y),
          `kernel ${kernel.key}, [${c}, ${a}, ${b}, ${n}], output ${o}, element ${i}: SIMD ${x}, JavaScript ${y}`,
        );
        compared++;
      }
    }
  }
  assert(compared > 100_000, `compared only ${compared} elements`);
});

Deno.test("Kernels beyond the exact float32 operations stay on the JavaScript path", () => {
  assert(compileSimd(ir.defineKernel(["float32"], [], ([x]) => [ir.log(x)])) === null, "log");
  assert(compileSimd(ir.defineKernel(["float16"], [], ([x]) => [ir.add(x, x)])) === null, "float16");
  assert(
    compileSimd(ir.defineKernel(["float32"], [], ([x]) => [ir.cast(ir.gt(x, 0), "float32")])) === null,
    "gt",
  );
});

Deno.test("SIMD sums of long float32 rows, in the heap or the arena, agree with a float64 running sum to one float32 rounding", () => {
  const sum = simdSum();
  assert(sum !== null, "Deno has WebAssembly SIMD");
  const gen = new Generator(5);
  const arena = sharedArena();
  for (const n of [1, 3, 1024, 16383, 16384, 16385, 100_003]) {
    const values = Float32Array.from(gen.normal(n + 9), (v, i) => i % 97 === 0 ? v * 1e30 : v);
    const at = arena.alloc(values.byteLength)!;
    const inArena = new Float32Array(arena.buffer, at, n + 9);
    inArena.set(values);
    assert(arena.owns(inArena) && !arena.owns(values), "the arena knows its own arrays");
    for (const [src, p] of [[values, 0], [values, 5], [inArena, 0], [inArena, 5]] as const) {
      let reference = 0;
      for (let i = p; i < p + n; i++) reference += src[i];
      const [got, want] = [Math.fround(sum(src, p, n)), Math.fround(reference)];
      const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
      assert(Math.abs(got - want) <= ulp, `n ${n} from ${p}: SIMD ${got}, running sum ${want}`);
    }
    arena.free(at, values.byteLength);
  }
  assert(Number.isNaN(sum(new Float32Array([1, NaN, 2, 3, 4]), 0, 5)), "NaN propagates");
  assert(sum(new Float32Array([Infinity, 1, 2, 3]), 0, 4) === Infinity, "Infinity propagates");
});

Deno.test("a SIMD sum of a row that ends where the arena's memory ends reads nothing past it", () => {
  const sum = simdSum()!;
  const arena = sharedArena();
  // A block carved from the top up to the memory's end (after growing it, when less than a block is left).
  const filler = arena.buffer.byteLength - arena.span < 4096 ? arena.alloc(65536) : null;
  const bytes = arena.buffer.byteLength - arena.span;
  const at = arena.alloc(bytes)!;
  assert(at + bytes === arena.buffer.byteLength, "the block ends where the memory ends");
  const row = new Float32Array(arena.buffer, at, bytes / 4).fill(0.5);
  assert(sum(row, row.length - 1024, 1024) === 512);
  arena.free(at, bytes);
  if (filler !== null) arena.free(filler, 65536);
});

Deno.test("SIMD sums of many rows at once agree with a float64 running sum per row to one float32 rounding", () => {
  const sum = simdSum()!;
  const gen = new Generator(17);
  const arena = sharedArena();
  // Rows split with the helper thread (3072×64; one row of 2^18 + 4, split in halves), and rows whose length is
  // not a multiple of the 16 elements of a main-loop step (84).
  for (
    const [rows, n, stride] of [[768, 128, 128], [3072, 64, 64], [5, 16, 20], [1, 1024, 1024], [
      1,
      262148,
      262148,
    ], [9, 84, 90]]
  ) {
    const length = (rows - 1) * stride + n;
    const at = arena.alloc(length * 4)!;
    const src = new Float32Array(arena.buffer, at, length);
    src.set(Float32Array.from(gen.normal(length), (v, i) => i % 31 === 0 ? v * 1e20 : v));
    const out = new Float32Array(rows);
    assert(sum.rows([src, 0, n, rows, stride], out, 0), "rows in the arena are summed");
    for (let r = 0; r < rows; r++) {
      let reference = 0;
      for (let j = 0; j < n; j++) reference += src[r * stride + j];
      const want = Math.fround(reference);
      const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
      assert(Math.abs(out[r] - want) <= ulp, `row ${r} of ${rows}x${n}: SIMD ${out[r]}, running sum ${want}`);
    }
    arena.free(at, length * 4);
  }
  assert(
    !sum.rows([new Float32Array(64), 0, 16, 4, 16], new Float32Array(4), 0),
    "rows outside the arena are refused",
  );
});

Deno.test("SIMD maxima and minima of many rows are Math.max's and Math.min's folds (NaN wins, +0 above -0)", () => {
  const sum = simdSum()!;
  const gen = new Generator(19);
  const arena = sharedArena();
  // Split with the helper thread (the first two; one row in halves) or not, lengths not a multiple of 16 (36).
  for (
    const [rows, n, stride] of [[3072, 64, 64], [1, 262148, 262148], [768, 128, 132], [7, 16, 16], [
      9,
      36,
      40,
    ]]
  ) {
    const length = (rows - 1) * stride + n;
    const at = arena.alloc(length * 4)!;
    const src = new Float32Array(arena.buffer, at, length);
    // Rows mostly of signed zeros and infinities, some with a NaN.
    src.set(
      Float32Array.from(
        gen.uniform(length),
        (u, i) => (i % 7 === 0 ? SPECIAL[Math.floor(u * 11)] : u < 0.5 ? -0 : 0),
      ),
    );
    for (const max of [true, false]) {
      const out = new Float32Array(rows);
      assert(sum.extremes(max, [src, 0, n, rows, stride], out, 0), "rows in the arena are reduced");
      for (let r = 0; r < rows; r++) {
        let want = max ? -Infinity : Infinity;
        for (let j = 0; j < n; j++) want = (max ? Math.max : Math.min)(want, src[r * stride + j]);
        assert(
          sameBits(out[r], want),
          `row ${r} of ${rows}x${n}, ${max ? "max" : "min"}: SIMD ${out[r]}, Math ${want}`,
        );
      }
    }
    arena.free(at, length * 4);
  }
});

Deno.test("row sums in the arena of rows not a multiple of 4 long add their last elements to the SIMD sums", () => {
  const cpu = new CpuBackend();
  const gen = new Generator(23);
  for (const n of [65, 17, 130]) {
    const rows = 300;
    const data = Float32Array.from(gen.normal(rows * n));
    const input = cpu.alloc(rows * n, "float32");
    cpu.write(input, data);
    assert(
      sharedArena().owns((input as unknown as { array: Float32Array }).array),
      "the rows are in the arena",
    );
    const out = cpu.alloc(rows, "float32");
    cpu.reduce("sum", { buffer: input, offset: 0, strides: [n, 1] }, [rows, n], 1, out);
    const sums = cpu.readSync(out);
    for (let r = 0; r < rows; r++) {
      let reference = 0;
      for (let j = 0; j < n; j++) reference += data[r * n + j];
      const want = Math.fround(reference);
      const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
      assert(Math.abs(sums[r] - want) <= ulp, `row ${r} of ${rows}x${n}: ${sums[r]}, running sum ${want}`);
    }
  }
});
