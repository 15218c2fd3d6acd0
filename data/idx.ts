/**
 * The IDX file format of MNIST: a magic number (two zero bytes, a type code, the number of dimensions), the
 * dimensions as big-endian uint32, then the data. Gzipped files are recognised and inflated.
 *
 * @module
 */

/** An IDX file's dimensions and its unsigned-byte data. */
export interface IdxArray {
  /** The dimensions from the header. */
  readonly shape: number[];
  /** The bytes after the header. */
  readonly data: Uint8Array;
}

const UBYTE = 0x08;

/**
 * Inflates `bytes` when they start with the gzip signature, else returns them; a corrupt or cut gzip stream is
 * an Error naming `path`.
 *
 * @example
 * ```ts
 * import { maybeGunzip } from "@gradstep/gradstep/data";
 * const bytes = await maybeGunzip(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 0]), "labels"); // not gzipped: as is
 * ```
 */
export async function maybeGunzip(bytes: Uint8Array, path = "data"): Promise<Uint8Array> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new Error(`${path}: corrupt or truncated gzip file (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/**
 * Parses an unsigned-byte IDX file with `rank` dimensions, with a clear Error naming `path` for a wrong magic
 * number or a truncated file.
 *
 * @example
 * ```ts
 * import { parseIdx } from "@gradstep/gradstep/data";
 * const labels = parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]), 1, "labels"); // { shape: [2], data: [7, 3] }
 * ```
 */
export function parseIdx(bytes: Uint8Array, rank: number, path: string): IdxArray {
  const header = 4 + 4 * rank;
  if (bytes.length < 4) {
    throw new Error(`${path}: truncated IDX file: ${bytes.length} bytes, not even a magic number`);
  }
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const expected = (UBYTE << 8) | rank;
  if (magic !== expected) {
    throw new Error(
      `${path}: wrong magic number 0x${magic.toString(16).padStart(8, "0")} (expected 0x${
        expected.toString(16).padStart(8, "0")
      }: ` +
        `an unsigned-byte IDX file with ${rank} dimension${rank > 1 ? "s" : ""})`,
    );
  }
  if (bytes.length < header) {
    throw new Error(`${path}: truncated IDX file: ${bytes.length} bytes, the header alone needs ${header}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length < header + size) {
    throw new Error(
      `${path}: truncated IDX file: shape [${shape}] needs ${
        header + size
      } bytes, the file has ${bytes.length}`,
    );
  }
  return { shape, data: bytes.subarray(header, header + size) };
}
