/**
 * An optimizer's state as a checkpoint stores it, in PyTorch's layout and names: each state tensor is a tensor of
 * the file named `optimizer.state.<param index>.<key>` (`optimizer.state.0.exp_avg`; a list's items add `.<i>`),
 * and the metadata entry `optimizer` is PyTorch's `state_dict()` as JSON — `{ state, param_groups }` with
 * snake_case keys, where each tensor is the string that names it — plus the optimizer's class as `type`.
 * A PyTorch user replaces those strings by the tensors and calls `load_state_dict`.
 *
 * @module
 */
import type { DType, TypedArray } from "../tensor/dtype.ts";
import { dtypeOfArray } from "../tensor/dtype.ts";
import { Tensor } from "../tensor/tensor.ts";
import type { OptimizerStateDict, StateDictValue } from "../optim/state_dict.ts";
import type { AnyOptimizer } from "../optim/lr_scheduler/step_order.ts";
import type { JsonValue } from "./json.ts";
import type { StoredTensor } from "./safetensors.ts";

/** The prefix of every optimizer tensor's name; model tensors may not use it. */
export const OPTIMIZER_PREFIX = "optimizer.";

/** Keys whose PyTorch name is not the plain snake_case of gradstep's. */
const RENAMED = new Map([["hDiag", "H_diag"]]);
const RENAMED_BACK = new Map([...RENAMED].map(([camel, snake]) => [snake, camel]));

/**
 * PyTorch's name for a gradstep state or hyperparameter key (`expAvgSq` → `exp_avg_sq`); throws when the name
 * would not map back.
 *
 * @example
 * ```ts
 * import { snakeCase } from "./optimizer_state.ts";
 * snakeCase("weightDecay"); // "weight_decay"
 * ```
 */
export function snakeCase(key: string): string {
  const snake = RENAMED.get(key) ?? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (camelCase(snake) !== key) {
    throw new Error(
      `The optimizer key "${key}" has no snake_case name that maps back to it: use camelCase keys`,
    );
  }
  return snake;
}

/**
 * gradstep's name for a PyTorch state or hyperparameter key (`exp_avg_sq` → `expAvgSq`).
 *
 * @example
 * ```ts
 * import { camelCase } from "./optimizer_state.ts";
 * camelCase("weight_decay"); // "weightDecay"
 * ```
 */
export function camelCase(key: string): string {
  return RENAMED_BACK.get(key) ?? key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** What a checkpoint holds of an optimizer: its metadata entry and its tensors. */
export interface SavedOptimizer {
  /** The metadata entry `optimizer`. */
  record: { type: string; state: Record<string, Record<string, JsonValue>>; param_groups: JsonValue[] };
  /** The state tensors, by name. */
  tensors: [string, StoredTensor][];
}

/** A stored tensor of `values` with the dtype and shape of `live` (the state tensor they were read from). */
function stored(values: TypedArray, live: unknown, name: string): StoredTensor {
  const dtype: DType | undefined = live instanceof Tensor ? live.dtype : dtypeOfArray(values);
  if (dtype === undefined) {
    throw new Error(`Optimizer state ${name} is not a tensor of a dtype gradstep stores`);
  }
  return { dtype, shape: live instanceof Tensor ? [...live.shape] : [values.length], data: values };
}

/**
 * Resolves to `optimizer`'s state in the checkpoint's form (reading device memory once per state tensor).
 *
 * @example
 * ```ts
 * import { saveOptimizer } from "./optimizer_state.ts";
 * import { Adam, zeros } from "../mod.ts";
 * const w = zeros([2], { requiresGrad: true });
 * const optimizer = new Adam([w]);
 * w.sum().backward();
 * optimizer.step();
 * const { tensors } = await saveOptimizer(optimizer); // names optimizer.state.0.exp_avg, optimizer.state.0.exp_avg_sq
 * ```
 */
export async function saveOptimizer(optimizer: AnyOptimizer): Promise<SavedOptimizer> {
  const { state, paramGroups } = await optimizer.stateDict();
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  const tensors: [string, StoredTensor][] = [];
  const savedState: SavedOptimizer["record"]["state"] = {};
  for (const [index, entry] of Object.entries(state)) {
    const live = (optimizer.state.get(params[Number(index)]) ?? {}) as Record<string, unknown>;
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(entry as Record<string, StateDictValue>)) {
      const name = `${OPTIMIZER_PREFIX}state.${index}.${snakeCase(key)}`;
      if (ArrayBuffer.isView(value)) {
        tensors.push([name, stored(value, live[key], name)]);
        out[snakeCase(key)] = name;
      } else if (Array.isArray(value) && value.some((v) => ArrayBuffer.isView(v))) {
        out[snakeCase(key)] = value.map((v, i) => {
          if (!ArrayBuffer.isView(v)) {
            throw new Error(`Optimizer state ${name}[${i}] is not a tensor like the rest`);
          }
          tensors.push([
            `${name}.${i}`,
            stored(v, (live[key] as unknown[] | undefined)?.[i], `${name}.${i}`),
          ]);
          return `${name}.${i}`;
        });
      } else {
        out[snakeCase(key)] = value as JsonValue;
      }
    }
    savedState[index] = out;
  }
  const groups = paramGroups.map((g) =>
    Object.fromEntries(Object.entries(g).map(([k, v]) => [k === "params" ? k : snakeCase(k), v as JsonValue]))
  );
  return { record: { type: optimizer.constructor.name, state: savedState, param_groups: groups }, tensors };
}

