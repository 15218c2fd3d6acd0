/**
 * The Module base class: parameters and submodules found by walking the module's own fields, in the order they
 * were assigned, and named as PyTorch names them (`0.weight`, `fc1.bias`, …).
 *
 * @module
 */
import type { Device } from "../backends/device.ts";
import { noGrad } from "../autograd/node.ts";
import { tensor } from "../tensor/creation.ts";
import { sameShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { Parameter } from "./parameter.ts";

/** What {@link Module.loadStateDict} matched and did not. */
export interface LoadResult {
  /** Parameter names the state did not have. */
  missingKeys: string[];
  /** Names in the state that are no parameter of the module. */
  unexpectedKeys: string[];
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

  /** The computation; subclasses define its inputs. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** The direct submodules with their field names; a module held by two fields is listed once, by the first. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return Object.entries(this).filter((e): e is [string, Module] =>
      e[1] instanceof Module && !seen.has(e[1]) && seen.add(e[1]) !== undefined
    );
  }

  /** The direct submodules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and all submodules, depth first, with dotted names ("" for this one); a module reachable twice is
   * listed once, under its first name, as PyTorch's `named_modules()`.
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

  /** Every parameter of this module and its submodules with its dotted name, each parameter once. */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, value] of Object.entries(module)) {
        if (!(value instanceof Parameter) || seen.has(value)) continue;
        seen.add(value);
        out.push([prefix ? `${prefix}.${name}` : name, value]);
      }
    }
    return out;
  }

  /** Every parameter of this module and its submodules. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Sets training mode (`mode = true`) or evaluation mode on this module and its submodules; returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode; returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Moves every parameter (and its gradient) to `device` in place, keeping parameter identity; resolves to this. */
  async to(device: Device): Promise<this> {
    for (const p of this.parameters()) {
      if (p.device === device) continue;
      const moved = await p.detach().to(device);
      const grad = p.grad === null ? null : await p.grad.to(device);
      noGrad(() => p.setData(moved));
      p.grad = grad;
    }
    return this;
  }

  /** Clears the gradients of all parameters (to null by default, else to zeros). */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (options.setToNone ?? true) p.grad = null;
      else p.grad?.zero_();
    }
  }

  /** The parameters by dotted name, as tensors sharing their memory, as PyTorch's `state_dict()`. */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters().map(([name, p]) => [name, p.detach()]));
  }

  /**
   * Copies `state` into the parameters of the same names. With `strict` (the default) any missing or unexpected
   * key is an error; a shape mismatch always is. Nothing is changed unless every check passes.
   */
  loadStateDict(state: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    const params = new Map(this.namedParameters());
    const missingKeys = [...params.keys()].filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !params.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length) {
      problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}.`);
    }
    if (strict && unexpectedKeys.length) {
      problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}.`);
    }
    for (const [name, p] of params) {
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
      for (const [name, p] of params) {
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
