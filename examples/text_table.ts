/**
 * Tables of results as aligned terminal text or as Markdown.
 *
 * @module
 */

/** A table: a header row and rows of cells, all the same length. */
export interface Table {
  /** Column titles. */
  header: string[];
  /** The rows' cells. */
  rows: string[][];
  /** Each column's alignment; default: the first left, the others (numbers) right. */
  align?: ("left" | "right")[];
}

function alignment(table: Table, column: number): "left" | "right" {
  return table.align?.[column] ?? (column === 0 ? "left" : "right");
}

function checkShape({ header, rows }: Table): void {
  const bad = rows.findIndex((row) => row.length !== header.length);
  if (bad >= 0) {
    throw new Error(
      `table row ${bad} has ${rows[bad].length} cells, expected ${header.length} (the header's)`,
    );
  }
}

/**
 * The table as aligned columns (see {@link Table.align}), a rule under the header.
 *
 * @example
 * ```ts
 * import { terminalTable } from "./text_table.ts";
 * console.log(terminalTable({ header: ["optimizer", "accuracy"], rows: [["sgd", "97.1%"], ["adam", "97.6%"]] }));
 * ```
 */
export function terminalTable(table: Table): string {
  checkShape(table);
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const line = (row: string[]): string =>
    row.map((cell, c) => alignment(table, c) === "left" ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("  ");
  return [line(table.header), widths.map((w) => "-".repeat(w)).join("  "), ...table.rows.map(line)].join(
    "\n",
  );
}

/**
 * The table in Markdown (GitHub's pipe tables), aligned as {@link Table.align} says.
 *
 * @example
 * ```ts
 * import { markdownTable } from "./text_table.ts";
 * await Deno.writeTextFile("results.md", markdownTable({ header: ["optimizer", "accuracy"], rows: [["sgd", "97.1%"]] }));
 * ```
 */
export function markdownTable(table: Table): string {
  checkShape(table);
  const line = (row: string[]): string => `| ${row.map((cell) => cell.replaceAll("|", "\\|")).join(" | ")} |`;
  const rule = table.header.map((_, c) => (alignment(table, c) === "left" ? ":---" : "---:"));
  return [line(table.header), `|${rule.map((r) => ` ${r} `).join("|")}|`, ...table.rows.map(line)].join("\n");
}
