/**
 * The Sequential container.
 *
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";

/**
 * Modules applied one after another, named "0", "1", … as in PyTorch (so parameters are `1.weight`, …).
 *
 * @example
 * ```ts
 * import { Flatten, Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
 * const model = new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * console.log(model.namedParameters().map(([name]) => name)); // ["1.weight", "1.bias", "3.weight", "3.bias"]
 * ```
 */
export class Sequential extends Module {
  readonly #modules: Module[];

  /** A container of `modules`, in order. */
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) {
        throw new TypeError(`Sequential: argument ${i} is not a Module (got ${typeof m})`);
      }
    });
    this.#modules = modules;
  }

  /**
   * The modules named by position.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new ReLU());
   * const names = model.namedChildren().map(([name]) => name); // ["0", "1"]
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
   * The module at position `index`.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
   * const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
   * const head = model.at(-1) as Linear; // the Linear(8, 2)
   * ```
   */
  at(index: number): Module | undefined {
    return this.#modules.at(index);
  }

  /**
   * Passes `input` through every module in order.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
   * const y = model.forward(randn([3, 4])); // [3, 2]
   * ```
   */
  forward(input: Tensor): Tensor {
    return this.#modules.reduce((x, m) => m.forward(x), input);
  }
}
