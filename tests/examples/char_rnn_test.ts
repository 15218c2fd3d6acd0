import { assert, assertEquals } from "../../deps.ts";
import { ExampleScript } from "./example_script.ts";

// A tiny model, so the whole recipe runs in seconds: 12 iterations, evaluations at 0, 6 and 12.
const FLAGS = [
  ...["--max-iters", "12", "--eval-interval", "6", "--batch-size", "64", "--seq-length", "128"],
  ...["--hidden-size", "16", "--embedding-size", "8", "--device", "cpu"],
];

const script = new ExampleScript("char_rnn.ts", FLAGS);

const stepLine = (t: string, n: number): string => new RegExp(`^step ${n}: .*$`, "m").exec(t)![0];
const sample = (t: string): string => t.slice(t.lastIndexOf("---\n", t.length - 5));

Deno.test("char_rnn.ts: char-gpt's lines, a checkpoint, and a resumed run ending exactly as an uninterrupted one", async () => {
  const whole = await Deno.makeTempDir();
  const broken = await Deno.makeTempDir();
  try {
    const text = await script.run(whole);
    assert(/^step 6: train loss \d\.\d{4}, val loss \d\.\d{4}$/m.test(text), text);
    assert(/^iter 10: loss \d\.\d{4}, time \d+\.\d{2}ms$/m.test(text), text);
    assert(/^number of parameters: 0\.\d{3}M; optimizer rmsprop$/m.test(text), text);
    const losses = [0, 12].map((n) => Number(/val loss ([\d.]+)/.exec(stepLine(text, n))![1]));
    assert(losses[1] < losses[0], `val loss fell: ${losses}`);
    await Deno.stat(`${whole}/char_rnn.safetensors`);
    // Stopped after the evaluation at 6 (its checkpoint, with the carried state, saved just before), then resumed.
    const first = await script.runUntil(broken, /^step 6: /m);
    assert(!first.includes("Training took"), "the first run was stopped before its end");
    const resumed = await script.run(broken, ["--resume"]);
    assert(resumed.includes("at iter 6"), resumed);
    assertEquals(stepLine(resumed, 6), stepLine(text, 6));
    assertEquals(stepLine(resumed, 12), stepLine(text, 12));
    assertEquals(sample(resumed), sample(text));
  } finally {
    await Deno.remove(whole, { recursive: true });
    await Deno.remove(broken, { recursive: true });
  }
});

Deno.test("char_rnn.ts --compare: one table row per optimizer, trained from the same initial weights", async () => {
  const out = await Deno.makeTempDir();
  try {
    const text = await script.run(out, ["--compare", "--max-iters", "4", "--eval-interval", "4"]);
    for (const name of ["rmsprop", "adam", "sgd"]) {
      assert(new RegExp(`^${name}\\s+[\\d.e-]+\\s+\\d\\.\\d{4}\\s+[\\d.]+$`, "m").test(text), text);
    }
    // Same weights, same first window: the three runs start from the same step-0 validation loss.
    const starts = [...text.matchAll(/^step 0: .*$/gm)].map((m) => m[0]);
    assertEquals(starts.length, 3);
    assertEquals(new Set(starts).size, 1, starts.join("\n"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
