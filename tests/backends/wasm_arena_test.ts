/**
 * The arena that holds the CPU backend's large float32 buffers: its blocks never overlap, come back zeroed, merge
 * when freed, survive the memory's growth, and it says when it is full; and the SIMD kernels that work on arena
 * operands in place (long ones split with the helper thread) agree bit for bit with the JavaScript kernels, for
 * views at any offset, any length, and operands mixed between the arena and the JavaScript heap.
 */
import * as ir from "../../backends/kernel_ir.ts";
import { CpuBackend } from "../../backends/mod.ts";
import type { CpuBuffer } from "../../backends/cpu/cpu_backend.ts";
import { Arena, sharedArena } from "../../backends/cpu/wasm_arena.ts";
import { compileSimd, type SimdOperand } from "../../backends/cpu/wasm_elementwise.ts";
import { Generator } from "../../mod.ts";
import { assert, assertEquals } from "../../deps.ts";

Deno.test("Arena blocks never overlap, come back zeroed and merge back into the top when freed", () => {
  const arena = new Arena(1024);
  const gen = new Generator(3);
  const live = new Map<number, number>(); // address → bytes
  for (let step = 0; step < 2000; step++) {
    const [u1, u2] = gen.uniform(2);
    if (u1 < 0.5 || live.size === 0) {
      const bytes = 1 + Math.floor(u2 * u2 * 200_000);
      const at = arena.alloc(bytes);
      assert(at !== null, `a ${bytes}-byte block fits in a 64 MiB arena holding ${live.size} blocks`);
      assertEquals(at % 64, 0, `block at ${at} is 64-byte aligned`);
      for (const [other, size] of live) {
        assert(at + bytes <= other || other + size <= at, `[${at}, +${bytes}) overlaps [${other}, +${size})`);
      }
      const block = new Uint8Array(arena.buffer, at, bytes);
      assert(block.every((b) => b === 0), `block at ${at} of ${bytes} bytes is zeroed`);
      block.fill(0xa5); // leaves garbage for whoever gets this memory next
      live.set(at, bytes);
    } else {
      const at = [...live.keys()][Math.floor(u2 * live.size)];
      arena.free(at, live.get(at)!);
      live.delete(at);
    }
  }
  for (const [at, bytes] of live) arena.free(at, bytes);
  assertEquals(arena.span, 64, "with every block freed, the free blocks merge back into the top");
});

Deno.test("Arena says when it is full, and its arrays stay valid as it grows", () => {
  const arena = new Arena(4); // 256 KiB
  const first = arena.alloc(1000)!;
  const xs = new Float32Array(arena.buffer, first, 250);
  xs.fill(7);
  const big = arena.alloc(200_000);
  assert(big !== null, "the arena grows to hold 200 kB more");
  assert(arena.buffer.byteLength > xs.buffer.byteLength, "the arena has grown past the first array's buffer");
  assertEquals(new Float32Array(arena.buffer, first, 250)[249], 7, "the data is where it was");
  xs[0] = 3;
  assertEquals(new Float32Array(arena.buffer, first, 1)[0], 3, "the old array still writes the arena");
  assertEquals(arena.alloc(100_000), null, "a block past the maximum size is refused");
  const notZeroed = arena.alloc(1000, false);
  assert(notZeroed !== null, "a small block still fits");
});

/** Elements from which kernels on the arena are shared with the helper thread (wasm_elementwise.ts). */
const SHARED_MIN = 1 << 21;

function sameBits(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);
}

