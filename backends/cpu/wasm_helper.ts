/**
 * The second core: one helper thread that runs part of a large SIMD kernel on the arena while the main thread runs
 * the rest. Memory-bound kernels (an optimizer's update, an elementwise op over millions of elements) are limited by
 * how fast one core can stream memory; two cores stream nearly twice as fast.
 *
 * The helper is the host's thread: a `node:worker_threads` worker where the runtime has Node's built-in modules
 * (Deno, Node; unref'd so it never keeps the process alive), else a Web Worker (browsers). Nothing here is
 * imported at load time, so the module loads anywhere. It shares the arena's memory and a control block: the main
 * thread writes a job (the kernel's id, its module bytes the first time, its arguments), wakes the helper with
 * `Atomics.notify` and, after its own part, waits for the helper's done count to move. Nothing goes through
 * messages after the start, so a job costs microseconds. A page that is not cross-origin isolated has no
 * SharedArrayBuffer: there every kernel runs on the one core.
 *
 * @module
 */
import { sharedArena } from "./wasm_arena.ts";

/**
 * Control block slots (int32): go flag, done count, kernel id, module byte length (0: known), argument count,
 * failure message length (0: the job succeeded; the message is in the mailbox), ready flag (set once the helper
 * listens), claim (0: the job is open; 1: the helper took it; 2: the main thread took it back), then the arguments.
 */
const [GO, DONE, ID, LENGTH, COUNT, FAILED, READY, CLAIM, ARGS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** The most arguments a job passes. */
const MAX_ARGS = 64;
/** Bytes the mailbox holds for a kernel's module. */
const MAILBOX_BYTES = 1 << 18;
/** How long the main thread waits for the helper before it gives up on it, in milliseconds. */
const TIMEOUT_MS = 60_000;

/** The helper's loop, given the first message's memory, control block and mailbox. */
const RUN = `({ memory, control, mailbox }) => {
  const ctl = new Int32Array(control);
  const box = new Uint8Array(mailbox);
  const kernels = new Map();
  Atomics.store(ctl, ${READY}, 1);
  Atomics.notify(ctl, ${READY});
  for (;;) {
    Atomics.wait(ctl, ${GO}, 0);
    // A job the main thread took back (this thread woke late) is only acknowledged; its module is still kept.
    const mine = Atomics.compareExchange(ctl, ${CLAIM}, 0, 1) === 0;
    try {
      let run = kernels.get(ctl[${ID}]);
      if (run === undefined && (mine || ctl[${LENGTH}] > 0)) {
        const module = new WebAssembly.Module(box.slice(0, ctl[${LENGTH}]));
        run = new WebAssembly.Instance(module, { env: { mem: memory } }).exports.kernel;
        kernels.set(ctl[${ID}], run);
      }
      if (mine) run(...ctl.subarray(${ARGS}, ${ARGS} + ctl[${COUNT}]));
    } catch (e) {
      if (mine) ctl[${FAILED}] = Math.max(1, new TextEncoder().encodeInto(String(e), box).written);
    }
    Atomics.store(ctl, ${GO}, 0);
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}`;

/** The part of `node:worker_threads` used here. */
interface NodeWorkerThreads {
  Worker: new (
    source: string,
    options: { eval: true },
  ) => { unref(): void; postMessage(message: unknown): void };
}

/**
 * Starts the helper's loop on a new thread of the host and sends it `message`; throws where the host has none.
 * Node's built-in modules are looked up at run time (`process.getBuiltinModule`), so nothing is imported where
 * they do not exist.
 */
function spawn(message: unknown): void {
  const host = globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
    Worker?: new (url: string, options: { type: "module" }) => { postMessage(message: unknown): void };
  };
  const threads = host.process?.getBuiltinModule?.("node:worker_threads") as NodeWorkerThreads | undefined;
  if (threads !== undefined) {
    const worker = new threads.Worker(
      `require("node:worker_threads").parentPort.once("message", ${RUN});`,
      { eval: true },
    );
    worker.unref();
    worker.postMessage(message);
    return;
  }
  if (host.Worker === undefined) throw new Error("no worker threads");
  const source = `self.onmessage = ({ data }) => (${RUN})(data);`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  new host.Worker(url, { type: "module" }).postMessage(message);
}

