import { assert, assertEquals } from "../../deps.ts";
import { assertClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { load } from "../../mod.ts";
import { makeRun, parameters, train } from "./training.ts";

const SCRIPT = new URL("./resume_run.ts", import.meta.url).pathname;
/** Steps before the checkpoint (mid-way through the second epoch of 6 batches) and after it (into the fourth). */
const N = 9;
const M = 8;

/** Runs resume_run.ts in a new Deno process, allowed to read and to write `dir` only. */
async function runProcess(dir: string, device: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("deno", {
    args: ["run", "--allow-read", `--allow-write=${dir}`, SCRIPT, "--device", device, ...args],
    stdout: "inherit",
    stderr: "piped",
  }).output();
  assertEquals(code, 0, `resume_run.ts ${args.join(" ")} failed:\n${new TextDecoder().decode(stderr)}`);
}

testOnDevices(
  `training ${N} steps, saving, and training ${M} more in a new process matches ${N + M} uninterrupted steps`,
  async (dev) => {
    const dir = await Deno.makeTempDir();
    const checkpoint = `${dir}/step${N}.safetensors`;
    await runProcess(dir, dev.type, ["--steps", String(N), "--save", checkpoint]);
    await runProcess(dir, dev.type, [
      "--steps",
      String(M),
      "--load",
      checkpoint,
      "--out",
      `${dir}/resumed.json`,
    ]);
    const resumed: { params: number[][]; lr: number[] } = JSON.parse(
      await Deno.readTextFile(`${dir}/resumed.json`),
    );

    const straight = await makeRun(dev);
    await train(straight, N + M);
    const expected = await parameters(straight);
    assertEquals(resumed.lr, straight.scheduler.getLastLr());
    expected.forEach((values, i) => {
      if (dev.type === "cpu") assertEquals(Float32Array.from(resumed.params[i]), values, `parameter ${i}`);
      else assertClose(resumed.params[i], values, TOLERANCE.optimizer, `parameter ${i}`);
    });

    // Without the data loader's position the resumed run sees other batches: the comparison above can fail.
    const withoutLoader = await makeRun(dev);
    await load(checkpoint, { ...withoutLoader, dataLoader: undefined });
    await train(withoutLoader, M);
    const differs = (await parameters(withoutLoader)).some((values, i) =>
      values.some((v, j) => Math.abs(v - expected[i][j]) > 1e-3)
    );
    assert(differs, "resuming without the data loader's state should train on other batches");
    await Deno.remove(dir, { recursive: true });
  },
);