Deno.test("SIMD kernels on arena operands, at any offset and length (long ones shared with the helper thread), mixed with heap operands, match JavaScript", () => {
  const kernel = ir.defineKernel(["float32", "float32"], ["float32"], ([x, y], [a]) => {
    const s = ir.add(ir.mul(a, x), y);
    return [ir.div(s, ir.add(ir.sqrt(ir.abs(y)), ir.constant(1e-3, "float32"))), ir.min(s, x)];
  });
  const simd = compileSimd(kernel)!;
  const js = new CpuBackend();
  js.simd = false;
  const gen = new Generator(8);
  const arena = sharedArena();
  for (const n of [1, 5, 1023, 4096, 4099, 10_001, 2_200_003]) {
    const long = n > SHARED_MIN; // only arena operands go to the helper thread
    for (const offset of long ? [1] : [0, 1, 3]) {
      for (const placement of long ? ["arena"] : ["arena", "heap", "mixed"]) {
        const data = [0, 1].map(() => Float32Array.from(gen.normal(n + offset)));
        const blocks: number[] = [];
        const operand = (k: number, values?: Float32Array): SimdOperand => {
          const inArena = placement === "arena" || (placement === "mixed" && k % 2 === 0);
          const length = n + offset + 7; // room past the view, to see that nothing is written there
          if (!inArena) {
            const array = new Float32Array(length).fill(-5);
            if (values) array.set(values);
            return { array, offset };
          }
          const at = arena.alloc(length * 4)!;
          blocks.push(at, length * 4);
          const array = new Float32Array(arena.buffer, at, length).fill(-5);
          if (values) array.set(values);
          return { array, offset };
        };
        const operands = [operand(0, data[0]), operand(1, data[1]), operand(2), operand(3)];
        simd(operands, n, [1.5]);
        const ins = data.map((d) => {
          const buffer = js.alloc(n + offset, "float32");
          js.write(buffer, d);
          return { buffer, offset, strides: [1] };
        });
        const outs = [0, 1].map(() => ({ buffer: js.alloc(n + offset, "float32"), offset, strides: [1] }));
        js.elementwise(kernel, [n], ins, outs, [1.5]);
        for (let o = 0; o < 2; o++) {
          const want = js.readSync(outs[o].buffer);
          const got = operands[2 + o].array;
          for (let i = 0; i < n; i++) {
            if (sameBits(got[offset + i], want[offset + i])) continue;
            assert(
              false,
              `${placement}, n ${n}, offset ${offset}, output ${o}, element ${i}: SIMD ${got[offset + i]}, ` +
                `JavaScript ${want[offset + i]}`,
            );
          }
          for (const i of [0, 1, 2, offset + n, offset + n + 6]) {
            if (i < offset || i >= offset + n) {
              assertEquals(got[i], -5, `element ${i} outside the view is untouched`);
            }
          }
        }
        for (let b = 0; b < blocks.length; b += 2) arena.free(blocks[b], blocks[b + 1]);
      }
    }
  }
});

Deno.test("The CPU backend keeps large float32 buffers in the arena and small or other ones in the heap", () => {
  const cpu = new CpuBackend();
  const big = cpu.alloc(1024, "float32");
  const small = cpu.alloc(1023, "float32");
  const ints = cpu.alloc(4096, "int32");
  const reference = new CpuBackend();
  reference.simd = false;
  const plain = reference.alloc(4096, "float32");
  for (const [buffer, inArena] of [[big, true], [small, false], [ints, false], [plain, false]] as const) {
    assertEquals(
      sharedArena().owns((buffer as CpuBuffer).array),
      inArena,
      `${buffer.length} ${buffer.dtype}`,
    );
  }
  cpu.write(big, new Float32Array(1024).fill(2));
  cpu.free(big);
  const again = cpu.alloc(1024, "float32");
  assert(cpu.readSync(again).every((v) => v === 0), "a reused arena block comes back zeroed");
  cpu.free(again);
});

Deno.test("Copies between arena operands (the arena's memory copy) and to or from the heap move every bit", () => {
  const swap = compileSimd(ir.defineKernel(["float32", "float32"], [], ([x, y]) => [y, x]))!;
  const arena = sharedArena();
  const gen = new Generator(9);
  for (const n of [1, 7, 1024, 100_001, 300_007]) {
    for (const placement of ["arena", "heap", "mixed"]) {
      const blocks: number[] = [];
      const operand = (k: number): SimdOperand => {
        const length = n + 11;
        if (placement === "heap" || (placement === "mixed" && k % 2 === 1)) {
          return { array: new Float32Array(length), offset: 3 };
        }
        const at = arena.alloc(length * 4)!;
        blocks.push(at, length * 4);
        return { array: new Float32Array(arena.buffer, at, length), offset: 3 };
      };
      const operands = [0, 1, 2, 3].map(operand);
      for (const k of [0, 1]) {
        operands[k].array.set(Float32Array.from(gen.normal(n + 11), (v, i) => i % 5 === 0 ? NaN : v));
      }
      swap(operands, n, []);
      for (const [from, to] of [[1, 2], [0, 3]]) {
        const [src, dst] = [operands[from].array, operands[to].array];
        for (let i = 0; i < n + 11; i++) {
          const want = i >= 3 && i < 3 + n ? src[i] : 0;
          assert(
            sameBits(dst[i], want),
            `${placement}, n ${n}, output ${to - 2}, element ${i}: ${dst[i]}, want ${want}`,
          );
        }
      }
      for (let b = 0; b < blocks.length; b += 2) arena.free(blocks[b], blocks[b + 1]);
    }
  }
});
