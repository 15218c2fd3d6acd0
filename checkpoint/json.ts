/**
 * The JSON a checkpoint's metadata holds: data only — null, booleans, numbers, strings, arrays and plain objects —
 * with NaN and ±Infinity written as Python's `json` module writes and reads them (bare `NaN`, `Infinity`,
 * `-Infinity`), since state such as `ReduceLROnPlateau.best` starts at Infinity and standard JSON would turn it
 * into null.
 *
 * @module
 */

/** A value a checkpoint's metadata can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const NON_FINITE = new Map<string, number>([["NaN", NaN], ["Infinity", Infinity], ["-Infinity", -Infinity]]);
/** How {@link parseJson} marks a non-finite number while `JSON.parse` reads the text; no saved string starts so. */
const MARK = "\u0000gradstep:";

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value !== "object") return `a ${typeof value}`;
  return `a ${(value as object).constructor?.name ?? "prototype-less object"}`;
}

/**
 * `value` as JSON text with non-finite numbers written bare. Throws, naming the path (`what`), on anything that is
 * not data (functions, class instances, typed arrays, undefined in an array, symbols, bigints): a checkpoint holds
 * data, never code.
 *
 * @example
 * ```ts
 * import { stringifyJson } from "./json.ts";
 * stringifyJson({ best: Infinity, lrs: [0.1] }, "scheduler"); // '{"best":Infinity,"lrs":[0.1]}'
 * ```
 */
export function stringifyJson(value: unknown, what: string): string {
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  if (typeof value === "string") {
    if (value.startsWith(MARK)) throw new Error(`${what} is a string starting with a NUL character`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v, i) => stringifyJson(v, `${what}[${i}]`)).join(",")}]`;
  }
  if (typeof value === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const entries = Object.entries(value as object).filter(([, v]) => v !== undefined);
    return `{${
      entries.map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v, `${what}.${k}`)}`).join(",")
    }}`;
  }
  throw new TypeError(
    `${what} is ${describe(value)}, which a checkpoint cannot hold: expected JSON data (null, booleans, ` +
      "numbers, strings, arrays and plain objects)",
  );
}

/**
 * Parses JSON text as {@link stringifyJson} writes it (standard JSON plus bare `NaN`, `Infinity`, `-Infinity`);
 * throws a SyntaxError on anything else.
 *
 * @example
 * ```ts
 * import { parseJson } from "./json.ts";
 * parseJson('{"best":Infinity}'); // { best: Infinity }
 * ```
 */
export function parseJson(text: string): JsonValue {
  let marked = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "N" || c === "I" || c === "-") {
      const word = [...NON_FINITE.keys()].find((w) => text.startsWith(w, i));
      if (word === undefined) continue;
      marked += `${text.slice(from, i)}"\\u0000gradstep:${word}"`;
      i += word.length - 1;
      from = i + 1;
    }
  }
  marked += text.slice(from);
  return JSON.parse(
    marked,
    (_, v) => typeof v === "string" && v.startsWith(MARK) ? NON_FINITE.get(v.slice(MARK.length)) : v,
  );
}
