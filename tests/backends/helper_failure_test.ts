/**
 * The CPU backend's helper thread when its part of a kernel fails: the main thread redoes that part, so the output
 * is whole (never half written); when the kernel fails on the main thread too, the Error reaches the caller with the
 * helper's as its cause; and in every case the helper is waited for before anything returns, and takes the next job.
 * The kernels here are real WebAssembly modules over the arena: a fill (`memory.fill` of a byte over a range), one
 * that traps (`unreachable`), and bytes that do not compile.
 */
import { I32, moduleOf, op } from "../../backends/cpu/wasm_asm.ts";
import { moduleId, runSplit, sharedHelper } from "../../backends/cpu/wasm_helper.ts";
import { sharedArena } from "../../backends/cpu/wasm_arena.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";

/** kernel(from, to, byte): fills arena bytes [from, to) with `byte`. */
const FILL = moduleOf("kernel", 3, [], [
  ...op.get(0),
  ...op.get(2),
  ...op.get(1),
  ...op.get(0),
  ...op.i32Sub,
  ...op.memoryFill,
]);
/** kernel(from, to, byte): traps. */
const TRAP = moduleOf("kernel", 3, [[1, I32]], [0x00]);
/** Not a module: the helper cannot compile it. */
const BROKEN = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff]);

const BYTES = 1 << 16;

/** A kernel as runSplit takes it: the helper gets `helperBytes` under a new id; this thread runs `local`. */
function kernel(helperBytes: Uint8Array, local: Uint8Array<ArrayBuffer>): Parameters<typeof runSplit>[1] {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(local), {
    env: { mem: sharedArena().memory },
  });
  const run = instance.exports.kernel as (...args: number[]) => void;
  return { id: moduleId(), bytes: helperBytes, run: (args) => run(...args) };
}

/** A fresh range of the arena, its address and a view of its bytes (read after any growth). */
function range(): { at: number; bytes: () => Uint8Array } {
  const at = sharedArena().alloc(BYTES)!;
  return { at, bytes: () => new Uint8Array(sharedArena().memory.buffer, at, BYTES) };
}

function helper(): NonNullable<ReturnType<typeof sharedHelper>> {
  const found = sharedHelper();
  assert(found !== null, "the CPU backend has a helper thread here");
  return found;
}

Deno.test("a helper job that fails reports the helper's Error instead of throwing", () => {
  const { at } = range();
  const h = helper();
  h.start(moduleId(), BROKEN, [at, at + BYTES, 1]);
  const failure = h.finish();
  assert(failure instanceof Error);
  assert(
    failure.message.startsWith("A kernel failed on the CPU backend's helper thread: CompileError"),
    failure.message,
  );
});

Deno.test("when the helper's part fails, the main thread redoes it: the output is whole", () => {
  const { at, bytes } = range();
  runSplit(helper(), kernel(BROKEN, FILL), [at, at + BYTES / 2, 7], [at + BYTES / 2, at + BYTES, 7], {
    reclaim: false,
  });
  assertEquals(bytes().filter((b) => b !== 7).length, 0);
  // The helper takes the next job (the same module, now sent whole).
  const next = range();
  runSplit(helper(), kernel(FILL, FILL), [next.at, next.at + BYTES / 2, 9], [
    next.at + BYTES / 2,
    next.at + BYTES,
    9,
  ]);
  assertEquals(next.bytes().filter((b) => b !== 9).length, 0);
});

Deno.test("a part that fails on both threads throws to the caller with the helper's Error as its cause", () => {
  const { at } = range();
  const [fill, trap] = [kernel(TRAP, FILL), kernel(TRAP, TRAP)];
  // The main thread fills its own part and traps on the helper's, as the helper did.
  const run = (args: readonly number[]): void => (args[0] === at ? fill : trap).run(args);
  const error = assertThrows(
    () =>
      runSplit(helper(), { ...trap, run }, [at, at + BYTES / 2, 7], [at + BYTES / 2, at + BYTES, 7], {
        reclaim: false,
      }),
    Error,
    "A kernel failed on the CPU backend: RuntimeError: unreachable",
  );
  assert(
    error.cause instanceof Error && /helper thread: RuntimeError: unreachable/.test(error.cause.message),
  );
});

Deno.test("when the main thread's part fails, the helper's part is finished before the Error is thrown", () => {
  const { at, bytes } = range();
  assertThrows(
    () =>
      runSplit(helper(), kernel(FILL, TRAP), [at, at + BYTES / 2, 7], [at + BYTES / 2, at + BYTES, 7], {
        reclaim: false,
      }),
    WebAssembly.RuntimeError,
    "unreachable",
  );
  // Nothing is still writing: the helper's half is complete the moment the Error arrives.
  assertEquals(bytes().subarray(BYTES / 2).filter((b) => b !== 7).length, 0);
  const next = range();
  runSplit(helper(), kernel(FILL, FILL), [next.at, next.at + BYTES / 2, 3], [
    next.at + BYTES / 2,
    next.at + BYTES,
    3,
  ]);
  assertEquals(next.bytes().filter((b) => b !== 3).length, 0);
});

Deno.test("a job taken back before the helper began it is never run there, and the helper takes jobs again once it has seen it", () => {
  const h = helper();
  const fill = kernel(FILL, FILL);
  for (let round = 0; round < 20; round++) {
    const { at, bytes } = range();
    h.start(fill.id, fill.bytes, [at, at + BYTES, 5]);
    if (!h.reclaim()) {
      // The helper had begun: it finishes the job as usual.
      assertEquals(h.finish(), null);
      assertEquals(bytes().filter((b) => b !== 5).length, 0);
      continue;
    }
    // Taken back: no new job until the helper has seen this one, and it writes nothing.
    const deadline = performance.now() + 10_000;
    while (!h.ready) assert(performance.now() < deadline, "the helper acknowledges a job taken back");
    assertEquals(bytes().filter((b) => b !== 0).length, 0);
  }
  // And it runs the next job whole.
  const next = range();
  runSplit(h, fill, [next.at, next.at + BYTES / 2, 4], [next.at + BYTES / 2, next.at + BYTES, 4]);
  assertEquals(next.bytes().filter((b) => b !== 4).length, 0);
});
