/**
 * Host-side layout helpers: flat values to nested arrays and back.
 *
 * @module
 */
import type { TypedArray } from "./dtype.ts";

/** Nested arrays of `shape` holding `values` row-major (a number for a 0-d shape). */
export function toNested(
  values: TypedArray | readonly number[],
  shape: readonly number[],
): number | unknown[] {
  if (shape.length === 0) return Number(values[0]);
  let at = 0;
  const build = (d: number): unknown[] => {
    const out = new Array(shape[d]);
    for (let i = 0; i < shape[d]; i++) out[i] = d === shape.length - 1 ? Number(values[at++]) : build(d + 1);
    return out;
  };
  return build(0);
}

/** The shape and row-major values of nested arrays of numbers or booleans, with an error for ragged input. */
export function fromNested(
  data: unknown,
): { shape: number[]; values: number[]; allBooleans: boolean } {
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: number[] = [];
  let allBooleans = true;
  const walk = (node: unknown, d: number, path: string): void => {
    if (d === shape.length) {
      if (typeof node === "boolean") {
        values.push(node ? 1 : 0);
        return;
      }
      if (typeof node !== "number") {
        throw new TypeError(`tensor(): expected a number at ${path || "the top level"}, got ${typeof node}`);
      }
      allBooleans = false;
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[d]) {
      throw new Error(
        `tensor(): expected a sequence of length ${shape[d]} at ${
          path || "the top level"
        } (data must not be ragged), ` +
          `got ${Array.isArray(node) ? `length ${node.length}` : typeof node}`,
      );
    }
    node.forEach((child, i) => walk(child, d + 1, `${path}[${i}]`));
  };
  walk(data, 0, "");
  if (values.length === 0) allBooleans = false;
  return { shape, values, allBooleans };
}
