/**
 * The safetensors container (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header naming each tensor's `dtype`, `shape` and `data_offsets` (byte range in the data that follows)
 * with a `__metadata__` map of strings, then the tensors' bytes, little-endian (the byte order of every host Deno
 * runs on, so typed arrays are copied as they are), back to back. Reading checks
 * everything the format promises, so a truncated or damaged file is an Error, never a silently wrong tensor.
 *
 * @module
 */
import type { DType, TypedArray } from "../tensor/dtype.ts";

/** One tensor of a safetensors file: its dtype, shape and values. */
export interface StoredTensor {
  /** The element type. */
  dtype: DType;
  /** The shape. */
  shape: readonly number[];
  /** The values, row-major. */
  data: TypedArray;
}

/** A safetensors file's contents. */
export interface Safetensors {
  /** The tensors by name, in file order. */
  tensors: Map<string, StoredTensor>;
  /** The `__metadata__` map (empty when absent). */
  metadata: Record<string, string>;
  /** The header's JSON text as stored (with any padding). */
  header: string;
}

const CODES: Record<DType, string> = { float32: "F32", float16: "F16", int32: "I32", bool: "BOOL" };
const DTYPES = new Map(Object.entries(CODES).map(([dtype, code]) => [code, dtype as DType]));
const BYTES: Record<DType, number> = { float32: 4, float16: 2, int32: 4, bool: 1 };
/** The largest header the reference implementation accepts (100 MB). */
const MAX_HEADER = 100_000_000;

/**
 * The bytes of a safetensors file holding `tensors` (in order) and `metadata`; the header is padded with spaces
 * so the data starts 8-byte aligned.
 *
 * @example
 * ```ts
 * import { encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors([["w", { dtype: "float32", shape: [2], data: new Float32Array([1, 2]) }]], {});
 * ```
 */
export function encodeSafetensors(
  tensors: readonly [string, StoredTensor][],
  metadata: Record<string, string>,
): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * BYTES[t.dtype];
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, t] of tensors) {
    const view = t.dtype === "bool" ? Uint8Array.from(t.data as Uint8Array, (v) => (v ? 1 : 0)) : t.data;
    out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), at);
    at += view.byteLength;
  }
  return out;
}

/** Throws `Checkpoint <source>: <problem>`. */
function fail(source: string, problem: string): never {
  throw new Error(`Checkpoint ${source}: ${problem}`);
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A copy of `bytes` as the typed array of `dtype` (copied, so it is aligned and owns its memory). */
function typed(bytes: Uint8Array, dtype: DType): TypedArray {
  const buffer = bytes.slice().buffer;
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer);
    case "float16":
      return new Float16Array(buffer);
    case "int32":
      return new Int32Array(buffer);
    case "bool":
      return new Uint8Array(buffer);
  }
}

/**
 * Reads a safetensors file's bytes; throws, naming `source` and the problem, when the file is truncated, has
 * trailing bytes, a header that is not the format's JSON, an unknown dtype, or tensors whose byte ranges do not
 * tile the data exactly.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors([["w", { dtype: "int32", shape: [1], data: new Int32Array([7]) }]], { a: "b" });
 * decodeSafetensors(bytes, "example").tensors.get("w")?.data; // Int32Array [7]
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): Safetensors {
  if (bytes.length < 8) {
    fail(
      source,
      `${bytes.length} bytes is too short for safetensors, whose first 8 bytes give the header length`,
    );
  }
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    fail(
      source,
      `the header length is ${declared} bytes but ${
        bytes.length - 8
      } bytes follow (at most ${MAX_HEADER} allowed): ` +
        "the file is truncated or not safetensors",
    );
  }
  const headerEnd = 8 + Number(declared);
  let header: string;
  let parsed: unknown;
  try {
    header = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, headerEnd));
    parsed = JSON.parse(header);
  } catch (error) {
    fail(source, `the header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    fail(source, "the header is not a JSON object");
  }
  const { __metadata__: metadata = {}, ...entries } = parsed as Record<string, unknown>;
  if (
    metadata === null || typeof metadata !== "object" || Array.isArray(metadata) ||
    Object.values(metadata).some((v) => typeof v !== "string")
  ) {
    fail(source, "__metadata__ is not a map of strings to strings");
  }
  const dataLength = bytes.length - headerEnd;
  const ranges: [string, DType, number[], number, number][] = [];
  for (const [name, entry] of Object.entries(entries)) {
    const { dtype, shape, data_offsets: offsets, ...rest } = (entry ?? {}) as Record<string, unknown>;
    const type = DTYPES.get(dtype as string);
    if (typeof entry !== "object" || Array.isArray(entry) || Object.keys(rest).length) {
      fail(source, `tensor "${name}" is not {dtype, shape, data_offsets}`);
    }
    if (type === undefined) {
      fail(
        source,
        `tensor "${name}" has dtype ${JSON.stringify(dtype)}; gradstep reads ${[...DTYPES.keys()]}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      fail(source, `tensor "${name}" has shape ${JSON.stringify(shape)}, expected a list of sizes`);
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]
    ) {
      fail(source, `tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, expected [begin, end]`);
    }
    const size = shape.reduce((a: number, b: number) => a * b, 1) * BYTES[type];
    if (offsets[1] - offsets[0] !== size) {
      fail(
        source,
        `tensor "${name}" of shape [${shape}] ${dtype} needs ${size} bytes but data_offsets [${offsets}] give ` +
          `${offsets[1] - offsets[0]}`,
      );
    }
    ranges.push([name, type, shape, offsets[0], offsets[1]]);
  }
  ranges.sort((a, b) => a[3] - b[3] || a[4] - b[4]);
  let end = 0;
  for (const [name, , , begin, stop] of ranges) {
    if (begin !== end) {
      fail(
        source,
        `tensor "${name}" starts at byte ${begin} of the data, expected ${end} (no gaps or overlaps)`,
      );
    }
    end = stop;
  }
  if (end !== dataLength) {
    fail(
      source,
      end > dataLength
        ? `the tensors need ${end} bytes of data but ${dataLength} follow the header: the file is truncated`
        : `${dataLength - end} bytes follow the last tensor`,
    );
  }
  const tensors = new Map<string, StoredTensor>();
  for (const [name, dtype, shape, begin, stop] of ranges) {
    tensors.set(name, {
      dtype,
      shape,
      data: typed(bytes.subarray(headerEnd + begin, headerEnd + stop), dtype),
    });
  }
  return { tensors, metadata: metadata as Record<string, string>, header };
}
