/**
 * How many of the package's exported classes and functions (and their classes' public methods) have an
 * `@example`: reads `deno doc --json` of the entry points in deno.json's "exports", follows re-exports to their
 * declarations, and prints the counts and the names without one.
 *
 *   deno run --allow-read --allow-run=deno tools/example_coverage.ts [--methods] [--check]
 *
 * --methods also lists the public methods without an example of their own and not called in their class's
 * example; --check exits with status 1 when an exported class or function has no example.
 *
 * @module
 */

interface JsDoc {
  doc?: string;
  tags?: { kind: string; doc?: string }[];
}
interface Location {
  filename: string;
  line: number;
  col: number;
}
interface Method {
  name: string;
  kind: string;
  accessibility?: string;
  isStatic?: boolean;
  jsDoc?: JsDoc;
  location: Location;
}
interface Declaration {
  kind: string;
  location: Location;
  jsDoc?: JsDoc;
  def?: {
    target?: Location;
    methods?: Method[];
    elements?: DocSymbol[];
  };
}
interface DocSymbol {
  name: string;
  declarations: Declaration[];
}
interface DocJson {
  nodes: Record<string, { symbols: DocSymbol[] }>;
}

const root = new URL("../", import.meta.url);

/** `deno doc --json` of `files`. */
async function docJson(files: string[]): Promise<DocJson> {
  const { code, stdout, stderr } = await new Deno.Command("deno", {
    args: ["doc", "--json", ...files],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno doc --json failed:\n${new TextDecoder().decode(stderr)}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

const key = (l: Location): string => `${l.filename}:${l.line}:${l.col}`;
const hasExample = (doc: JsDoc | undefined): boolean => doc?.tags?.some((t) => t.kind === "example") ?? false;
const exampleText = (doc: JsDoc | undefined): string =>
  (doc?.tags ?? []).filter((t) => t.kind === "example").map((t) => t.doc ?? "").join("\n");
const where = (l: Location): string => `${l.filename.replace(root.href, "")}:${l.line}`;

/** Every declaration in `symbols` (namespaces' members too), keyed by its location. */
function index(symbols: DocSymbol[], into: Map<string, DocSymbol>): void {
  for (const symbol of symbols) {
    for (const d of symbol.declarations) {
      if (d.kind !== "reference") into.set(key(d.location), { name: symbol.name, declarations: [d] });
      if (d.def?.elements) index(d.def.elements, into);
    }
  }
}

const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
const entries = Object.values(config.exports as Record<string, string>);
const doc = await docJson(entries);
const byLocation = new Map<string, DocSymbol>();
for (const node of Object.values(doc.nodes)) index(node.symbols, byLocation);

// Re-exports (`export { X } from`) point at their declarations; document any file not indexed yet.
const targets = (symbols: DocSymbol[]): Location[] =>
  symbols.flatMap((s) =>
    s.declarations.flatMap((d) => [
      ...(d.def?.target ? [d.def.target] : []),
      ...targets(d.def?.elements ?? []),
    ])
  );
const allTargets = Object.values(doc.nodes).flatMap((n) => targets(n.symbols));
const missing = [...new Set(allTargets.filter((t) => !byLocation.has(key(t))).map((t) => t.filename))];
if (missing.length > 0) {
  const more = await docJson(missing.map((f) => new URL(f).pathname));
  for (const node of Object.values(more.nodes)) index(node.symbols, byLocation);
}

/** One exported class or function: all its declarations (overloads), deduplicated across entry points. */
interface Item {
  name: string;
  kind: "class" | "function";
  declarations: Declaration[];
}
const items = new Map<string, Item>();
function collect(symbols: DocSymbol[], prefix: string): void {
  for (const symbol of symbols) {
    const declarations = symbol.declarations.map((d) => {
      if (d.kind !== "reference") return d;
      const resolved = byLocation.get(key(d.def!.target!));
      if (!resolved) throw new Error(`${symbol.name}: no declaration at ${key(d.def!.target!)}`);
      return resolved.declarations[0];
    });
    for (const d of declarations) {
      if (d.kind === "namespace") collect(d.def?.elements ?? [], `${prefix}${symbol.name}.`);
    }
    const kinds = declarations.filter((d) => d.kind === "class" || d.kind === "function");
    if (kinds.length === 0) continue;
    // Overloads share a name and a file; the first declaration's location names the item.
    const id = `${kinds[0].location.filename}#${symbol.name}`;
    const item = items.get(id) ??
      { name: `${prefix}${symbol.name}`, kind: kinds[0].kind as Item["kind"], declarations: [] };
    for (const d of kinds) {
      if (!item.declarations.some((e) => key(e.location) === key(d.location))) item.declarations.push(d);
    }
    items.set(id, item);
  }
}
for (const node of Object.values(doc.nodes)) collect(node.symbols, "");

const sorted = [...items.values()].sort((a, b) => a.name.localeCompare(b.name));
const without = sorted.filter((i) => !i.declarations.some((d) => hasExample(d.jsDoc)));

// Public methods users call: not private or protected, and not a getter or setter.
interface MethodRow {
  name: string;
  own: boolean;
  shown: boolean;
  location: Location;
}
const methods: MethodRow[] = [];
for (const item of sorted.filter((i) => i.kind === "class")) {
  const declaration = item.declarations[0];
  const classExample = exampleText(declaration.jsDoc);
  const byName = new Map<string, Method[]>();
  for (const m of declaration.def?.methods ?? []) {
    if (m.kind !== "method" || m.accessibility === "private" || m.accessibility === "protected") continue;
    if (m.name.startsWith("#") || m.name.startsWith("[")) continue;
    byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  }
  for (const [name, overloads] of byName) {
    const own = overloads.some((m) => hasExample(m.jsDoc));
    const call = overloads[0].isStatic ? `${item.name}.${name}(` : `.${name}(`;
    methods.push({
      name: `${item.name}${overloads[0].isStatic ? "." : ".prototype."}${name}`,
      own,
      shown: own || classExample.includes(call),
      location: overloads[0].location,
    });
  }
}

const pct = (n: number, of: number): string => `${n}/${of} (${(100 * n / Math.max(of, 1)).toFixed(1)}%)`;
const classes = sorted.filter((i) => i.kind === "class");
const functions = sorted.filter((i) => i.kind === "function");
const covered = (list: Item[]): number => list.filter((i) => !without.includes(i)).length;
console.log(`entry points: ${entries.join(", ")}`);
console.log(`classes with @example:   ${pct(covered(classes), classes.length)}`);
console.log(`functions with @example: ${pct(covered(functions), functions.length)}`);
console.log(
  `public methods with their own @example: ${pct(methods.filter((m) => m.own).length, methods.length)}`,
);
console.log(
  `public methods with their own @example or called in their class's: ${
    pct(methods.filter((m) => m.shown).length, methods.length)
  }`,
);
if (without.length > 0) {
  console.log(`\nwithout @example (${without.length}):`);
  for (const i of without) console.log(`  ${i.kind} ${i.name}  ${where(i.declarations[0].location)}`);
}
if (Deno.args.includes("--methods")) {
  const unshown = methods.filter((m) => !m.shown);
  console.log(`\nmethods neither with an @example nor in their class's (${unshown.length}):`);
  for (const m of unshown) console.log(`  ${m.name}  ${where(m.location)}`);
}
if (Deno.args.includes("--check") && without.length > 0) Deno.exit(1);
