/**
 * The timing protocol every library in the report is measured with: `run(n)` enqueues n repetitions of a piece
 * of work and resolves once they are finished (a device's queue drained by one small readback at the end); n
 * doubles until one call takes at least `minMs`, and the best of `repeats` such calls, per repetition, is the
 * figure. Asynchronous devices are measured by throughput, as a training loop uses them.
 *
 * @module
 */

/** One measured piece of work: its name, and milliseconds per repetition. */
export interface Timing {
  /** The workload's name, the same across libraries. */
  work: string;
  /** Milliseconds per repetition; undefined when the library cannot run it. */
  ms: number | undefined;
}

/**
 * Milliseconds per repetition of the work `run(n)` does n times.
 *
 * @example
 * ```ts
 * import { msPerRepetition } from "./timing.ts";
 * const a = new Float32Array(1 << 20), b = new Float32Array(1 << 20);
 * const ms = await msPerRepetition((n) => { for (let i = 0; i < n; i++) b.set(a); });
 * console.log(`${ms.toFixed(3)} ms per copy`);
 * ```
 */
export async function msPerRepetition(
  run: (n: number) => Promise<void> | void,
  { minMs = 250, repeats = 3 }: { minMs?: number; repeats?: number } = {},
): Promise<number> {
  await run(1); // warm-up: compilation, pipelines, pool
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    await run(n);
    const elapsed = performance.now() - t0;
    if (elapsed >= minMs || n >= 1 << 16) break;
    n *= elapsed < minMs / 8 ? 8 : 2;
  }
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run(n);
    best = Math.min(best, (performance.now() - t0) / n);
  }
  return best;
}