/**
 * Waits until `ctl[index]` is no longer `value` or `ms` milliseconds passed: `Atomics.wait` where the thread may
 * block, else (a browser's main thread) by polling.
 */
function waitWhile(ctl: Int32Array, index: number, value: number, ms: number, block: boolean): boolean {
  if (block) return Atomics.wait(ctl, index, value, ms) !== "timed-out";
  const deadline = performance.now() + ms;
  while (Atomics.load(ctl, index) === value) if (performance.now() > deadline) return false;
  return true;
}

/** Whether this thread may block in `Atomics.wait` (a browser's main thread may not). */
function mayBlock(ctl: Int32Array): boolean {
  try {
    Atomics.wait(ctl, DONE, -1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The helper thread's side of a job: start one, then wait for it.
 *
 * @example
 * ```ts ignore
 * import { helperThread } from "./wasm_helper.ts";
 * const helper = helperThread(memory);
 * if (helper?.ready) {
 *   helper.start(7, moduleBytes, [bytes, scalarsAt, ...addresses]);
 *   // … the main thread's part …
 *   helper.finish();
 * }
 * ```
 */
export interface HelperThread {
  /**
   * Whether the helper has started and listens for jobs (a thread takes a few milliseconds to start): where the
   * calling thread may block it waits for the start; a browser's main thread must not, as the worker's start may
   * need it, so there the kernels run on the main thread alone until then.
   */
  readonly ready: boolean;
  /**
   * Starts the exported `kernel` of the module `bytes` (over the arena's memory) with `args` on the helper;
   * `id` names the module, so its bytes cross only once.
   */
  start(id: number, bytes: Uint8Array, args: readonly number[]): void;
  /**
   * Takes the job started last back if the helper has not begun it (its thread not yet scheduled: on a busy
   * machine it may wake long after); true if taken, and the caller then runs it. Until the helper has seen
   * that job, it is not {@link HelperThread.ready} for another.
   */
  reclaim(): boolean;
  /**
   * Waits until the job started last is done; returns null if it succeeded, else the helper's Error (its
   * module is then forgotten, so the next job sends it again). Throws if the helper does not answer in time.
   */
  finish(): Error | null;
}

/**
 * A helper thread over `memory`, or null where worker threads or SharedArrayBuffer are unavailable (every kernel
 * then runs on the main thread alone). Start jobs only once it is {@link HelperThread.ready}.
 *
 * @example
 * ```ts ignore
 * import { helperThread } from "./wasm_helper.ts";
 * const helper = helperThread(new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true }));
 * ```
 */
export function helperThread(memory: WebAssembly.Memory): HelperThread | null {
  if (typeof SharedArrayBuffer === "undefined") return null; // not cross-origin isolated
  const ctl = new Int32Array(new SharedArrayBuffer(4 * (ARGS + MAX_ARGS)));
  const mailbox = new Uint8Array(new SharedArrayBuffer(MAILBOX_BYTES));
  try {
    spawn({ memory, control: ctl.buffer, mailbox: mailbox.buffer });
  } catch {
    return null;
  }
  const block = mayBlock(ctl);
  const known = new Set<number>();
  let started = -1;
  let ready = false;
  /** Whether the job started last was taken back from the helper. */
  let reclaimed = false;
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
      ctl[FAILED] = 0;
      ctl[CLAIM] = 0;
      ctl.set(args, ARGS);
      started = Atomics.load(ctl, DONE);
      Atomics.store(ctl, GO, 1);
      Atomics.notify(ctl, GO);
    },
    get ready(): boolean {
      // Not while a job taken back is still unseen by the helper (it would read the next job's arguments).
      if (reclaimed) {
        if (Atomics.load(ctl, DONE) === started) return false;
        reclaimed = false;
      }
      // Once started it stays ready: asked before every job, this must cost nothing then.
      if (ready) return true;
      // A thread that may block waits for the helper's start, as it would wait for its first job.
      if (block && !waitWhile(ctl, READY, 0, TIMEOUT_MS, true)) {
        throw new Error(`The CPU backend's helper thread did not start within ${TIMEOUT_MS} ms`);
      }
      return ready = Atomics.load(ctl, READY) === 1;
    },
    reclaim(): boolean {
      reclaimed = Atomics.compareExchange(ctl, CLAIM, 0, 2) === 0;
      return reclaimed;
    },
    finish(): Error | null {
      if (!waitWhile(ctl, DONE, started, TIMEOUT_MS, block)) {
        throw new Error(`The CPU backend's helper thread did not finish a kernel within ${TIMEOUT_MS} ms`);
      }
      if (ctl[FAILED] === 0) return null;
      known.delete(ctl[ID]);
      const message = new TextDecoder().decode(mailbox.slice(0, ctl[FAILED]));
      return new Error(`A kernel failed on the CPU backend's helper thread: ${message}`);
    },
  };
}

/**
 * Runs one kernel in two parts: `theirs` on `helper` (module `id`, `bytes`) while `run` does `mine` here; if the
 * helper has not begun `theirs` when `mine` is done, this thread takes it back and runs it too (unless `reclaim`
 * is false: the helper's part then always runs there, as the tests of its failures need). When the
 * helper's part fails, this thread runs it again, so no output is ever left half written; if that fails too, its
 * Error (with the helper's as the cause) reaches the caller. When `mine` fails, the helper is waited for first,
 * so it never writes after the Error is thrown.
 *
 * @example
 * ```ts ignore
 * import { runSplit, sharedHelper } from "./wasm_helper.ts";
 * const helper = sharedHelper();
 * if (helper !== null) runSplit(helper, { id, bytes, run: (args) => kernel(...args) }, [0, half], [half, n]);
 * ```
 */
export function runSplit(
  helper: HelperThread,
  kernel: { id: number; bytes: Uint8Array; run: (args: readonly number[]) => void },
  mine: readonly number[],
  theirs: readonly number[],
  { reclaim = true }: { reclaim?: boolean } = {},
): void {
  helper.start(kernel.id, kernel.bytes, theirs);
  let mineFailed: { error: unknown } | null = null;
  try {
    kernel.run(mine);
  } catch (error) {
    mineFailed = { error };
  }
  // A helper that has not begun its part by now (not scheduled) is not waited for: this thread runs it.
  if (reclaim && helper.reclaim()) {
    if (mineFailed !== null) throw mineFailed.error;
    return kernel.run(theirs);
  }
  const failure = helper.finish();
  if (mineFailed !== null) throw mineFailed.error;
  if (failure === null) return;
  try {
    kernel.run(theirs);
  } catch (e) {
    throw new Error(`A kernel failed on the CPU backend: ${e}`, { cause: failure });
  }
}

let arenaHelper: HelperThread | null | undefined;
/** Modules given an id so far: each kernel module's id for the helper thread. */
let modules = 0;

/**
 * The process's helper thread over the arena (wasm_arena.ts), started on first use; null where none can start or
 * until it is {@link HelperThread.ready}. The elementwise kernels and the matrix product share it, one job at a
 * time.
 *
 * @example
 * ```ts ignore
 * import { sharedHelper } from "./wasm_helper.ts";
 * const helper = sharedHelper();
 * ```
 */
export function sharedHelper(): HelperThread | null {
  if (arenaHelper === undefined) arenaHelper = helperThread(sharedArena().memory);
  return arenaHelper?.ready ? arenaHelper : null;
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
