import { assert, assertEquals } from "../../deps.ts";
import { Generator, load, save } from "../../mod.ts";
import { type KillRun, makeKillRun, trainStep } from "./kill_training.ts";

const SCRIPT = new URL("./kill_run.ts", import.meta.url).pathname;
/** How many times the saving child is killed. */
const KILLS = 60;
/** The seed of the delays between the child's first save and its SIGKILL, uniform in [20, 300) ms. */
const SEED = 18;

/** The lines a child printed, read as they come, and the promise that the stream ended. */
function lines(stream: ReadableStream<Uint8Array>): { seen: string[]; ended: Promise<void> } {
  const seen: string[] = [];
  const ended = (async () => {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (pending + chunk).split("\n");
      pending = parts.pop()!;
      seen.push(...parts);
    }
  })();
  return { seen, ended };
}

/** Everything of `run` a checkpoint restores, read out. */
async function stateOf(run: KillRun): Promise<unknown> {
  return {
    params: await Promise.all(run.model.parameters().map((p) => p.data())),
    optimizer: await run.optimizer.stateDict(),
    scheduler: run.scheduler.stateDict(),
  };
}

Deno.test(
  `a process saving checkpoints in a loop, SIGKILLed ${KILLS} times at random moments, always leaves a ` +
    "checkpoint that loads with the weights of the step it names (the last save or the one in progress) and " +
    "no temporary file once the next save is done",
  async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/run.safetensors`;
    const random = new Generator(SEED);
    const reference = makeKillRun();
    const restored = makeKillRun();
    let referenceStep = 0;
    let verified = 0;
    let orphans = 0;
    let newer = 0;
    const started = performance.now();
    for (let kill = 0; kill < KILLS; kill++) {
      const child = new Deno.Command("deno", {
        args: ["run", "--allow-read", `--allow-write=${dir}`, SCRIPT, "--path", path],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out = lines(child.stdout);
      const stderr = new Response(child.stderr).text();
      // Wait for the first save, so that the kill lands in the save loop rather than during start-up.
      const deadline = performance.now() + 30_000;
      while (!out.seen.some((l) => l.startsWith("saved "))) {
        const exited = await Promise.race([child.status.then(() => true), delay(5).then(() => false)]);
        if (exited) throw new Error(`kill_run.ts exited before its first save:\n${await stderr}`);
        if (performance.now() > deadline) {
          child.kill("SIGKILL");
          throw new Error(`kill_run.ts did not save within 30 s:\n${await stderr}`);
        }
      }
      assertEquals(
        out.seen[0],
        `ready ${verified}`,
        "the child resumed from the checkpoint the test verified",
      );
      await delay(20 + random.uniform(1)[0] * 280);
      child.kill("SIGKILL");
      const status = await child.status;
      await out.ended;
      assertEquals(
        status.signal,
        "SIGKILL",
        `kill ${kill}: the child ended before the kill:\n${await stderr}`,
      );

      const last = Number(out.seen.findLast((l) => l.startsWith("saved "))!.slice("saved ".length));
      const leftovers = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== "run.safetensors");
      for (const name of leftovers) {
        assert(
          /^\.run\.safetensors\.[0-9a-f-]{36}\.tmp$/.test(name),
          `kill ${kill}: unexpected file ${name}`,
        );
      }
      orphans += leftovers.length;

      const { step } = await load<{ step: number }>(path, restored);
      assert(
        step === last || step === last + 1,
        `kill ${kill}: the checkpoint holds step ${step}; the child last reported saving step ${last}`,
      );
      if (step === last + 1) newer++;
      while (referenceStep < step) trainStep(reference, ++referenceStep);
      assertEquals(
        await stateOf(restored),
        await stateOf(reference),
        `kill ${kill}: the state of step ${step}`,
      );
      verified = step;

      // A save after the kill succeeds and leaves the checkpoint alone in its folder.
      await save(path, { ...restored, extra: { step } });
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["run.safetensors"], `after kill ${kill}`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${KILLS} kills (seed ${SEED}) in ${seconds.toFixed(1)} s: ${verified} steps saved and verified, ` +
        `${newer} of them between a save's rename and its return, ${orphans} mid-write (each leaving a temporary ` +
        "file that the next save removed)",
    );
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test("a save removes only the temporary files that earlier saves to its path left, not this process's own", async () => {
  const dir = await Deno.makeTempDir();
  const run = makeKillRun();
  const others = [
    ".run.safetensors.not-a-uuid.tmp",
    ".other.safetensors.0e6bca97-aa68-4225-ab92-09939cbdf54e.tmp",
    "run.safetensors.0e6bca97-aa68-4225-ab92-09939cbdf54e.tmp",
  ];
  for (const name of [...others, ".run.safetensors.0e6bca97-aa68-4225-ab92-09939cbdf54e.tmp"]) {
    await Deno.writeTextFile(`${dir}/${name}`, "left by a killed process");
  }
  // Two saves to one path at once: neither removes the other's temporary file.
  await Promise.all([1, 2].map((step) => save(`${dir}/run.safetensors`, { ...run, extra: { step } })));
  assertEquals(
    [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
    [...others, "run.safetensors"].sort(),
  );
  await Deno.remove(dir, { recursive: true });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
