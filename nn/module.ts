/**
 * The Module base class: parameters and submodules found by walking the module's own fields, in the order they
 * were assigned, and buffers registered by name; all named as PyTorch names them (`0.weight`, `fc1.bias`,
 * `1.running_mean`, …), so state dicts interoperate with PyTorch's. Weight tying is an assignment
 * (`model.lmHead.weight = model.wte.weight`): the parameter is then counted once by `parameters()` (so by
 * optimizers and gradient clipping) and listed under both names by `stateDict()`, as in PyTorch.
 *
 * @module
 */
import { Device } from "../backends/device.ts";
import { noGrad } from "../autograd/node.ts";
import { tensor } from "../tensor/creation.ts";
import { sameShape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { Parameter } from "./parameter.ts";
import { boolean, checkOptions, instanceOf, shown } from "../tensor/validation.ts";

/** What {@link Module.loadStateDict} matched and did not. */
export interface LoadResult {
  /** Parameter and persistent buffer names the state did not have. */
  missingKeys: string[];
  /** Names in the state that are no parameter or persistent buffer of the module. */
  unexpectedKeys: string[];
}

/** A registered buffer: its tensor (or null, a declared but absent buffer) and whether the state dict holds it. */
interface Buffer {
  tensor: Tensor | null;
  persistent: boolean;
}

/**
 * The base of every layer and model. Subclasses assign parameters ({@link Parameter}) and submodules to fields and
 * implement `forward`.
 *
 * @example
 * ```ts
 * import { Linear, Module, ReLU } from "@gradstep/gradstep/nn";
 * import type { Tensor } from "@gradstep/gradstep";
 * class SimpleNN extends Module {
 *   fc1 = new Linear(784, 128);
 *   relu = new ReLU();
 *   fc2 = new Linear(128, 10);
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.forward(this.relu.forward(this.fc1.forward(x.flatten(1))));
 *   }
 * }
 * const model = new SimpleNN();
 * console.log(model.namedParameters().map(([name]) => name)); // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
 * ```
 */
export abstract class Module {
  /** Whether the module is in training mode (see {@link Module.train} and {@link Module.eval}). */
  training = true;
  readonly #buffers = new Map<string, Buffer>();

  /**
   * The computation; subclasses define its inputs and result (tensors, options objects, tuples), as PyTorch's
   * untyped `forward` does.
   */
  // deno-lint-ignore no-explicit-any
  abstract forward(...inputs: any[]): any;

  /**
   * The direct submodules with their field names; a module held by two fields is listed once, by the first.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new ReLU());
   * const names = model.namedChildren().map(([name]) => name); // ["0", "1"]
   * ```
   */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return Object.entries(this).filter((e): e is [string, Module] =>
      e[1] instanceof Module && !seen.has(e[1]) && seen.add(e[1]) !== undefined
    );
  }

  /**
   * The direct submodules, each once (a container holding one module at two positions yields it once).
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new ReLU());
   * const count = model.children().length; // 2
   * ```
   */
  children(): Module[] {
    return [...new Set(this.namedChildren().map(([, m]) => m))];
  }

  /**
   * Every name a direct submodule is held under, a module held twice listed twice (PyTorch's `_modules`): the
   * fields holding modules, or, for a module that names its children itself by overriding
   * {@link Module.namedChildren} (Sequential's "0", "1", …, ModuleDict's keys), those names only.
   */
  #childrenByName(): [string, Module][] {
    if (this.namedChildren !== Module.prototype.namedChildren) return this.namedChildren();
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /**
   * Calls `fn` on every submodule (children first, each child's own children before it) and then on this module;
   * returns this, as PyTorch's `apply`. The place for a custom initialisation.
   *
   * @example
   * ```ts
   * import { constant_, Linear, normal_, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new Linear(8, 2)).apply((m) => {
   *   if (m instanceof Linear) {
   *     normal_(m.weight, 0, 0.02);
   *     if (m.bias !== null) constant_(m.bias, 0);
   *   }
   * });
   * ```
   */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * This module and all submodules, depth first, each once (see {@link Module.namedModules}).
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new ReLU());
   * const linears = model.modules().filter((m) => m instanceof Linear).length; // 1
   * ```
   */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Sets `requiresGrad` on every parameter of this module and its submodules (freezing them with `false`: they get
   * no gradient, so optimizers leave them unchanged); returns this, as PyTorch's `requires_grad_`.
   *
   * @example
   * ```ts
   * import { Linear, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new Linear(8, 2));
   * (model.at(0) as Linear).requiresGrad_(false); // fine-tune the head only
   * console.log(model.parameters().map((p) => p.requiresGrad)); // [false, false, true, true]
   * ```
   */
  requiresGrad_(requiresGrad = true): this {
    boolean("requiresGrad", requiresGrad);
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * This module and all submodules, depth first, with dotted names ("" for this one); a module reachable twice is
   * listed once, under its first name, as PyTorch's `named_modules()`.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new ReLU());
   * const names = model.namedModules().map(([name]) => name); // ["", "0", "1"]
   * ```
   */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (module: Module, name: string): void => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([name, module]);
      for (const [childName, child] of module.namedChildren()) {
        visit(child, name ? `${name}.${childName}` : childName);
      }
    };
    visit(this, prefix);
    return out;
  }

  /**
   * Every parameter of this module and its submodules with its dotted name, each parameter once: a parameter shared
   * by two modules (weight tying, `lmHead.weight = wte.weight`) is listed by its first name only, as PyTorch's
   * `named_parameters()`, so optimizers and gradient clipping see it once.
   *
   * @example
   * ```ts
   * import { Linear, Module } from "@gradstep/gradstep/nn";
   * import type { Tensor } from "@gradstep/gradstep";
   * class Tied extends Module {
   *   inProj = new Linear(4, 4);
   *   outProj = new Linear(4, 4);
   *   constructor() {
   *     super();
   *     this.outProj.weight = this.inProj.weight; // one Parameter, two modules
   *   }
   *   forward(x: Tensor): Tensor {
   *     return this.outProj.forward(this.inProj.forward(x).relu());
   *   }
   * }
   * const model = new Tied();
   * console.log(model.namedParameters().map(([name]) => name)); // ["inProj.weight", "inProj.bias", "outProj.bias"]
   * console.log(Object.keys(model.stateDict())); // ["inProj.weight", "inProj.bias", "outProj.weight", "outProj.bias"]
   * ```
   */
  namedParameters(): [string, Parameter][] {
    return this.#named((module) =>
      Object.entries(module).filter((e): e is [string, Parameter] => e[1] instanceof Parameter)
    );
  }

  /**
   * Every parameter of this module and its submodules.
   *
   * @example
   * ```ts
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
   * const optimizer = new SGD(model.parameters(), { lr: 0.1 }); // 4 tensors: two weights, two biases
   * ```
   */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Registers `tensor` as the buffer `name` of this module, as PyTorch's `register_buffer`: state that is not
   * learned (running statistics, say), moved by {@link Module.to} and, when `persistent` (the default), saved and
   * loaded by {@link Module.stateDict} and {@link Module.loadStateDict} under `name`. A null tensor declares the
   * buffer without one. Registering a name again replaces its tensor.
   *
   * @example
   * ```ts
   * import { Module } from "@gradstep/gradstep/nn";
   * import { type Tensor, zeros } from "@gradstep/gradstep";
   * class Counter extends Module {
   *   constructor() {
   *     super();
   *     this.registerBuffer("total", zeros([1]));
   *   }
   *   forward(x: Tensor): Tensor {
   *     this.getBuffer("total")!.add_(x.sum().detach());
   *     return x;
   *   }
   * }
   * console.log(Object.keys(new Counter().stateDict())); // ["total"]
   * ```
   */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    if (typeof name !== "string") throw new TypeError(`buffer name should be a string. Got ${typeof name}`);
    if (name.includes(".")) throw new Error(`buffer name can't contain ".", got "${name}"`);
    if (name === "") throw new Error('buffer name can\'t be empty string ""');
    if (name in this && !this.#buffers.has(name)) throw new Error(`attribute '${name}' already exists`);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new TypeError(
        `cannot assign '${typeof tensor}' object to buffer '${name}' (Tensor or null required)`,
      );
    }
    this.#buffers.set(name, { tensor, persistent: options.persistent ?? true });
  }

  /**
   * The buffer at the dotted path `target` (`"1.running_mean"`), null when registered without a tensor; throws
   * when there is no such buffer, as PyTorch's `get_buffer`.
   *
   * @example
   * ```ts
   * import { BatchNorm1d, Linear, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new BatchNorm1d(8));
   * const mean = model.getBuffer("1.running_mean"); // zeros [8]
   * ```
   */
  getBuffer(target: string): Tensor | null {
    const path = target.split(".");
    const name = path.pop()!;
    const owner = path.length === 0 ? this : new Map(this.namedModules()).get(path.join("."));
    const buffer = owner === undefined ? undefined : owner.#buffers.get(name);
    if (buffer === undefined) throw new Error(`${this.constructor.name} has no buffer \`${target}\``);
    return buffer.tensor;
  }

  /**
   * Every buffer of this module and its submodules with its dotted name, each tensor once (null ones skipped).
   *
   * @example
   * ```ts
   * import { BatchNorm1d } from "@gradstep/gradstep/nn";
   * const names = new BatchNorm1d(8).namedBuffers().map(([name]) => name); // ["running_mean", "running_var", "num_batches_tracked"]
   * ```
   */
  namedBuffers(): [string, Tensor][] {
    return this.#named((module) =>
      [...module.#buffers].filter((e): e is [string, Buffer & { tensor: Tensor }] => e[1].tensor !== null)
        .map(([name, b]) => [name, b.tensor])
    );
  }

  /**
   * Every buffer of this module and its submodules.
   *
   * @example
   * ```ts
   * import { BatchNorm1d } from "@gradstep/gradstep/nn";
   * const count = new BatchNorm1d(8).buffers().length; // 3
   * ```
   */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** What `pick` finds in each module, under dotted names, each tensor once (by its first name). */
  #named<T extends Tensor>(pick: (module: Module) => [string, T][]): [string, T][] {
    const seen = new Set<T>();
    const out: [string, T][] = [];
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, value] of pick(module)) {
        if (seen.has(value)) continue;
        seen.add(value);
        out.push([prefix ? `${prefix}.${name}` : name, value]);
      }
    }
    return out;
  }

  /**
   * Sets training mode (`mode = true`) or evaluation mode on this module and its submodules; returns this.
   *
   * @example
   * ```ts
   * import { Dropout, Linear, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new Dropout(0.1));
   * model.train(); // dropout on; model.train(false) is model.eval()
   * ```
   */
  train(mode = true): this {
    if (typeof mode !== "boolean") {
      throw new TypeError(`training mode is expected to be boolean, got ${shown(mode)}`);
    }
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /**
   * Sets evaluation mode; returns this.
   *
   * @example
   * ```ts
   * import { Dropout, Linear, Sequential } from "@gradstep/gradstep/nn";
   * import { noGrad, randn } from "@gradstep/gradstep";
   * const model = new Sequential(new Linear(4, 8), new Dropout(0.1)).eval(); // dropout off, batch norm uses running stats
   * const y = noGrad(() => model.forward(randn([2, 4])));
   * ```
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Moves every parameter (and its gradient) and every buffer to `device` in place, keeping their identity;
   * resolves to this.
   *
   * @example
   * ```ts
   * import { device } from "@gradstep/gradstep";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const model = await new Linear(4, 2).to(await device("auto"));
   * ```
   */
  async to(device: Device): Promise<this> {
    instanceOf(Device)("device", device);
    for (const p of this.parameters()) {
      if (p.device === device) continue;
      const moved = await p.detach().to(device);
      const grad = p.grad === null ? null : await p.grad.to(device);
      noGrad(() => p.setData(moved));
      p.grad = grad;
    }
    for (const b of this.buffers()) {
      if (b.device !== device) b.setData(await b.detach().to(device));
    }
    return this;
  }

  /**
   * Clears the gradients of all parameters (to null by default, else to zeros).
   *
   * @example
   * ```ts
   * import { randn } from "@gradstep/gradstep";
   * import { Linear } from "@gradstep/gradstep/nn";
   * const model = new Linear(4, 2);
   * model.forward(randn([3, 4])).sum().backward();
   * model.zeroGrad(); // model.weight.grad is null again
   * ```
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    checkOptions("zeroGrad", options, { setToNone: boolean });
    for (const p of this.parameters()) {
      if (options.setToNone ?? true) p.grad = null;
      else p.grad?.zero_();
    }
  }

  /**
   * The parameters and persistent buffers by dotted name, as tensors sharing their memory, as PyTorch's
   * `state_dict()`: module by module, each one's parameters, then its buffers, then its children's. A shared
   * (tied) parameter or module is listed under every name it is reachable by, as in PyTorch, so a PyTorch state
   * dict of a model with weight tying loads as it is.
   *
   * @example
   * ```ts
   * import { Linear } from "@gradstep/gradstep/nn";
   * const keys = Object.keys(new Linear(4, 2).stateDict()); // ["weight", "bias"]
   * ```
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const visit = (module: Module, prefix: string): void => {
      for (const [name, value] of Object.entries(module)) {
        if (value instanceof Parameter) out[prefix + name] = value.detach();
      }
      for (const [name, b] of module.#buffers) {
        if (b.persistent && b.tensor !== null) out[prefix + name] = b.tensor.detach();
      }
      for (const [name, child] of module.#childrenByName()) visit(child, `${prefix}${name}.`);
    };
    visit(this, "");
    return out;
  }

  /**
   * Copies `state` into the parameters and persistent buffers of the same names (converting to their dtype). With
   * `strict` (the default) any missing or unexpected key is an error; a shape mismatch always is. Nothing is
   * changed unless every check passes.
   *
   * @example
   * ```ts
   * import { Linear } from "@gradstep/gradstep/nn";
   * const a = new Linear(4, 2);
   * const b = new Linear(4, 2);
   * const { missingKeys, unexpectedKeys } = b.loadStateDict(a.stateDict()); // b now equals a; both lists empty
   * ```
   */
  loadStateDict(state: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    if (typeof state !== "object" || state === null || Array.isArray(state) || state instanceof Tensor) {
      throw new TypeError(`Expected state_dict to be dict-like, got ${shown(state)}.`);
    }
    for (const [name, value] of Object.entries(state)) {
      if (!(value instanceof Tensor)) {
        throw new TypeError(`loadStateDict: state["${name}"] must be a Tensor, got ${shown(value)}`);
      }
    }
    checkOptions("loadStateDict", options, { strict: boolean });
    const strict = options.strict ?? true;
    const targets = new Map(Object.entries(this.stateDict()));
    const missingKeys = [...targets.keys()].filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !targets.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length) {
      problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}.`);
    }
    if (strict && unexpectedKeys.length) {
      problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}.`);
    }
    for (const [name, p] of targets) {
      const value = state[name];
      if (value === undefined) continue;
      if (!sameShape(value.shape, p.shape)) {
        problems.push(
          `size mismatch for ${name}: copying a param with shape [${value.shape}] from checkpoint, the shape in current model is [${p.shape}].`,
        );
      } else if (value.device !== p.device && value.device.backend.readSync === undefined) {
        problems.push(`${name} is on ${value.device}; move it to ${p.device} with await t.to(device) first.`);
      }
    }
    if (problems.length) {
      throw new Error(
        `Error(s) in loading state_dict for ${this.constructor.name}:\n\t${problems.join("\n\t")}`,
      );
    }
    noGrad(() => {
      for (const [name, p] of targets) {
        const value = state[name];
        if (value === undefined) continue;
        p.copy_(
          value.device === p.device
            ? value
            : tensor(value.dataSync(), { shape: value.shape, device: p.device }),
        );
      }
    });
    return { missingKeys, unexpectedKeys };
  }
}
