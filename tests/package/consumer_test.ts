/**
 * The package as JSR delivers it, used from a project that is not this repository: the files `deno publish
 * --dry-run` lists are copied into a temporary "package" folder, a temporary "consumer" project maps
 * `@gradstep/gradstep` and its subpaths (deno.json's "exports") to them in its own import map, and trains the
 * seed's MNIST model there with `deno run --check`. A bare specifier in the library that only this repository's
 * import map resolves, or a file the library needs that publishing leaves out, fails it.
 *
 * @module
 */
import { assert, assertEquals } from "../../deps.ts";

const repo = new URL("../../", import.meta.url);
const decoder = new TextDecoder();

/** Runs `deno args…` in `cwd`; its stdout and stderr, or an error with them when it fails. */
async function deno(args: string[], cwd: string | URL): Promise<{ stdout: string; stderr: string }> {
  const output = await new Deno.Command("deno", {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decoder.decode(output.stdout);
  const stderr = decoder.decode(output.stderr);
  assertEquals(output.code, 0, `deno ${args.join(" ")} failed:\n${stdout}\n${stderr}`);
  return { stdout, stderr };
}

/** The package's files relative to the repository root, as `deno publish --dry-run` lists them. */
async function publishedFiles(): Promise<string[]> {
  const { stdout, stderr } = await deno(["publish", "--dry-run", "--allow-dirty"], repo);
  const out = stdout + stderr;
  // (on stderr) "Simulating publish of @gradstep/gradstep@0.1.0 with files:" then "   file:///…/path (size)" lines.
  const files = [...out.matchAll(/^\s+(file:\/\/\S+) \([^)]*\)$/gm)].map((m) => {
    const url = m[1];
    assert(url.startsWith(repo.href), `${url} is outside the repository ${repo.href}`);
    return decodeURIComponent(url.slice(repo.href.length));
  });
  assert(files.length > 0, `no file list in deno publish --dry-run's output:\n${out}`);
  return files;
}

Deno.test("the published files train the seed's MNIST model from a consumer project's import map", async () => {
  const files = await publishedFiles();
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", repo)));
  const exports = config.exports as Record<string, string>;
  for (const target of Object.values(exports)) {
    assert(files.includes(target.replace(/^\.\//, "")), `export ${target} is not among the published files`);
  }

  const root = await Deno.makeTempDir({ prefix: "gradstep_consumer_" });
  try {
    // JSR never applies a package's own import map or lockfile to its consumers, but a local folder's deno.json
    // would be: leave them out, so that every specifier the library uses must resolve on its own.
    const packageDir = `${root}/package`;
    for (const file of files.filter((f) => f !== "deno.json" && f !== "deno.lock")) {
      const to = `${packageDir}/${file}`;
      await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
      await Deno.copyFile(new URL(file, repo), to);
    }
    const consumerDir = `${root}/consumer`;
    await Deno.mkdir(consumerDir);
    const imports = Object.fromEntries(
      Object.entries(exports).map(([subpath, target]) => [
        `${config.name}${subpath.slice(1)}`,
        new URL(target, `file://${packageDir}/`).href,
      ]),
    );
    await Deno.writeTextFile(`${consumerDir}/deno.json`, JSON.stringify({ imports }, null, 2));
    await Deno.copyFile(new URL("consumer_run.ts", import.meta.url), `${consumerDir}/main.ts`);

    const { stdout: out } = await deno(
      ["run", "--check", "--allow-read", "--config", `${consumerDir}/deno.json`, "main.ts", "--steps", "300"],
      consumerDir,
    );
    console.log(out.trim());
    const summary: { steps: number; firstLoss: number; lastLoss: number; accuracy: number } = JSON.parse(
      out.trim().split("\n").at(-1)!,
    );
    assertEquals(summary.steps, 300);
    // The seed's run passes 97% test accuracy after 5 epochs; 300 steps (a third of one) reach about 90%.
    // Chance is 10%: these bounds fail a loop that does not learn, not one that learns a little differently.
    assert(summary.lastLoss < summary.firstLoss / 2, `loss did not fall: ${JSON.stringify(summary)}`);
    assert(summary.accuracy > 0.85, `test accuracy ${summary.accuracy} after 300 steps, expected > 0.85`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
