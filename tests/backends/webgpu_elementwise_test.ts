/**
 * The WebGPU elementwise walks against the CPU backend, bit for bit, at the backend seam: contiguous operands four
 * at a time (vec4) with lengths that leave a tail of 1–3 elements, offsets that are and are not multiples of 4
 * (which fall back to one element at a time), broadcast (stride 0) operands, in-place multi-output kernels, mixed
 * dtypes (float32 in, int32 and bool out; float16 with float32), strided views, and copies (buffer-to-buffer when
 * aligned, a shader otherwise). Ignored (shown as such) where no WebGPU adapter is found.
 *
 * @module
 */
import * as ir from "../../backends/kernel_ir.ts";
import type { Backend, View } from "../../backends/mod.ts";
import { type Device, device } from "../../mod.ts";
import type { DType, TypedArray } from "../../tensor/dtype.ts";
import { assertEquals } from "../../deps.ts";

const cpu = await device("cpu");
const gpu: Device | undefined = await device("webgpu").catch(() => undefined);
const ignore = gpu === undefined;

const f = "float32";
const LENGTHS = [1, 2, 3, 4, 5, 7, 8, 9, 1023, 1029, 70001];
const OFFSETS = [0, 1, 3, 4, 8];

/** Values with signed zeros and a spread of magnitudes, the same on every call with the same `seed`. */
function values(length: number, dtype: DType, seed: number): TypedArray {
  const at = (i: number): number => Math.sin(i * 12.9898 + seed * 78.233) * (i % 7 === 0 ? 1e4 : 3);
  switch (dtype) {
    case "float32":
      return Float32Array.from({ length }, (_, i) => (i % 11 === 5 ? -0 : at(i)));
    case "float16":
      return Float16Array.from({ length }, (_, i) => at(i) % 60000);
    case "int32":
      return Int32Array.from({ length }, (_, i) => Math.round(at(i) * 100));
    case "bool":
      return Uint8Array.from({ length }, (_, i) => (at(i) > 0 ? 1 : 0));
  }
}

/** One operand: dtype, buffer length, offset and strides of its view. */
interface Operand {
  dtype: DType;
  length: number;
  offset: number;
  strides: number[];
}

/**
 * Runs `kernel` over `shape` on `backend` with operands laid out as given (inputs, then outputs; an output with
 * `same` set to input k writes input k's memory) and returns every operand buffer's contents afterwards.
 */
async function run(
  backend: Backend,
  kernel: ir.Kernel,
  shape: number[],
  operands: Operand[],
  scalars: number[],
  same: (number | undefined)[] = [],
): Promise<TypedArray[]> {
  const nIn = kernel.inputs.length;
  const buffers = operands.map((o, k) => {
    const alias = k >= nIn ? same[k - nIn] : undefined;
    if (alias !== undefined) return undefined;
    const buffer = backend.alloc(o.length, o.dtype);
    backend.write(buffer, values(o.length, o.dtype, k + 1));
    return buffer;
  });
  const views: View[] = operands.map((o, k) => {
    const alias = k >= nIn ? same[k - nIn] : undefined;
    return { buffer: buffers[alias ?? k]!, offset: o.offset, strides: o.strides };
  });
  backend.elementwise(kernel, shape, views.slice(0, nIn), views.slice(nIn), scalars);
  const out = await Promise.all(buffers.map((b) => (b === undefined ? undefined : backend.read(b))));
  buffers.forEach((b) => b !== undefined && backend.free(b));
  return out.filter((b): b is TypedArray => b !== undefined);
}

async function assertSame(
  kernel: ir.Kernel,
  shape: number[],
  operands: Operand[],
  scalars: number[] = [],
  same: (number | undefined)[] = [],
): Promise<void> {
  const expected = await run(cpu.backend, kernel, shape, operands, scalars, same);
  const actual = await run(gpu!.backend, kernel, shape, operands, scalars, same);
  const what = `${kernel.key} over [${shape}] with ${JSON.stringify(operands)}`;
  assertEquals(actual.map((a) => [...a]), expected.map((e) => [...e]), what);
}

/** A contiguous operand of `n` elements from `offset` (its buffer has `pad` more elements after them). */
const flat = (dtype: DType, n: number, offset: number, pad = 2): Operand => ({
  dtype,
  length: offset + n + pad,
  offset,
  strides: [1],
});

const add = ir.defineKernel([f, f], [], ([a, b]) => [ir.add(a, b)]);
const axpbyInPlace = ir.defineKernel([f, f], [f, f], ([x, y], [alpha, beta]) => [
  ir.add(ir.mul(alpha, x), ir.mul(beta, y)),
  ir.sqrt(ir.abs(ir.sub(x, y))),
]);
const mixed = ir.defineKernel([f, "int32"], [], ([x, i]) => [
  ir.cast(ir.mul(x, 3), "int32"),
  ir.gt(ir.cast(i, f), x),
  ir.add(i, 7),
]);

