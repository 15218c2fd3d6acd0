/**
 * Run-time checks of what users pass (TypeScript's types are gone at run time: a string lr passes `lr >= 0`):
 * the shared helpers the optimizers, schedulers, layers, DataLoader, GradScaler, gradient clipping and
 * checkpoints use to refuse a value of the wrong type or range with an Error naming it, before they change
 * anything. Range errors that PyTorch words are worded at the call site, in PyTorch's words.
 *
 * @module
 */

/**
 * Throws `message` (a RangeError) unless `ok`.
 *
 * @example
 * ```ts
 * import { check } from "./validation.ts";
 * const p = 0.5;
 * check(p >= 0 && p <= 1, `dropout probability has to be between 0 and 1, but got ${p}`);
 * ```
 */
export function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

/**
 * What a value's type is, as a message names it: "null", "an array", a class's name or `typeof`.
 *
 * @example
 * ```ts
 * import { describe } from "./validation.ts";
 * console.log(describe(new Map())); // "Map"
 * ```
 */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? (value as object).constructor?.name ?? "object" : typeof value;
}

/**
 * `value` as an error message shows it: strings quoted, arrays listed, objects by their type.
 *
 * @example
 * ```ts
 * import { shown } from "./validation.ts";
 * console.log(shown(["1", 2])); // [the string "1", 2]
 * ```
 */
export function shown(value: unknown): string {
  if (typeof value === "string") return `the string "${value}"`;
  if (Array.isArray(value)) return `[${value.map(shown).join(", ")}]`;
  return typeof value === "object" && value !== null ? describe(value) : String(value);
}

/** A check of one named option: throws a TypeError or RangeError naming it and its value. */
export type Check = (name: string, value: unknown) => void;

function invalid(name: string, expected: string, value: unknown): string {
  return `Invalid ${name}: expected ${expected}, got ${shown(value)}`;
}

/**
 * A number that is not NaN (±Infinity passes; `finite` refuses it too).
 *
 * @example
 * ```ts
 * import { number } from "./validation.ts";
 * number("gamma", 0.5); // passes; number("gamma", "0.5") throws a TypeError
 * ```
 */
export function number(name: string, value: unknown): void {
  if (typeof value !== "number") throw new TypeError(invalid(name, "a number", value));
  check(!Number.isNaN(value), invalid(name, "a number", value));
}

/**
 * A finite number.
 *
 * @example
 * ```ts
 * import { finite } from "./validation.ts";
 * finite("eps", 1e-5); // passes; finite("eps", Infinity) throws a RangeError
 * ```
 */
export function finite(name: string, value: unknown): void {
  number(name, value);
  check(Number.isFinite(value), invalid(name, "a finite number", value));
}

/**
 * A check that `value` is a number ≥ `min` (a TypeError for a non-number, a RangeError for NaN or less).
 *
 * @example
 * ```ts
 * import { atLeast } from "./validation.ts";
 * atLeast(0)("maxNorm", 1.0); // passes; atLeast(0)("maxNorm", -1) throws
 * ```
 */
export function atLeast(min: number): Check {
  const expected = `a number >= ${min}`;
  return (name, value) => {
    if (typeof value !== "number") throw new TypeError(invalid(name, expected, value));
    check(value >= min, invalid(name, expected, value));
  };
}

/**
 * A check that `value` is an integer ≥ `min` (a TypeError for a non-number, a RangeError otherwise).
 *
 * @example
 * ```ts
 * import { integer } from "./validation.ts";
 * integer(1)("batchSize", 64); // passes; integer(1)("batchSize", 0) throws
 * ```
 */
export function integer(min: number): Check {
  const expected = min === -Infinity ? "an integer" : `an integer >= ${min}`;
  return (name, value) => {
    if (typeof value !== "number") throw new TypeError(invalid(name, expected, value));
    check(Number.isInteger(value) && value >= min, invalid(name, expected, value));
  };
}

/**
 * A boolean.
 *
 * @example
 * ```ts
 * import { boolean } from "./validation.ts";
 * boolean("shuffle", true); // passes; boolean("shuffle", "yes") throws
 * ```
 */
export function boolean(name: string, value: unknown): void {
  if (typeof value !== "boolean") throw new TypeError(invalid(name, "a boolean", value));
}

/**
 * A string.
 *
 * @example
 * ```ts
 * import { string } from "./validation.ts";
 * string("path", "model.safetensors"); // passes; string("path", 3) throws
 * ```
 */
export function string(name: string, value: unknown): void {
  if (typeof value !== "string") throw new TypeError(invalid(name, "a string", value));
}

/**
 * A function.
 *
 * @example
 * ```ts
 * import { func } from "./validation.ts";
 * func("lrLambda", (epoch: number) => 0.9 ** epoch); // passes; func("lrLambda", 0.9) throws
 * ```
 */
export function func(name: string, value: unknown): void {
  if (typeof value !== "function") throw new TypeError(invalid(name, "a function", value));
}

