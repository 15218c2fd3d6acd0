/**
 * A one-line progress bar for long example runs, drawn on stderr when stderr is a terminal (and nothing
 * otherwise, so piped or logged output stays clean):
 *
 *   sgd epoch 1/3 [##########....................] 312/938 41.2 it/s ETA 15s loss 0.4127
 *
 * @module
 */

/** Where a bar draws: a writer with a terminal check, as `Deno.stderr`. */
export interface ProgressStream {
  /** Writes the bytes synchronously. */
  writeSync(bytes: Uint8Array): number;
  /** Whether the stream is a terminal (the bar draws only then). */
  isTerminal(): boolean;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Text before the bar, e.g. "adam epoch 1/3". */
  label?: string;
  /** Characters between the brackets (default 30). */
  width?: number;
  /** Where to draw (default `Deno.stderr`). */
  stream?: ProgressStream;
  /** Least time between two redraws in milliseconds (default 100); the last step always draws. */
  intervalMs?: number;
}

const encoder = new TextEncoder();

/** Seconds as "42s", "3m05s" or "1h02m". */
function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * A bar over `total` steps: call `update(done)` as work progresses, `log(line)` to print a line above it, and
 * `done()` at the end to erase it.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "./progress.ts";
 * const bar = new ProgressBar(938, { label: "epoch 1/5" });
 * for (let i = 1; i <= 938; i++) {
 *   bar.update(i, i % 100 === 0 ? `step ${i}` : undefined);
 *   if (i % 300 === 0) bar.log(`reached step ${i}`);
 * }
 * bar.done();
 * ```
 */
export class ProgressBar {
  readonly #total: number;
  readonly #label: string;
  readonly #width: number;
  readonly #stream: ProgressStream;
  readonly #intervalMs: number;
  readonly #enabled: boolean;
  readonly #start = performance.now();
  #lastDraw = -Infinity;
  #done = 0;
  #suffix = "";

  /** A bar over `total` (a positive integer) steps. */
  constructor(total: number, options: ProgressBarOptions = {}) {
    if (!Number.isInteger(total) || total < 1) {
      throw new RangeError(`ProgressBar needs a positive integer total, got ${total}`);
    }
    this.#total = total;
    this.#label = options.label ?? "";
    this.#width = options.width ?? 30;
    this.#stream = options.stream ?? Deno.stderr;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#enabled = this.#stream.isTerminal();
  }

  /** Records `done` steps finished, with optional text after the bar (kept until replaced), and redraws. */
  update(done: number, suffix?: string): void {
    this.#done = Math.min(Math.max(done, 0), this.#total);
    if (suffix !== undefined) this.#suffix = suffix;
    const now = performance.now();
    if (!this.#enabled || (now - this.#lastDraw < this.#intervalMs && this.#done < this.#total)) return;
    this.#lastDraw = now;
    this.#write(`\r${this.render(now)}\x1b[K`);
  }

  /** The bar's text at time `now` (from `performance.now()`), without control characters. */
  render(now: number = performance.now()): string {
    const fraction = this.#done / this.#total;
    const filled = Math.round(fraction * this.#width);
    const seconds = (now - this.#start) / 1000;
    const rate = seconds > 0 ? this.#done / seconds : 0;
    const eta = rate > 0 ? ` ETA ${duration((this.#total - this.#done) / rate)}` : "";
    return [
      this.#label,
      `[${"#".repeat(filled).padEnd(this.#width, ".")}]`,
      `${this.#done}/${this.#total}`,
      `${rate.toFixed(1)} it/s${eta}`,
      this.#suffix,
    ].filter((part) => part !== "").join(" ");
  }

  /** Prints `line` on stdout above the bar, then redraws the bar. */
  log(line: string): void {
    if (this.#enabled) this.#write("\r\x1b[K");
    console.log(line);
    if (this.#enabled) this.#write(`\r${this.render()}\x1b[K`);
  }

  /** Erases the bar. */
  done(): void {
    if (this.#enabled) this.#write("\r\x1b[K");
  }

  #write(text: string): void {
    this.#stream.writeSync(encoder.encode(text));
  }
}
