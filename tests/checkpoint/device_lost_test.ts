import { assert, assertEquals } from "../../deps.ts";
import { assertClose, TOLERANCE } from "../helpers.ts";
import { findAdapter } from "../../backends/mod.ts";
import { cpu } from "../../mod.ts";
import { makeRun, parameters, train } from "./training.ts";

const SCRIPT = new URL("./device_lost_run.ts", import.meta.url).pathname;
const BEFORE = 4;
const AFTER = 5;

Deno.test({
  name:
    "a WebGPU device lost mid-training: the next step and save throw a clear Error, and the run resumes " +
    "from its last checkpoint on a new device",
  ignore: (await findAdapter()) === null,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const child = new Deno.Command("deno", {
      args: [
        "run",
        "--allow-read",
        `--allow-write=${dir}`,
        SCRIPT,
        "--dir",
        dir,
        "--before",
        `${BEFORE}`,
        "--after",
        `${AFTER}`,
      ],
      stderr: "piped",
    }).spawn();
    // A hang is a failure: the process has a minute (it takes a few seconds on a software adapter).
    const timer = setTimeout(() => child.kill(), 60_000);
    const { code, stderr } = await child.output();
    clearTimeout(timer);
    assertEquals(code, 0, `device_lost_run.ts failed:\n${new TextDecoder().decode(stderr)}`);
    const out = JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
    for (const message of [out.stepAfterLoss, out.saveAfterLoss]) {
      assert(message.startsWith("The WebGPU device was lost"), `unclear error after the loss: ${message}`);
      assert(message.includes("resume from a checkpoint"), message);
    }
    assert(out.newDevice, 'device("webgpu") opened a new device after the loss');
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["last.safetensors", "out.json"]);

    const straight = await makeRun(cpu);
    await train(straight, BEFORE + AFTER);
    (await parameters(straight)).forEach((values, i) =>
      assertClose(
        out.params[i],
        values,
        TOLERANCE.optimizer,
        `parameter ${i} against ${BEFORE + AFTER} CPU steps`,
      )
    );
    await Deno.remove(dir, { recursive: true });
  },
});
