/**
 * One process of the resume test: builds the run of training.ts, optionally loads a checkpoint into it, trains,
 * optionally saves one, and writes its parameters and lrs as JSON.
 *
 *   deno run --allow-read --allow-write=DIR tests/checkpoint/resume_run.ts --device cpu|webgpu --steps N
 *            [--load PATH] [--save PATH] [--out PATH]
 *
 * @module
 */
import { parseArgs } from "../../deps.ts";
import { device, load, save } from "../../mod.ts";
import { makeRun, parameters, train } from "./training.ts";

const args = parseArgs(Deno.args, { device: "cpu", steps: "0", load: "", save: "", out: "" });
const run = await makeRun(await device(args.device as "cpu" | "webgpu"));
if (args.load !== "") await load(args.load, run);
await train(run, Number(args.steps));
if (args.save !== "") await save(args.save, run);
if (args.out !== "") {
  const params = (await parameters(run)).map((p) => [...p]);
  await Deno.writeTextFile(args.out, JSON.stringify({ params, lr: run.scheduler.getLastLr() }));
}
