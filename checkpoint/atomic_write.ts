/**
 * Writing a file so that readers see the old contents or the new, never a part: the bytes go to a temporary
 * file in the same directory (so it needs write permission there only, and the rename stays on one file system),
 * are flushed to the disk, and the temporary file is renamed over the target.
 *
 * @module
 */

/** The temporary files this process is writing now: a write to the same path must not remove them. */
const writing = new Set<string>();

/**
 * Writes `bytes` to `path` atomically; on any failure the temporary file is removed and `path` is untouched.
 *
 * A process killed mid-write (SIGKILL, the OOM killer, a power cut) cannot remove its temporary file, so each
 * write first removes the temporary files that earlier writes to `path` left behind (`.<name>.<uuid>.tmp` beside
 * it), except those this process is writing; repeated crashes leave at most one. That clean-up is best effort:
 * a file it cannot list or remove stays. Two processes writing one path at once are not
 * supported: one of them may reject (its temporary file removed by the other), but `path` is never a part.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/hello.txt`, new TextEncoder().encode("hello"));
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "" : path.slice(0, slash + 1);
  const prefix = `.${path.slice(slash + 1)}.`;
  const temporary = `${dir}${prefix}${crypto.randomUUID()}.tmp`;
  await removeLeftovers(dir, prefix);
  writing.add(temporary);
  try {
    try {
      using file = await Deno.open(temporary, { write: true, createNew: true });
      for (let written = 0; written < bytes.length;) {
        written += await file.write(bytes.subarray(written));
      }
      await file.syncData();
      await Deno.rename(temporary, path);
    } catch (error) {
      await Deno.remove(temporary).catch(() => {});
      throw error;
    }
  } finally {
    writing.delete(temporary);
  }
}

const UUID_TMP = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/** Removes `dir`'s files named `prefix` + a UUID + `.tmp` that no write of this process holds; errors ignored. */
async function removeLeftovers(dir: string, prefix: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(dir === "" ? "." : dir)) {
      const name = entry.name;
      if (!entry.isFile || !name.startsWith(prefix) || !UUID_TMP.test(name.slice(prefix.length))) continue;
      if (writing.has(`${dir}${name}`)) continue;
      await Deno.remove(`${dir}${name}`).catch(() => {});
    }
  } catch {
    // No read permission on the directory, or it is gone: the write itself reports what matters.
  }
}
