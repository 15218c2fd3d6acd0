/**
 * The lost-device test's process: trains the run of training.ts on WebGPU, checkpoints after `--before` steps,
 * loses the device (GPUDevice.destroy()), records what the next step and the next save do, then opens a new device
 * with device("webgpu"), resumes from the checkpoint there and trains `--after` steps; writes what happened and
 * the parameters as JSON to `--out`.
 *
 *   deno run --allow-read --allow-write=DIR tests/checkpoint/device_lost_run.ts --dir DIR --before 4 --after 5
 *
 * @module
 */
import { parseArgs } from "../../deps.ts";
import { device, load, save } from "../../mod.ts";
import type { WebGpuBackend } from "../../backends/mod.ts";
import { makeRun, parameters, train } from "./training.ts";

const args = parseArgs(Deno.args, { dir: "", before: "4", after: "5" });
const checkpoint = `${args.dir}/last.safetensors`;
const first = await device("webgpu");
const run = await makeRun(first);
await train(run, Number(args.before));
await save(checkpoint, run);

const gpu = (first.backend as WebGpuBackend).gpu;
gpu.destroy();
await gpu.lost;

/** The Error message `work` rejects with, or "no error". */
async function outcome(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return "no error";
  } catch (error) {
    return (error as Error).message;
  }
}
const stepAfterLoss = await outcome(() => train(run, 1));
const saveAfterLoss = await outcome(() => save(checkpoint, run));

const second = await device("webgpu");
const resumed = await makeRun(second);
await load(checkpoint, resumed);
await train(resumed, Number(args.after));
await Deno.writeTextFile(
  `${args.dir}/out.json`,
  JSON.stringify({
    stepAfterLoss,
    saveAfterLoss,
    newDevice: second !== first,
    params: (await parameters(resumed)).map((p) => [...p]),
  }),
);