/**
 * Any value: an option its owner checks itself (in PyTorch's words), listed so that it is not refused as unknown.
 *
 * @example
 * ```ts
 * import { anything, checkOptions } from "./validation.ts";
 * checkOptions("OneCycleLR", { totalSteps: 100 }, { totalSteps: anything });
 * ```
 */
export function anything(_name: string, _value: unknown): void {}

/**
 * A check that every element of an array passes `each` (a number or an array of numbers, per param group, is
 * `oneOrMany(number)`).
 *
 * @example
 * ```ts
 * import { arrayOf, integer } from "./validation.ts";
 * arrayOf(integer(0))("milestones", [30, 80]); // passes; arrayOf(integer(0))("milestones", 30) throws
 * ```
 */
export function arrayOf(each: Check): Check {
  return (name, value) => {
    if (!Array.isArray(value)) throw new TypeError(invalid(name, "an array", value));
    value.forEach((v, i) => each(`${name}[${i}]`, v));
  };
}

/**
 * A check that `value` passes `each` or is an array whose every element does.
 *
 * @example
 * ```ts
 * import { number, oneOrMany } from "./validation.ts";
 * oneOrMany(number)("maxLr", [0.1, 0.01]); // passes, as does 0.1
 * ```
 */
export function oneOrMany(each: Check): Check {
  const many = arrayOf(each);
  return (name, value) => (Array.isArray(value) ? many(name, value) : each(name, value));
}

/**
 * A check that `value` is null or passes `each`.
 *
 * @example
 * ```ts
 * import { nullable, number } from "./validation.ts";
 * nullable(number)("maxNorm", null); // passes, as does 1.5
 * ```
 */
export function nullable(each: Check): Check {
  return (name, value) => (value === null ? undefined : each(name, value));
}

/**
 * A check that `value` passes `each` or is a list of exactly 2 values that do (a size given once for both
 * spatial dimensions, or as [height, width]).
 *
 * @example
 * ```ts
 * import { integer, pairOf } from "./validation.ts";
 * pairOf(integer(1))("kernelSize", [3, 3]); // passes; [3, 3, 3] throws
 * ```
 */
export function pairOf(each: Check): Check {
  return (name, value) => {
    if (!Array.isArray(value)) return each(name, value);
    if (value.length !== 2) {
      throw new RangeError(
        `Invalid ${name}: expected a single integer value or a list of 2 values, got ${name}=${shown(value)}`,
      );
    }
    value.forEach((v, i) => each(`${name}[${i}]`, v));
  };
}

/**
 * A check that `value` is one of `values` (a TypeError when it is not even of their type).
 *
 * @example
 * ```ts
 * import { oneOf } from "./validation.ts";
 * oneOf(["mean", "sum", "none"])("reduction", "sum"); // passes; "avg" throws
 * ```
 */
export function oneOf(values: readonly (string | number | boolean)[]): Check {
  const expected = `one of ${values.map((v) => (typeof v === "string" ? `"${v}"` : String(v))).join(", ")}`;
  return (name, value) => {
    if (!values.some((v) => typeof v === typeof value)) throw new TypeError(invalid(name, expected, value));
    check(values.includes(value as string), invalid(name, expected, value));
  };
}

/**
 * A check that `value` is an instance of `type` (a Generator, a Tensor, a Module…).
 *
 * @example
 * ```ts
 * import { instanceOf } from "./validation.ts";
 * instanceOf(Map)("cache", new Map()); // passes; instanceOf(Map)("cache", {}) throws
 * ```
 */
// deno-lint-ignore no-explicit-any
export function instanceOf(type: abstract new (...args: any[]) => unknown): Check {
  const expected = `a ${type.name}`;
  return (name, value) => {
    if (!(value instanceof type)) throw new TypeError(invalid(name, expected, value));
  };
}

/**
 * Throws a TypeError unless `options` is an object (or undefined) whose every entry is a key of `spec` and passes
 * its check; entries given as undefined are not given. `required` names the keys that must be given.
 *
 * @example
 * ```ts
 * import { checkOptions, integer, number } from "./validation.ts";
 * checkOptions("StepLR", { stepSize: 7, gamma: 0.1 }, { stepSize: integer(1), gamma: number }, ["stepSize"]);
 * ```
 */
export function checkOptions(
  owner: string,
  options: unknown,
  spec: Readonly<Record<string, Check>>,
  required: readonly string[] = [],
): void {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${owner}: expected an options object, got ${shown(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (!Object.hasOwn(spec, key)) {
      throw new TypeError(
        `${owner}: unexpected option ${key}: expected one of ${Object.keys(spec).join(", ")}`,
      );
    }
    if (value !== undefined) spec[key](key, value);
  }
  for (const key of required) {
    if (given[key] === undefined) throw new TypeError(`${owner}: missing required option ${key}`);
  }
}
