/**
 * The CPU backend's transposing copies (backends/cpu/wasm_transpose.ts: 4×4 SIMD tiles, the last rows and
 * columns one by one, the later half of the rows on the helper thread when large) move every bit where the
 * definition of the copy says: output element (…, r, c) is input element (…, c, r), NaN payloads and signed zeros
 * included, with or without SIMD, for sizes that are and are not multiples of 4, with leading dimensions and
 * with output rows longer than the copy (a strided destination).
 */
import * as ir from "../../backends/kernel_ir.ts";
import { CpuBackend } from "../../backends/mod.ts";
import { Generator } from "../../mod.ts";
import { assert } from "../../deps.ts";

const copy = ir.defineKernel(["float32"], [], ([x]) => [x]);

/** Random bits: mostly normal values, some NaNs with payloads, signed zeros and infinities. */
function bits(gen: Generator, n: number): Uint32Array {
  const values = Float32Array.from(gen.normal(n));
  const out = new Uint32Array(values.buffer);
  const special = [0x7fc00001, 0xffc12345, 0x80000000, 0x00000000, 0x7f800000, 0xff800000, 0x00000001];
  gen.uniform(n).forEach((u, i) => {
    if (u < 0.05) out[i] = special[i % special.length];
  });
  return out;
}

Deno.test("transposed copies put every bit of element (…, c, r) at (…, r, c), with or without SIMD", () => {
  const gen = new Generator(29);
  // [planes, rows, cols] of the output, and the output's row stride (cols, or more: a strided destination).
  const cases: [number, number, number, number][] = [
    [1, 4, 4, 4],
    [1, 5, 7, 7],
    [1, 64, 36, 36],
    [3, 130, 67, 67],
    [1, 300, 260, 264], // over 65k elements: split with the helper thread
    [2, 3, 1, 1],
  ];
  for (const simd of [true, false]) {
    const cpu = new CpuBackend();
    cpu.simd = simd;
    for (const [planes, rows, cols, dstRow] of cases) {
      const n = planes * rows * cols;
      const data = bits(gen, n);
      const input = cpu.alloc(n, "float32");
      cpu.write(input, new Float32Array(data.buffer));
      const outLength = planes * rows * dstRow;
      const output = cpu.alloc(outLength, "float32");
      // The input is [planes, cols, rows] row-major, read as [planes, rows, cols].
      cpu.elementwise(copy, [planes, rows, cols], [{
        buffer: input,
        offset: 0,
        strides: [rows * cols, 1, rows],
      }], [
        { buffer: output, offset: 0, strides: [rows * dstRow, dstRow, 1] },
      ], []);
      const got = new Uint32Array(cpu.readSync(output).buffer);
      for (let p = 0; p < planes; p++) {
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const [at, from] = [p * rows * dstRow + r * dstRow + c, p * rows * cols + c * rows + r];
            assert(
              got[at] === data[from],
              `simd ${simd}, [${planes}, ${rows}, ${cols}] (row stride ${dstRow}), element (${p}, ${r}, ${c}): ` +
                `${got[at].toString(16)}, want ${data[from].toString(16)}`,
            );
          }
          for (let c = cols; c < dstRow; c++) {
            assert(got[p * rows * dstRow + r * dstRow + c] === 0, "gaps untouched");
          }
        }
      }
      cpu.free(input);
      cpu.free(output);
    }
  }
});