/** An optimizer state dict read from a checkpoint, with the shape each state tensor had. */
export interface LoadedOptimizer {
  /** The state dict to give `loadStateDict`. */
  stateDict: OptimizerStateDict;
  /** The saved shape of each state tensor, by parameter index and gradstep key (`"expAvg"`, `"oldDirs.3"`). */
  shapes: Map<number, Map<string, readonly number[]>>;
  /** The names of the tensors it used. */
  used: Set<string>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The state dict in a checkpoint's `optimizer` metadata `record`, its tensors taken from `tensors`; throws an
 * Error saying what is wrong when the record is not PyTorch's layout or names a tensor the file lacks.
 *
 * @example
 * ```ts
 * import { loadOptimizer, saveOptimizer } from "./optimizer_state.ts";
 * import { SGD, zeros } from "../mod.ts";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const { record, tensors } = await saveOptimizer(optimizer);
 * optimizer.loadStateDict(loadOptimizer(record, new Map(tensors)).stateDict);
 * ```
 */
export function loadOptimizer(record: unknown, tensors: ReadonlyMap<string, StoredTensor>): LoadedOptimizer {
  if (!isObject(record) || !isObject(record.state) || !Array.isArray(record.param_groups)) {
    throw new Error("its optimizer entry is not PyTorch's { state, param_groups } layout");
  }
  const used = new Set<string>();
  const shapes = new Map<number, Map<string, readonly number[]>>();
  const tensorAt = (name: string, index: number, key: string): TypedArray => {
    const t = tensors.get(name);
    if (t === undefined) {
      throw new Error(`its optimizer entry names the tensor "${name}", which the file lacks`);
    }
    used.add(name);
    if (!shapes.has(index)) shapes.set(index, new Map());
    shapes.get(index)!.set(key, t.shape);
    return t.data;
  };
  const state: OptimizerStateDict["state"] = {};
  for (const [index, entry] of Object.entries(record.state)) {
    const i = Number(index);
    if (!Number.isSafeInteger(i) || i < 0 || !isObject(entry)) {
      throw new Error(`its optimizer state "${index}" is not a parameter index with a map of state`);
    }
    const out: Record<string, StateDictValue> = {};
    for (const [snake, value] of Object.entries(entry)) {
      const key = camelCase(snake);
      const name = `${OPTIMIZER_PREFIX}state.${index}.${snake}`;
      if (value === name) out[key] = tensorAt(name, i, key);
      else if (Array.isArray(value) && value.length > 0 && value.every((v, j) => v === `${name}.${j}`)) {
        out[key] = value.map((_, j) => tensorAt(`${name}.${j}`, i, `${key}.${j}`));
      } else out[key] = value as StateDictValue;
    }
    state[i] = out;
  }
  const paramGroups = record.param_groups.map((g, gi) => {
    if (!isObject(g) || !Array.isArray(g.params) || !g.params.every(Number.isSafeInteger)) {
      throw new Error(`its optimizer param_groups[${gi}] is not a group with a list of parameter indices`);
    }
    return Object.fromEntries(Object.entries(g).map(([k, v]) => [k === "params" ? k : camelCase(k), v]));
  }) as OptimizerStateDict["paramGroups"];
  const held = new Set(paramGroups.flatMap((g) => g.params));
  const stray = Object.keys(state).filter((i) => !held.has(Number(i)));
  if (stray.length) {
    throw new Error(`its optimizer state names parameter(s) ${stray} that no param group holds`);
  }
  return { stateDict: { state, paramGroups }, shapes, used };
}

/**
 * What differs between the shapes a checkpoint saved (`shapes`) and the state tensors `optimizer` now holds.
 *
 * @example
 * ```ts
 * import { loadOptimizer, saveOptimizer, stateShapeProblems } from "./optimizer_state.ts";
 * import { SGD, zeros } from "../mod.ts";
 * const optimizer = new SGD([zeros([2], { requiresGrad: true })], { lr: 0.1 });
 * const loaded = loadOptimizer((await saveOptimizer(optimizer)).record, new Map());
 * optimizer.loadStateDict(loaded.stateDict);
 * stateShapeProblems(optimizer, loaded.shapes); // []
 * ```
 */
export function stateShapeProblems(
  optimizer: AnyOptimizer,
  shapes: ReadonlyMap<number, ReadonlyMap<string, readonly number[]>>,
): string[] {
  const params = optimizer.paramGroups.flatMap((g) => g.params);
  const problems: string[] = [];
  for (const [index, keys] of shapes) {
    const live = (optimizer.state.get(params[index]) ?? {}) as Record<string, unknown>;
    for (const [key, shape] of keys) {
      const [field, item] = key.split(".");
      const t = item === undefined ? live[field] : (live[field] as unknown[] | undefined)?.[Number(item)];
      // A one-element tensor may come back as a number (a step count a GradScaler kept on the device).
      const fits = t instanceof Tensor
        ? t.shape.length === shape.length && t.shape.every((s, d) => s === shape[d])
        : typeof t === "number" && shape.every((s) => s === 1);
      if (!fits) {
        problems.push(
          `size mismatch for optimizer state ${index}.${key}: [${shape}] in the checkpoint, ` +
            (t instanceof Tensor
              ? `[${t.shape}] for the optimizer's parameter`
              : "not a tensor in the optimizer"),
        );
      }
    }
  }
  return problems;
}
