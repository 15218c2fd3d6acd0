/**
 * Drives the browser example in headless Chromium (npm puppeteer-core): serves examples/browser with its bundle
 * from `--dist`, opens the page once per run given in `--runs` (`backend:steps[:plain]`; `plain` serves it without
 * the COOP/COEP headers, so the page is not cross-origin isolated), waits for it to finish, saves a screenshot of
 * each run in `--out` and prints one `RESULT {…}` line per run (the page's `gradstepResult`). The browser test
 * (browser_test.ts) runs it as a child process, so that only this process has network, environment and
 * Chromium permissions.
 *
 *   deno run --allow-read --allow-write=OUT --allow-net=127.0.0.1 --allow-env --allow-run=CHROMIUM --allow-sys \
 *     tests/examples/browser_driver.ts --chromium CHROMIUM --dist DIST --out OUT --runs webgpu:300,cpu:300
 *
 * @module
 */
import puppeteer from "puppeteer-core";
import { parseArgs } from "node:util";
import { serveExample } from "../../examples/browser/serve.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    chromium: { type: "string", default: "/usr/bin/chromium" },
    dist: { type: "string", default: "" },
    out: { type: "string", default: "" },
    runs: { type: "string", default: "" },
  },
});
/** How long one run may take, in milliseconds (SwiftShader compiles every shader on the CPU). */
const RUN_TIMEOUT_MS = 240_000;

const servers = {
  isolated: await serveExample({ port: 0, dist: args.dist }),
  plain: await serveExample({ port: 0, dist: args.dist, isolated: false }),
};
const browser = await puppeteer.launch({
  executablePath: args.chromium,
  headless: true,
  userDataDir: `${args.out}/chromium_profile`,
  // Root in a container needs --no-sandbox; --enable-unsafe-webgpu gives headless Chromium its SwiftShader adapter.
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--enable-unsafe-webgpu"],
});
try {
  for (const run of args.runs.split(",")) {
    const [backend, steps, plain] = run.split(":");
    const server = plain === "plain" ? servers.plain : servers.isolated;
    const page = await browser.newPage();
    await page.setViewport({ width: 820, height: 760 });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${server.addr.port}/?backend=${backend}&steps=${steps}`);
    const started = performance.now();
    await page.waitForFunction(
      () => "gradstepResult" in globalThis || "gradstepError" in globalThis,
      { timeout: RUN_TIMEOUT_MS, polling: 500 },
    );
    const { result, error } = await page.evaluate(() => {
      const g = globalThis as { gradstepResult?: unknown; gradstepError?: string };
      return { result: g.gradstepResult, error: g.gradstepError };
    });
    const name = `${backend}${plain === "plain" ? "_not_isolated" : ""}`;
    await page.screenshot({ path: `${args.out}/browser_${name}.png` });
    if (error !== undefined) throw new Error(`${run}: the page failed: ${error}\n${problems.join("\n")}`);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `RESULT ${JSON.stringify({ run, name, pageSeconds: seconds, problems, ...result as object })}`,
    );
    await page.close();
  }
} finally {
  await browser.close();
  await Promise.all([servers.isolated.shutdown(), servers.plain.shutdown()]);
  await Deno.remove(`${args.out}/chromium_profile`, { recursive: true }).catch(() => {});
}
