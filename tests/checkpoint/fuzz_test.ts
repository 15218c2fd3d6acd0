import { assert, assertEquals } from "../../deps.ts";
import { cpu, Generator, load, save } from "../../mod.ts";
import { makeRun, snapshot, train } from "./training.ts";

/** How many damaged files the fuzz test tries. */
const CASES = 400;

Deno.test(`load() rejects ${CASES} damaged checkpoints (seeded byte flips, truncations, appended bytes) and changes nothing`, async () => {
  const dir = await Deno.makeTempDir();
  const source = await makeRun(cpu);
  await train(source, 9);
  await save(`${dir}/run.safetensors`, source);
  const good = await Deno.readFile(`${dir}/run.safetensors`);
  const headerEnd = 8 + Number(new DataView(good.buffer).getBigUint64(0, true));
  const target = await makeRun(cpu);
  await train(target, 3);
  const before = await snapshot(target);

  const random = new Generator(2026);
  const below = (n: number): number => Math.floor(random.uniform(1)[0] * n);
  const flip = (bytes: Uint8Array, from: number, to: number): void => {
    bytes[from + below(to - from)] ^= 1 + below(255);
  };
  const kinds: [string, () => Uint8Array][] = [
    ["one byte flipped in the length or header", () => {
      const bytes = good.slice();
      flip(bytes, 0, headerEnd);
      return bytes;
    }],
    ["one byte flipped in the tensor data", () => {
      const bytes = good.slice();
      flip(bytes, headerEnd, bytes.length);
      return bytes;
    }],
    ["2 to 8 bytes flipped anywhere", () => {
      const bytes = good.slice();
      for (let i = 2 + below(7); i > 0; i--) flip(bytes, 0, bytes.length);
      return bytes;
    }],
    ["truncated", () => good.slice(0, below(good.length))],
    ["bytes appended", () => {
      const tail = Uint8Array.from(random.words(1 + below(16)), (w) => w & 0xff);
      const bytes = new Uint8Array(good.length + tail.length);
      bytes.set(good);
      bytes.set(tail, good.length);
      return bytes;
    }],
  ];
  const tally = new Map<string, number>();
  for (let i = 0; i < CASES; i++) {
    const [kind, damage] = kinds[i % kinds.length];
    const path = `${dir}/damaged.safetensors`;
    await Deno.writeFile(path, damage());
    let message: string | undefined;
    try {
      await load(path, target);
    } catch (error) {
      assert(error instanceof Error, `case ${i} (${kind}) threw ${error}, not an Error`);
      message = error.message;
    }
    assert(message !== undefined, `case ${i} (${kind}) was accepted`);
    assert(message.startsWith(`Checkpoint ${path}`), `case ${i} (${kind}): unclear error "${message}"`);
    const reason = message.slice(`Checkpoint ${path}: `.length).replace(/\(.*$/s, "").replace(
      /[0-9a-f]{64}/g,
      "…",
    )
      .replace(/\d+/g, "N").slice(0, 48);
    tally.set(reason, (tally.get(reason) ?? 0) + 1);
    assertEquals(await snapshot(target), before, `case ${i} (${kind}) changed the run's state`);
  }
  console.log(`${CASES} damaged checkpoints, all rejected:`, Object.fromEntries(tally));
  await Deno.remove(dir, { recursive: true });
});
