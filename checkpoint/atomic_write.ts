/**
 * Writing a file so that readers see the old contents or the new, never a part: the bytes go to a temporary
 * file in the same directory (so it needs write permission there only, and the rename stays on one file system),
 * are flushed to the disk, and the temporary file is renamed over the target.
 *
 * @module
 */

/**
 * Writes `bytes` to `path` atomically; on any failure the temporary file is removed and `path` is untouched.
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
  const temporary = `${dir}.${path.slice(slash + 1)}.${crypto.randomUUID()}.tmp`;
  try {
    using file = await Deno.open(temporary, { write: true, createNew: true });
    for (let written = 0; written < bytes.length;) {
      written += await file.write(bytes.subarray(written));
    }
    await file.syncData();
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  try {
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
