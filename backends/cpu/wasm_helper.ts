/**
 * The second core: one helper thread that runs part of a large SIMD kernel on the arena while the main thread runs
 * the rest. Memory-bound kernels (an optimizer's update, an elementwise op over millions of elements) are limited by
 * how fast one core can stream memory; two cores stream nearly twice as fast.
 *
 * The helper is a `node:worker_threads` worker, unref'd so it never keeps the process alive. It shares the arena's
 * memory and a control block: the main thread writes a job (the kernel's id, its module bytes the first time, its
 * arguments), wakes the helper with `Atomics.notify` and, after its own part, waits for the helper's done count to
 * move. Nothing goes through messages after the start, so a job costs microseconds.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { sharedArena } from "./wasm_arena.ts";

/** Control block slots (int32): go flag, done count, kernel id, module byte length (0: known), argument count. */
const [GO, DONE, ID, LENGTH, COUNT, FAILED, ARGS] = [0, 1, 2, 3, 4, 5, 6];
/** The most arguments a job passes. */
const MAX_ARGS = 64;
/** Bytes the mailbox holds for a kernel's module. */
const MAILBOX_BYTES = 1 << 18;
/** How long the main thread waits for the helper before it gives up on it, in milliseconds. */
const TIMEOUT_MS = 60_000;

const SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.once("message", ({ memory, control, mailbox }) => {
  const ctl = new Int32Array(control);
  const box = new Uint8Array(mailbox);
  const kernels = new Map();
  for (;;) {
    Atomics.wait(ctl, ${GO}, 0);
    try {
      let run = kernels.get(ctl[${ID}]);
      if (run === undefined) {
        const module = new WebAssembly.Module(box.slice(0, ctl[${LENGTH}]));
        run = new WebAssembly.Instance(module, { env: { mem: memory } }).exports.kernel;
        kernels.set(ctl[${ID}], run);
      }
      run(...ctl.subarray(${ARGS}, ${ARGS} + ctl[${COUNT}]));
    } catch {
      ctl[${FAILED}] = 1;
    }
    Atomics.store(ctl, ${GO}, 0);
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
});
`;

/**
 * The helper thread's side of a job: start one, then wait for it.
 *
 * @example
 * ```ts ignore
 * import { helperThread } from "./wasm_helper.ts";
 * const helper = helperThread(memory);
 * helper?.start(7, moduleBytes, [bytes, scalarsAt, ...addresses]);
 * // … the main thread's part …
 * helper?.finish();
 * ```
 */
export interface HelperThread {
  /**
   * Starts the exported `kernel` of the module `bytes` (over the arena's memory) with `args` on the helper;
   * `id` names the module, so its bytes cross only once.
   */
  start(id: number, bytes: Uint8Array, args: readonly number[]): void;
  /** Waits until the job started last is done; throws if it failed. */
  finish(): void;
}

/**
 * A helper thread over `memory`, or null where worker threads are unavailable (every kernel then runs on the main
 * thread alone).
 *
 * @example
 * ```ts ignore
 * import { helperThread } from "./wasm_helper.ts";
 * const helper = helperThread(new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true }));
 * ```
 */
export function helperThread(memory: WebAssembly.Memory): HelperThread | null {
  const ctl = new Int32Array(new SharedArrayBuffer(4 * (ARGS + MAX_ARGS)));
  const mailbox = new Uint8Array(new SharedArrayBuffer(MAILBOX_BYTES));
  let worker: Worker;
  try {
    worker = new Worker(SOURCE, { eval: true });
    worker.unref();
    worker.postMessage({ memory, control: ctl.buffer, mailbox: mailbox.buffer });
  } catch {
    return null;
  }
  const known = new Set<number>();
  let started = -1;
  return {
    start(id: number, bytes: Uint8Array, args: readonly number[]): void {
      if (args.length > MAX_ARGS || bytes.length > MAILBOX_BYTES) {
        throw new RangeError(`A helper job takes at most ${MAX_ARGS} arguments and ${MAILBOX_BYTES} bytes`);
      }
      ctl[ID] = id;
      ctl[LENGTH] = 0;
      if (!known.has(id)) {
        mailbox.set(bytes);
        ctl[LENGTH] = bytes.length;
        known.add(id);
      }
      ctl[COUNT] = args.length;
      ctl.set(args, ARGS);
      started = Atomics.load(ctl, DONE);
      Atomics.store(ctl, GO, 1);
      Atomics.notify(ctl, GO);
    },
    finish(): void {
      if (Atomics.wait(ctl, DONE, started, TIMEOUT_MS) === "timed-out") {
        throw new Error(`The CPU backend's helper thread did not finish a kernel within ${TIMEOUT_MS} ms`);
      }
      if (ctl[FAILED] !== 0) throw new Error("A kernel failed on the CPU backend's helper thread");
    },
  };
}

let arenaHelper: HelperThread | null | undefined;
/** Modules given an id so far: each kernel module's id for the helper thread. */
let modules = 0;

/**
 * The process's helper thread over the arena (wasm_arena.ts), started on first use; null where none can start. The
 * elementwise kernels and the matrix product share it, one job at a time.
 *
 * @example
 * ```ts ignore
 * import { sharedHelper } from "./wasm_helper.ts";
 * const helper = sharedHelper();
 * ```
 */
export function sharedHelper(): HelperThread | null {
  if (arenaHelper === undefined) arenaHelper = helperThread(sharedArena().memory);
  return arenaHelper;
}

/**
 * A new id for a kernel module run by {@link sharedHelper} (the helper keeps each module it has seen by its id).
 *
 * @example
 * ```ts
 * import { moduleId } from "./wasm_helper.ts";
 * console.log(moduleId() !== moduleId()); // true
 * ```
 */
export function moduleId(): number {
  return modules++;
}
