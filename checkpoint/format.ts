/**
 * What a gradstep checkpoint is: a safetensors file whose tensors are the model's state dict under its own names
 * (`0.weight`, `1.running_mean`, as PyTorch names them) and the optimizer's state tensors under
 * `optimizer.state.<index>.<key>` (see `optimizer_state.ts`), and whose `__metadata__` holds, as JSON strings,
 * everything else:
 *
 * | key               | value                                                                                   |
 * | ----------------- | --------------------------------------------------------------------------------------- |
 * | `format`          | `"pt"`, as PyTorch's safetensors files say                                              |
 * | `gradstep.version`| the format's version, `"1"`                                                             |
 * | `gradstep.sha256` | SHA-256 of the whole file (see `checksum.ts`)                                           |
 * | `optimizer`       | PyTorch's optimizer `state_dict()` layout, snake_case, tensors named by string, + `type`|
 * | `scheduler`       | `{ type, state }`: the scheduler's class and its `stateDict()`                          |
 * | `scaler`          | `{ type, state }`: likewise for the gradient scaler                                     |
 * | `data_loader`     | `{ type, state }`: likewise for the data loader (its shuffle position)                  |
 * | `rng`             | `{ seed, offset }` of the default generator (`manualSeed`'s)                            |
 * | `extra`           | the caller's `extra` (e.g. `{ epoch }`)                                                 |
 *
 * JSON here may hold `NaN` and `±Infinity` bare, as Python's `json` reads them.
 *
 * @module
 */
import { Module } from "../nn/module.ts";
import { BaseOptimizer } from "../optim/base_optimizer.ts";
import type { AnyOptimizer } from "../optim/lr_scheduler/step_order.ts";
import { checkOptions, describe, instanceOf, string } from "../tensor/validation.ts";

/** The format version this gradstep writes and reads. */
export const FORMAT_VERSION = "1";

/** The `__metadata__` keys a checkpoint may hold. */
export const METADATA_KEYS = [
  "format",
  "gradstep.version",
  "gradstep.sha256",
  "optimizer",
  "scheduler",
  "scaler",
  "data_loader",
  "rng",
  "extra",
] as const;

/**
 * Anything whose state a checkpoint can hold: a scheduler, a `GradScaler`, a `DataLoader`, or your own object.
 * `stateDict()` may return a promise; its value must be JSON data (numbers may be NaN or ±Infinity).
 * `loadStateDict` is typed to take `never` so that an object whose method takes its own state type fits.
 *
 * @example
 * ```ts
 * import type { Stateful } from "@gradstep/gradstep";
 * class Counter implements Stateful {
 *   count = 0;
 *   stateDict(): { count: number } {
 *     return { count: this.count };
 *   }
 *   loadStateDict(state: { count: number }): void {
 *     this.count = state.count;
 *   }
 * }
 * ```
 */
export interface Stateful {
  /** The object's state, as JSON data (or a promise of it). */
  stateDict(): unknown;
  /** Restores a state `stateDict()` returned; throws, changing nothing, when it does not fit. */
  loadStateDict(state: never): void;
}

/**
 * The objects a checkpoint saves and restores: the model, and optionally the optimizer, the lr scheduler, the
 * gradient scaler and the data loader.
 *
 * @example
 * ```ts
 * import { type CheckpointObjects, Linear, SGD, StepLR } from "@gradstep/gradstep";
 * const model = new Linear(2, 1);
 * const optimizer = new SGD(model.parameters(), { lr: 0.1 });
 * const objects: CheckpointObjects = { model, optimizer, scheduler: new StepLR(optimizer, { stepSize: 10 }) };
 * ```
 */
export interface CheckpointObjects {
  /** The model: its parameters and persistent buffers. */
  model: Module;
  /** The optimizer: its per-parameter state and param groups (hyperparameters, `initialLr`). */
  optimizer?: AnyOptimizer;
  /** The lr scheduler (any scheduler, or any {@link Stateful}). */
  scheduler?: Stateful;
  /** The gradient scaler of mixed-precision training (`GradScaler`, or any {@link Stateful}). */
  scaler?: Stateful;
  /** The data loader, so a resumed run continues its epoch in the same order (any {@link Stateful}). */
  dataLoader?: Stateful;
}

function stateful(name: string, value: unknown): void {
  const object = value as Stateful | null;
  if (typeof object?.stateDict !== "function" || typeof object?.loadStateDict !== "function") {
    throw new TypeError(
      `Invalid ${name}: expected an object with stateDict() and loadStateDict(), got ${describe(value)}`,
    );
  }
}

/**
 * Throws a TypeError, before any file is touched, unless `path` is a non-empty string and `objects` holds a
 * Module as `model`, an optimizer as `optimizer`, stateful objects as `scheduler`, `scaler` and `dataLoader`,
 * and, for `save`, an object as `extra`; other fields of `objects` are ignored.
 *
 * @example
 * ```ts
 * import { checkCheckpointArgs } from "./format.ts";
 * import { Linear } from "../nn/linear.ts";
 * checkCheckpointArgs("save", "model.safetensors", { model: new Linear(2, 1) });
 * ```
 */
export function checkCheckpointArgs(fn: "save" | "load", path: unknown, objects: unknown): void {
  string("path", path);
  if (path === "") throw new TypeError(`${fn}: expected a file path, got the empty string`);
  const spec = {
    model: instanceOf(Module),
    optimizer: instanceOf(BaseOptimizer),
    scheduler: stateful,
    scaler: stateful,
    dataLoader: stateful,
    ...(fn === "save" ? { extra: checkExtra } : {}),
  };
  if (typeof objects !== "object" || objects === null || Array.isArray(objects)) {
    throw new TypeError(`${fn}: expected an object with a model, got ${describe(objects)}`);
  }
  // Other fields (a training run's own, when the run record itself is passed) are not the checkpoint's.
  const given = Object.fromEntries(Object.entries(objects).filter(([key]) => Object.hasOwn(spec, key)));
  checkOptions(fn, given, spec, ["model"]);
}

function checkExtra(name: string, value: unknown): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`Invalid ${name}: expected an object of JSON values, got ${describe(value)}`);
  }
}
