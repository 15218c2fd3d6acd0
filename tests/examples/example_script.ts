import { assert } from "../../deps.ts";

/** Runs one of `examples/` as a child `deno run` with fixed flags, writing only under the given folder. */
export class ExampleScript {
  readonly #path: string;
  readonly #flags: readonly string[];

  /** `name` is the file in examples/ (e.g. "char_rnn.ts"); `flags` go on every run. */
  constructor(name: string, flags: readonly string[]) {
    this.#path = new URL(`../../examples/${name}`, import.meta.url).pathname;
    this.#flags = flags;
  }

  #command(out: string, extra: readonly string[]): Deno.Command {
    return new Deno.Command("deno", {
      args: [
        "run",
        "--allow-read",
        `--allow-write=${out}`,
        this.#path,
        ...this.#flags,
        "--out",
        out,
        ...extra,
      ],
      stdout: "piped",
      stderr: "piped",
    });
  }

  /** Runs to the end; resolves to what it printed, and fails the test if it exited non-zero. */
  async run(out: string, extra: readonly string[] = []): Promise<string> {
    const { code, stdout, stderr } = await this.#command(out, extra).output();
    const text = new TextDecoder().decode(stdout);
    assert(code === 0, `${this.#path} failed (${code}):\n${text}\n${new TextDecoder().decode(stderr)}`);
    return text;
  }

  /** Starts a run and kills it once it has printed `line`; resolves to what it printed. */
  async runUntil(out: string, line: RegExp): Promise<string> {
    const child = this.#command(out, []).spawn();
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk);
      if (line.test(text)) break;
    }
    child.kill();
    await child.status;
    await child.stderr.cancel();
    return text;
  }
}
