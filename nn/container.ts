/**
 * Containers that hold submodules without a forward of their own, as `nn.ModuleList` and `nn.ModuleDict`: a model
 * keeps its blocks in one and loops over them. Their children are named by position ("0", "1", …) or by key, so
 * state-dict keys read `h.0.attn.c_attn.weight` as in PyTorch.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";

function checkModule(container: string, m: unknown, what: string): void {
  if (!(m instanceof Module)) {
    const got = m === null ? "null" : typeof m === "object" ? m.constructor.name : typeof m;
    throw new TypeError(`${container}: ${what} is not a Module subclass (got ${got})`);
  }
}

/**
 * Submodules in a list, as `nn.ModuleList`: registered (their parameters are the container's, under "0.", "1.", …)
 * and indexed like an array; it has no forward, so a model iterates over it.
 *
 * @example
 * ```ts
 * import { Linear, ModuleList } from "@gradstep/gradstep/nn";
 * import { randn } from "@gradstep/gradstep";
 * const layers = new ModuleList([new Linear(8, 8), new Linear(8, 8)]);
 * layers.append(new Linear(8, 4));
 * let x = randn([2, 8]);
 * for (const layer of layers) x = layer.forward(x);
 * console.log(layers.namedParameters().map(([name]) => name)[4]); // "2.weight"
 * ```
 */
export class ModuleList<T extends Module = Module> extends Module implements Iterable<T> {
  readonly #modules: T[] = [];

  /** A list of `modules` (default empty). */
  constructor(modules: Iterable<T> = []) {
    super();
    this.extend(modules);
  }

  /**
   * The modules named by position.
   *
   * @example
   * ```ts
   * import { Linear, ModuleList } from "@gradstep/gradstep/nn";
   * const layers = new ModuleList([new Linear(4, 4), new Linear(4, 2)]);
   * const names = layers.namedChildren().map(([name]) => name); // ["0", "1"]
   * ```
   */
  override namedChildren(): [string, Module][] {
    return this.#modules.map((m, i) => [String(i), m]);
  }

  /** The number of modules. */
  get length(): number {
    return this.#modules.length;
  }

  /**
   * The module at `index` (negative counts from the end); throws when out of range, as PyTorch's indexing.
   *
   * @example
   * ```ts
   * import { Linear, ModuleList } from "@gradstep/gradstep/nn";
   * const layers = new ModuleList([new Linear(4, 4), new Linear(4, 2)]);
   * const last = layers.at(-1); // the Linear(4, 2)
   * ```
   */
  at(index: number): T {
    return this.#modules[this.#position(index)];
  }

  /**
   * Replaces the module at `index` (negative counts from the end).
   *
   * @example
   * ```ts
   * import { Linear, ModuleList } from "@gradstep/gradstep/nn";
   * const layers = new ModuleList([new Linear(4, 4), new Linear(4, 2)]);
   * layers.set(1, new Linear(4, 3));
   * ```
   */
  set(index: number, module: T): void {
    checkModule("ModuleList", module, "the module set");
    this.#modules[this.#position(index)] = module;
  }

  /** Adds `module` at the end; returns this. */
  append(module: T): this {
    checkModule("ModuleList", module, `module ${this.#modules.length}`);
    this.#modules.push(module);
    return this;
  }

  /**
   * Adds every module of `modules` at the end; returns this.
   *
   * @example
   * ```ts
   * import { Linear, ModuleList } from "@gradstep/gradstep/nn";
   * const layers = new ModuleList<Linear>().extend([new Linear(4, 4), new Linear(4, 2)]); // length 2
   * ```
   */
  extend(modules: Iterable<T>): this {
    if (modules === null || typeof (modules as Iterable<T>)[Symbol.iterator] !== "function") {
      throw new TypeError(`ModuleList.extend should be called with an iterable, but got ${typeof modules}`);
    }
    for (const m of modules) this.append(m);
    return this;
  }

