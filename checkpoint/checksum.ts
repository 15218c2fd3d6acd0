/**
 * The checksum that safetensors lacks: a SHA-256 of the whole file, stored in its own `__metadata__` as
 * `gradstep.sha256`. It is computed with that value set to 64 zeros and then written in place (same length, so no
 * offset moves), so any changed byte — length, header, metadata or tensor data — is detected on reading.
 *
 * @module
 */

/** The `__metadata__` key of the checksum. */
export const CHECKSUM_KEY = "gradstep.sha256";
/** The checksum's value while the file's hash is computed. */
export const CHECKSUM_PLACEHOLDER = "0".repeat(64);

const FIELD = `"${CHECKSUM_KEY}":"`;

/** Where the checksum's 64 hex digits start in the header of `bytes`, or a reason there is no one place. */
function locate(bytes: Uint8Array): number | string {
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  // windows-1252 decodes one character per byte, so string positions are byte positions.
  const text = new TextDecoder("windows-1252").decode(bytes.subarray(0, Math.min(headerEnd, bytes.length)));
  const at = text.indexOf(FIELD);
  if (at < 0) return `the header has no ${CHECKSUM_KEY} entry in gradstep's form`;
  if (text.indexOf(FIELD, at + 1) >= 0) return `the header has more than one ${CHECKSUM_KEY} entry`;
  return at + FIELD.length;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Writes the file's checksum over the placeholder in `bytes` (a safetensors file whose metadata has
 * `gradstep.sha256` set to {@link CHECKSUM_PLACEHOLDER}).
 *
 * @example
 * ```ts
 * import { CHECKSUM_KEY, CHECKSUM_PLACEHOLDER, seal } from "./checksum.ts";
 * import { encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors([], { [CHECKSUM_KEY]: CHECKSUM_PLACEHOLDER });
 * await seal(bytes);
 * ```
 */
export async function seal(bytes: Uint8Array<ArrayBuffer>): Promise<void> {
  const at = locate(bytes);
  if (typeof at === "string") throw new Error(`Cannot seal a checkpoint: ${at}`);
  bytes.set(new TextEncoder().encode(await sha256(bytes)), at);
}

/**
 * Resolves to undefined when `bytes` (a safetensors file at least 8 bytes long) carries its own checksum, else to
 * what is wrong.
 *
 * @example
 * ```ts
 * import { CHECKSUM_KEY, CHECKSUM_PLACEHOLDER, checksumProblem, seal } from "./checksum.ts";
 * import { encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors([], { [CHECKSUM_KEY]: CHECKSUM_PLACEHOLDER });
 * await seal(bytes);
 * console.log(await checksumProblem(bytes)); // undefined
 * ```
 */
export async function checksumProblem(bytes: Uint8Array): Promise<string | undefined> {
  const at = locate(bytes);
  if (typeof at === "string") return at;
  const stored = new TextDecoder().decode(bytes.subarray(at, at + 64));
  const copy = bytes.slice();
  copy.set(new TextEncoder().encode(CHECKSUM_PLACEHOLDER), at);
  const actual = await sha256(copy);
  if (stored === actual) return undefined;
  return `its SHA-256 is ${actual} but ${CHECKSUM_KEY} says ${stored}: the file was changed or damaged after it ` +
    "was written";
}
