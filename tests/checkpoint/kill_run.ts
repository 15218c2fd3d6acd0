/**
 * The kill test's child: resumes the run of kill_training.ts from its checkpoint when there is one, then trains
 * and saves after every step, forever, until the parent kills it. It prints `ready <step>` once it has loaded
 * (or started at step 0) and `saved <step>` after each save returns.
 *
 *   deno run --allow-read --allow-write=DIR tests/checkpoint/kill_run.ts --path DIR/run.safetensors
 *
 * @module
 */
import { parseArgs } from "../../deps.ts";
import { load, save } from "../../mod.ts";
import { makeKillRun, trainStep } from "./kill_training.ts";

const { path } = parseArgs(Deno.args, { path: "" });
const run = makeKillRun();
let step = 0;
try {
  ({ step } = await load<{ step: number }>(path, run));
} catch (error) {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}
const out = (line: string): void => {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
};
out(`ready ${step}`);
for (;;) {
  trainStep(run, ++step);
  await save(path, { ...run, extra: { step } });
  out(`saved ${step}`);
}