  /**
   * Inserts `module` before position `index` (clamped to the list, negative counting from the end, as Python's).
   *
   * @example
   * ```ts
   * import { Linear, ModuleList } from "@gradstep/gradstep/nn";
   * const layers = new ModuleList([new Linear(4, 2)]);
   * layers.insert(0, new Linear(4, 4)); // now Linear(4, 4), Linear(4, 2)
   * ```
   */
  insert(index: number, module: T): void {
    checkModule("ModuleList", module, "the module inserted");
    const n = this.#modules.length;
    const at = index < 0 ? Math.max(0, n + index) : Math.min(index, n);
    this.#modules.splice(at, 0, module);
  }

  /**
   * Removes and returns the module at `index` (default the last).
   *
   * @example
   * ```ts
   * import { Linear, ModuleList } from "@gradstep/gradstep/nn";
   * const layers = new ModuleList([new Linear(4, 4), new Linear(4, 2)]);
   * const last = layers.pop(); // the Linear(4, 2); one module left
   * ```
   */
  pop(index = -1): T {
    const at = this.#position(index);
    return this.#modules.splice(at, 1)[0];
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<T> {
    return this.#modules[Symbol.iterator]();
  }

  /**
   * A ModuleList has no forward of its own: iterate over its modules.
   *
   * @example
   * ```ts
   * import { Linear, ModuleList } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const layers = new ModuleList([new Linear(4, 4), new Linear(4, 2)]);
   * // layers.forward(x) throws; run the modules instead:
   * const y = [...layers].reduce((x, layer) => layer.forward(x), randn([3, 4]));
   * ```
   */
  forward(..._inputs: Tensor[]): Tensor {
    throw new Error(`ModuleList has no forward(); call forward on the modules it holds`);
  }

  /** `index` as a position in the list (negative counts from the end), as PyTorch's `_get_abs_string_index`. */
  #position(index: number): number {
    const at = index < 0 ? this.#modules.length + index : index;
    if (!Number.isInteger(index) || at < 0 || at >= this.#modules.length) {
      throw new RangeError(`index ${index} is out of range`);
    }
    return at;
  }
}

/**
 * Submodules by name, as `nn.ModuleDict`: registered under their keys (in insertion order), so a parameter reads
 * `encoder.weight`; it has no forward.
 *
 * @example
 * ```ts
 * import { Linear, ModuleDict, ReLU } from "@gradstep/gradstep/nn";
 * const heads = new ModuleDict({ encoder: new Linear(8, 4), act: new ReLU() });
 * heads.set("decoder", new Linear(4, 8));
 * console.log(Object.keys(heads.stateDict())); // ["encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"]
 * ```
 */
export class ModuleDict<T extends Module = Module> extends Module {
  readonly #modules = new Map<string, T>();

  /** A dictionary of the modules in `modules` (default empty), in their key order. */
  constructor(modules: Record<string, T> | Iterable<[string, T]> = {}) {
    super();
    this.update(modules);
  }

