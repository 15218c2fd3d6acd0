import { assert, assertEquals } from "../../deps.ts";
import { ExampleScript } from "./example_script.ts";

// A tiny model, so the whole recipe runs in seconds: 12 iterations, evaluations at 0, 6 and 12.
const FLAGS = [
  ...["--max-iters", "12", "--eval-interval", "6", "--eval-iters", "2", "--block-size", "16"],
  ...["--batch-size", "4", "--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--device", "cpu"],
];

const script = new ExampleScript("char_gpt.ts", FLAGS);

/** The final fixed-window validation loss and the 200-character sample a run printed. */
function ending(text: string): { loss: string; sample: string } {
  return {
    loss: /val loss over the first \d+ windows of the validation split: ([\d.]+)/.exec(text)![1],
    sample: text.slice(text.lastIndexOf("---\n", text.length - 5)),
  };
}

Deno.test("char_gpt.ts: nanoGPT's lines, a checkpoint, and a resumed run ending exactly as an uninterrupted one", async () => {
  const whole = await Deno.makeTempDir();
  const broken = await Deno.makeTempDir();
  try {
    const text = await script.run(whole);
    assert(/^step 6: train loss \d\.\d{4}, val loss \d\.\d{4}$/m.test(text), text);
    assert(/^iter 10: loss \d\.\d{4}, time \d+\.\d{2}ms$/m.test(text), text);
    assert(/^number of parameters: 0\.\d\dM$/m.test(text), text);
    await Deno.stat(`${whole}/char_gpt.safetensors`);
    // Stopped after the evaluation at 6 (its checkpoint saved just before), then resumed with the same flags.
    const first = await script.runUntil(broken, /^step 6: /m);
    assert(!first.includes("Training took"), "the first run was stopped before its end");
    const resumed = await script.run(broken, ["--resume"]);
    assert(resumed.includes("at iter 6"), resumed);
    const stepLine = (t: string, n: number): string => new RegExp(`^step ${n}: .*$`, "m").exec(t)![0];
    assertEquals(stepLine(resumed, 6), stepLine(text, 6));
    assertEquals(stepLine(resumed, 12), stepLine(text, 12));
    assertEquals(ending(resumed), ending(text));
  } finally {
    await Deno.remove(whole, { recursive: true });
    await Deno.remove(broken, { recursive: true });
  }
});
