/**
 * The one place that names third-party-shaped dependencies of the examples and tests: assertions (shaped like
 * `@std/assert`) and command-line flags (shaped like `@std/cli`'s `parseArgs`), both implemented on Deno's
 * built-in Node modules because JSR is not reachable where gradstep is built. Moving to `@std/assert` and
 * `@std/cli` is an edit of this file alone.
 *
 * @module
 */
import { AssertionError, deepStrictEqual, ok } from "node:assert/strict";
import { parseArgs as nodeParseArgs } from "node:util";

/** Throws unless `condition` is truthy. */
export function assert(condition: unknown, message?: string): asserts condition {
  // Two calls, not ok(condition, message): @types/node (which npm packages such as puppeteer-core bring into the
  // type-check) types the message as a string or an Error, never undefined.
  if (message === undefined) ok(condition);
  else ok(condition, message);
}

/** Throws unless `actual` and `expected` are deeply equal. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  if (message === undefined) deepStrictEqual(actual, expected);
  else deepStrictEqual(actual, expected, message);
}

/** Throws unless `fn` throws an instance of `ErrorClass` (default Error) whose message includes `msgIncludes`. */
export function assertThrows(
  fn: () => unknown,
  ErrorClass: new (...args: never[]) => Error = Error,
  msgIncludes?: string,
): Error {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  return checkThrown(thrown, ErrorClass, msgIncludes);
}

/** Like {@link assertThrows} for a function whose promise must reject. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  ErrorClass: new (...args: never[]) => Error = Error,
  msgIncludes?: string,
): Promise<Error> {
  let thrown: unknown;
  try {
    await fn();
  } catch (error) {
    thrown = error;
  }
  return checkThrown(thrown, ErrorClass, msgIncludes);
}

function checkThrown(
  thrown: unknown,
  ErrorClass: new (...args: never[]) => Error,
  msgIncludes?: string,
): Error {
  if (thrown === undefined) {
    throw new AssertionError({ message: `Expected function to throw ${ErrorClass.name}` });
  }
  if (!(thrown instanceof ErrorClass)) {
    throw new AssertionError({ message: `Expected ${ErrorClass.name}, got ${String(thrown)}` });
  }
  if (msgIncludes !== undefined && !thrown.message.includes(msgIncludes)) {
    throw new AssertionError({
      message: `Expected error message to include "${msgIncludes}", got "${thrown.message}"`,
    });
  }
  return thrown;
}

/**
 * Parses `--name value` flags with string defaults, like `@std/cli`'s `parseArgs(args, { string, default })`;
 * unknown flags are an error.
 */
export function parseArgs<K extends string>(args: string[], defaults: Record<K, string>): Record<K, string> {
  const options = Object.fromEntries(
    Object.entries(defaults).map(([k, v]) => [k, { type: "string", default: v }]),
  );
  const { values } = nodeParseArgs({
    args,
    options: options as Record<string, { type: "string"; default: string }>,
  });
  return values as Record<K, string>;
}