  /**
   * The modules named by their keys.
   *
   * @example
   * ```ts
   * import { Linear, ModuleDict } from "@gradstep/gradstep/nn";
   * const heads = new ModuleDict({ cls: new Linear(8, 10), box: new Linear(8, 4) });
   * const names = heads.namedChildren().map(([name]) => name); // ["cls", "box"]
   * ```
   */
  override namedChildren(): [string, Module][] {
    return [...this.#modules];
  }

  /** The number of modules. */
  get size(): number {
    return this.#modules.size;
  }

  /**
   * The module under `key`; throws when there is none, as PyTorch's indexing.
   *
   * @example
   * ```ts
   * import { Linear, ModuleDict } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const heads = new ModuleDict({ cls: new Linear(8, 10), box: new Linear(8, 4) });
   * const logits = heads.get("cls").forward(randn([2, 8])); // [2, 10]
   * ```
   */
  get(key: string): T {
    const m = this.#modules.get(key);
    if (m === undefined) throw new Error(`ModuleDict has no module named "${key}"`);
    return m;
  }

  /**
   * Whether a module is registered under `key`.
   *
   * @example
   * ```ts
   * import { Linear, ModuleDict } from "@gradstep/gradstep/nn";
   * const heads = new ModuleDict({ cls: new Linear(8, 10) });
   * const hasBox = heads.has("box"); // false
   * ```
   */
  has(key: string): boolean {
    return this.#modules.has(key);
  }

  /** Registers `module` under `key` (replacing one already there, keeping its place). */
  set(key: string, module: T): void {
    if (typeof key !== "string") throw new TypeError(`module name should be a string. Got ${typeof key}`);
    if (key.includes(".")) throw new Error(`module name can't contain ".", got: ${key}`);
    if (key === "") throw new Error('module name can\'t be empty string ""');
    checkModule("ModuleDict", module, `the module "${key}"`);
    this.#modules.set(key, module);
  }

  /**
   * Removes and returns the module under `key`.
   *
   * @example
   * ```ts
   * import { Linear, ModuleDict } from "@gradstep/gradstep/nn";
   * const heads = new ModuleDict({ cls: new Linear(8, 10), box: new Linear(8, 4) });
   * const box = heads.pop("box"); // heads.size is 1
   * ```
   */
  pop(key: string): T {
    const m = this.get(key);
    this.#modules.delete(key);
    return m;
  }

  /**
   * Removes every module.
   *
   * @example
   * ```ts
   * import { Linear, ModuleDict } from "@gradstep/gradstep/nn";
   * const heads = new ModuleDict({ cls: new Linear(8, 10) });
   * heads.clear(); // heads.size is 0
   * ```
   */
  clear(): void {
    this.#modules.clear();
  }

  /**
   * Registers each module of `modules` under its key, in order.
   *
   * @example
   * ```ts
   * import { Linear, ModuleDict } from "@gradstep/gradstep/nn";
   * const heads = new ModuleDict({ cls: new Linear(8, 10) });
   * heads.update({ box: new Linear(8, 4) }); // keys: ["cls", "box"]
   * ```
   */
  update(modules: Record<string, T> | Iterable<[string, T]>): void {
    const entries = Symbol.iterator in modules
      ? [...(modules as Iterable<[string, T]>)]
      : Object.entries(modules as Record<string, T>);
    for (const [key, m] of entries) this.set(key, m);
  }

  /** The keys, in order. */
  keys(): string[] {
    return [...this.#modules.keys()];
  }

  /**
   * The modules, in key order.
   *
   * @example
   * ```ts
   * import { Linear, ModuleDict } from "@gradstep/gradstep/nn";
   * const heads = new ModuleDict({ cls: new Linear(8, 10), box: new Linear(8, 4) });
   * const outFeatures = heads.values().map((m) => m.outFeatures); // [10, 4]
   * ```
   */
  values(): T[] {
    return [...this.#modules.values()];
  }

  /**
   * The [key, module] pairs, in order.
   *
   * @example
   * ```ts
   * import { Linear, ModuleDict } from "@gradstep/gradstep/nn";
   * const heads = new ModuleDict({ cls: new Linear(8, 10), box: new Linear(8, 4) });
   * for (const [name, head] of heads.entries()) console.log(name, head.outFeatures);
   * ```
   */
  entries(): [string, T][] {
    return [...this.#modules];
  }

  /**
   * A ModuleDict has no forward of its own: call its modules.
   *
   * @example
   * ```ts
   * import { Linear, ModuleDict } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const heads = new ModuleDict({ cls: new Linear(8, 10), box: new Linear(8, 4) });
   * // heads.forward(x) throws; call the modules instead:
   * const x = randn([2, 8]);
   * const outputs = Object.fromEntries(heads.entries().map(([name, head]) => [name, head.forward(x)]));
   * ```
   */
  forward(..._inputs: Tensor[]): Tensor {
    throw new Error(`ModuleDict has no forward(); call forward on the modules it holds`);
  }
}
