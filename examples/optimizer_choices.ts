/**
 * The optimizers the comparison examples can pick by name, each with the learning rate (and settings) the seed
 * or the optimizer's paper suggests for a small MNIST model.
 *
 * @module
 */
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  Lion,
  NAdam,
  type Optimizer,
  RAdam,
  RMSprop,
  SGD,
  type Tensor,
} from "../mod.ts";

/** An optimizer by name: its default learning rate, and how to make it. */
export interface OptimizerChoice {
  /** The learning rate used unless one is given. */
  lr: number;
  /** What the settings are, for tables, e.g. "momentum 0.9". */
  settings: string;
  /** An optimizer of `params` with learning rate `lr`. */
  make(params: Tensor[], lr: number): Optimizer<{ lr: number }>;
}

/**
 * The choices: the seed's SGD (momentum 0.9), Adam, RMSprop (alpha 0.99), Adagrad and AdamW (weight decay
 * 0.01) with the seed's learning rates, and the rest with their papers' or PyTorch's defaults.
 *
 * @example
 * ```ts
 * import { OPTIMIZERS } from "./optimizer_choices.ts";
 * import { Linear } from "../mod.ts";
 * const { lr, make } = OPTIMIZERS.rmsprop;
 * const optimizer = make(new Linear(4, 2).parameters(), lr); // RMSprop, lr 0.01, alpha 0.99
 * ```
 */
export const OPTIMIZERS: Readonly<Record<string, OptimizerChoice>> = {
  sgd: { lr: 0.01, settings: "momentum 0.9", make: (p, lr) => new SGD(p, { lr, momentum: 0.9 }) },
  adam: { lr: 0.001, settings: "betas (0.9, 0.999)", make: (p, lr) => new Adam(p, { lr }) },
  rmsprop: { lr: 0.01, settings: "alpha 0.99", make: (p, lr) => new RMSprop(p, { lr, alpha: 0.99 }) },
  adagrad: { lr: 0.01, settings: "", make: (p, lr) => new Adagrad(p, { lr }) },
  adamw: {
    lr: 0.001,
    settings: "weight decay 0.01",
    make: (p, lr) => new AdamW(p, { lr, weightDecay: 0.01 }),
  },
  adadelta: { lr: 1, settings: "rho 0.9", make: (p, lr) => new Adadelta(p, { lr }) },
  adamax: { lr: 0.002, settings: "", make: (p, lr) => new Adamax(p, { lr }) },
  nadam: { lr: 0.002, settings: "", make: (p, lr) => new NAdam(p, { lr }) },
  radam: { lr: 0.001, settings: "", make: (p, lr) => new RAdam(p, { lr }) },
  lion: { lr: 0.0001, settings: "betas (0.9, 0.99)", make: (p, lr) => new Lion(p, { lr }) },
};

/**
 * The names in a comma-separated `--optimizers` value, each checked against {@link OPTIMIZERS}.
 *
 * @example
 * ```ts
 * import { optimizerNames } from "./optimizer_choices.ts";
 * optimizerNames("sgd, adam,rmsprop"); // ["sgd", "adam", "rmsprop"]
 * ```
 */
export function optimizerNames(list: string): string[] {
  const names = list.split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== "");
  if (names.length === 0) throw new Error(`--optimizers needs at least one name, got "${list}"`);
  for (const name of names) {
    if (!(name in OPTIMIZERS)) {
      throw new Error(`unknown optimizer "${name}": expected one of ${Object.keys(OPTIMIZERS).join(", ")}`);
    }
  }
  if (new Set(names).size !== names.length) throw new Error(`--optimizers lists a name twice: "${list}"`);
  return names;
}

/**
 * Learning rates given as `name=lr,…` (e.g. `--lr sgd=0.05,adam=0.002`), over the defaults of `names`.
 *
 * @example
 * ```ts
 * import { learningRates } from "./optimizer_choices.ts";
 * learningRates("sgd=0.05", ["sgd", "adam"]); // { sgd: 0.05, adam: 0.001 }
 * ```
 */
export function learningRates(list: string, names: string[]): Record<string, number> {
  const lrs = Object.fromEntries(names.map((name) => [name, OPTIMIZERS[name].lr]));
  for (const entry of list.split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const [name, value] = entry.split("=").map((s) => s.trim().toLowerCase());
    const lr = Number(value);
    if (!names.includes(name) || !(lr > 0) || !Number.isFinite(lr)) {
      throw new Error(
        `--lr expects name=value with a positive value for one of ${names.join(", ")}, got "${entry}"`,
      );
    }
    lrs[name] = lr;
  }
  return lrs;
}
