import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { ProgressBar, type ProgressStream } from "../../examples/progress.ts";

/** A stream that records what is written to it. */
function recorder(terminal: boolean): ProgressStream & { text(): string } {
  const chunks: Uint8Array[] = [];
  const decoder = new TextDecoder();
  return {
    writeSync: (bytes) => chunks.push(bytes.slice()) && bytes.length,
    isTerminal: () => terminal,
    text: () => chunks.map((c) => decoder.decode(c)).join(""),
  };
}

Deno.test("ProgressBar draws the label, the filled share, the count and the suffix it was given", () => {
  const stream = recorder(true);
  const bar = new ProgressBar(8, { label: "sgd epoch 1/3", width: 16, stream, intervalMs: 0 });
  bar.update(2, "loss 0.5");
  const line = bar.render();
  assert(line.startsWith(`sgd epoch 1/3 [${"#".repeat(4)}${".".repeat(12)}] 2/8 `), line);
  assert(line.endsWith("loss 0.5"), line);
  assert(stream.text().startsWith("\r"), "redraws in place");
  bar.update(8);
  assert(bar.render().includes(`[${"#".repeat(16)}] 8/8`), bar.render());
  assert(bar.render().endsWith("loss 0.5"), "keeps the last suffix");
});

Deno.test("ProgressBar.log() erases the bar, prints the line and redraws; done() erases it", () => {
  const stream = recorder(true);
  const bar = new ProgressBar(4, { stream, intervalMs: 0 });
  bar.update(1);
  const before = stream.text().length;
  bar.log("a line");
  const after = stream.text().slice(before);
  assert(after.startsWith("\r\x1b[K"), JSON.stringify(after));
  assert(after.includes("1/4"), "redrawn after the line");
  bar.done();
  assert(stream.text().endsWith("\r\x1b[K"), "erased");
});

Deno.test("ProgressBar writes nothing when the stream is not a terminal, and throttles redraws", () => {
  const quiet = recorder(false);
  const bar = new ProgressBar(3, { stream: quiet });
  bar.update(1);
  bar.done();
  assertEquals(quiet.text(), "");

  const stream = recorder(true);
  const slow = new ProgressBar(100, { stream, intervalMs: 60_000 });
  for (let i = 1; i < 100; i++) slow.update(i);
  assertEquals(stream.text().split("\r").length - 1, 1, "one draw inside the interval");
  slow.update(100);
  assertEquals(stream.text().split("\r").length - 1, 2, "the last step always draws");
  assertThrows(() => new ProgressBar(0), RangeError, "positive integer total, got 0");
});