Deno.test({
  name:
    "WebGPU contiguous elementwise kernels match the CPU at every length and offset (vec4 and scalar walks)",
  ignore,
  fn: async () => {
    for (const n of LENGTHS) {
      for (const offset of OFFSETS) {
        await assertSame(add, [n], [flat(f, n, offset), flat(f, n, 0), flat(f, n, n % 2 === 0 ? 4 : offset)]);
      }
    }
  },
});

Deno.test({
  name:
    "WebGPU elementwise kernels with a broadcast operand, several outputs in place, and mixed dtypes match the CPU",
  ignore,
  fn: async () => {
    for (const n of LENGTHS) {
      for (const offset of [0, 3, 4]) {
        const scalar: Operand = { dtype: f, length: 6, offset: 5, strides: [0] };
        await assertSame(add, [n], [flat(f, n, offset), scalar, flat(f, n, 4)]);
        await assertSame(add, [n], [scalar, flat(f, n, offset), flat(f, n, offset)]);
        await assertSame(
          axpbyInPlace,
          [n],
          [flat(f, n, offset), flat(f, n, 4), flat(f, n, offset), flat(f, n, 4)],
          [0.5, -1.25],
          [0, 1],
        );
        await assertSame(mixed, [n], [
          flat(f, n, offset),
          flat("int32", n, 4),
          flat("int32", n, 0),
          flat("bool", n, offset),
          flat("int32", n, 8),
        ]);
      }
    }
  },
});

Deno.test({
  name: "WebGPU strided and float16 elementwise kernels match the CPU",
  ignore,
  fn: async () => {
    const [rows, cols] = [37, 29];
    const transposed: Operand = { dtype: f, length: rows * cols + 3, offset: 3, strides: [1, rows] };
    const rowMajor: Operand = { dtype: f, length: rows * cols, offset: 0, strides: [cols, 1] };
    await assertSame(add, [rows, cols], [transposed, rowMajor, rowMajor]);
    if (!gpu!.features.has("shader-f16")) return;
    const h = "float16";
    const addHalf = ir.defineKernel([h, h], [], ([a, b]) => [ir.add(a, b)]);
    const mixed = ir.defineKernel(
      [h, f],
      [],
      ([a, b]) => [ir.cast(ir.mul(ir.cast(a, f), b), h), ir.add(b, 1)],
    );
    for (const n of [1, 5, 8, 1030]) {
      await assertSame(addHalf, [n], [flat(h, n, 1), flat(h, n, 4), flat(h, n, 0)]);
      await assertSame(addHalf, [n], [flat(h, n, 4), flat(h, n, 8), flat(h, n, 0)]);
      await assertSame(mixed, [n], [flat(h, n, 4), flat(f, n, 0), flat(h, n, 8), flat(f, n, 4)]);
    }
  },
});

Deno.test({
  name: "WebGPU copies (buffer-to-buffer when aligned, else a shader) match the CPU",
  ignore,
  fn: async () => {
    for (const dtype of ["float32", "int32", "bool", "float16"] as const) {
      if (dtype === "float16" && !gpu!.features.has("shader-f16")) continue;
      const copy = ir.defineKernel([dtype], [], ([x]) => [x]);
      for (const n of [1, 2, 3, 8, 1029]) {
        for (const [from, to] of [[0, 0], [1, 0], [2, 6], [3, 1]]) {
          await assertSame(copy, [n], [flat(dtype, n, from), flat(dtype, n, to)]);
        }
      }
    }
    const cast = ir.defineKernel([f], [], ([x]) => [ir.cast(x, "int32")]);
    await assertSame(cast, [1029], [flat(f, 1029, 4), flat("int32", 1029, 0)]);
  },
});

Deno.test({
  name:
    "reused WebGPU buffers read as zeros wherever no kernel wrote them (and a kernel writing one whole wins)",
  ignore,
  fn: async () => {
    const backend = gpu!.backend;
    const n = 1029;
    for (let round = 0; round < 3; round++) {
      const dirty = backend.alloc(n, f);
      backend.write(dirty, values(n, f, round));
      backend.free(dirty);
      const part = backend.alloc(n, f); // the freed buffer again: its old values must not show
      const source = backend.alloc(n, f);
      backend.write(source, values(n, f, 9));
      backend.elementwise(
        add,
        [5],
        [{ buffer: source, offset: 4, strides: [1] }, {
          buffer: source,
          offset: 0,
          strides: [1],
        }],
        [{ buffer: part, offset: 8, strides: [1] }],
        [],
      );
      const expected = new Float32Array(n);
      const s = values(n, f, 9);
      for (let i = 0; i < 5; i++) expected[8 + i] = s[4 + i] + s[i];
      assertEquals([...await backend.read(part)], [...expected]);
      backend.free(part);
      const whole = backend.alloc(n, f);
      backend.elementwise(
        add,
        [n],
        [flat(f, n, 0, 0), flat(f, n, 0, 0)].map((o) => ({ ...o, buffer: source })),
        [
          { buffer: whole, offset: 0, strides: [1] },
        ],
        [],
      );
      assertEquals([...await backend.read(whole)], [...s].map((v) => Math.fround(v + v)));
      backend.free(whole);
      backend.free(source);
    }
  },
});
