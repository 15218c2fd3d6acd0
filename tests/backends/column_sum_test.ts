/**
 * The CPU backend's column sums (backends/cpu/wasm_column_sum.ts: a [rows, cols] view summed over its rows, two
 * float64 sums per SIMD step, the later half of the columns on the helper thread when large) equal a float64
 * running sum per column taken row by row, rounded once to float32, bit for bit, for even and odd column counts
 * and for rows further apart than their length (the smallest case, outside the arena, is the JavaScript loop's).
 */
import { CpuBackend } from "../../backends/mod.ts";
import { Generator } from "../../mod.ts";
import { assert } from "../../deps.ts";

Deno.test("column sums equal a float64 running sum per column, rounded once", () => {
  const gen = new Generator(31);
  // rows, cols, row stride: small, odd, large enough to split (over 65k elements), strided rows.
  const cases: [number, number, number][] = [
    [64, 128, 128],
    [301, 33, 33], // rows not a multiple of 4: the last one alone
    [4096, 40, 40],
    [703, 130, 136],
    [3, 1, 1],
  ];
  const cpu = new CpuBackend();
  for (const [rows, cols, stride] of cases) {
    const length = (rows - 1) * stride + cols;
    const data = Float32Array.from(gen.normal(length), (v, i) => i % 37 === 0 ? v * 1e25 : v);
    const input = cpu.alloc(length, "float32");
    cpu.write(input, data);
    const out = cpu.alloc(cols, "float32");
    // Reduce dims [rows] of the view [cols, rows] (strides [1, stride]): one sum per column.
    cpu.reduce("sum", { buffer: input, offset: 0, strides: [1, stride] }, [cols, rows], 1, out);
    const sums = cpu.readSync(out);
    for (let j = 0; j < cols; j++) {
      let reference = 0;
      for (let i = 0; i < rows; i++) reference += data[i * stride + j];
      assert(
        Object.is(sums[j], Math.fround(reference)),
        `${rows}x${cols} (stride ${stride}), column ${j}: ${sums[j]}, want ${Math.fround(reference)}`,
      );
    }
    cpu.free(input);
    cpu.free(out);
  }
});
