/**
 * `load()`: restores a checkpoint that `save()` wrote into a model and its companions, all or nothing.
 *
 * @module
 */
import { cpu } from "../backends/device.ts";
import { tensor } from "../tensor/creation.ts";
import { defaultGenerator } from "../tensor/random.ts";
import { sameShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { boolean, checkOptions } from "../tensor/validation.ts";
import { checksumProblem } from "./checksum.ts";
import {
  checkCheckpointArgs,
  type CheckpointObjects,
  FORMAT_VERSION,
  METADATA_KEYS,
  type Stateful,
} from "./format.ts";
import { type JsonValue, parseJson } from "./json.ts";
import {
  type LoadedOptimizer,
  loadOptimizer,
  OPTIMIZER_PREFIX,
  stateShapeProblems,
} from "./optimizer_state.ts";
import { decodeSafetensors } from "./safetensors.ts";

/** How {@link load} matches the checkpoint to the objects. */
export interface LoadOptions {
  /**
   * With `true` (the default) the checkpoint must hold exactly the model's keys and a state for every object
   * given; with `false`, missing and unexpected model keys and absent states are skipped and the rest is loaded.
   * A shape mismatch or a state of another class is an error either way, as in PyTorch.
   */
  strict?: boolean;
}

const isObject = (v: unknown): v is Record<string, JsonValue> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

const quoted = (keys: string[]): string => keys.map((k) => `"${k}"`).join(", ");

/**
 * Restores the checkpoint at `path` (written by `save()`) into `objects` — the model's parameters and buffers, the
 * optimizer's state and param groups, the scheduler's, scaler's and data loader's states — and the default
 * generator (so random streams continue as in the saved run), then resolves to the saved `extra` (`{}` when none;
 * its type `E` is not checked). Tensors land on the device each model parameter is on.
 *
 * All or nothing: the file is checked first — its format, its SHA-256, and that it fits `objects` — and when
 * anything is wrong the promise rejects with an Error listing every problem (missing and unexpected keys, shape
 * mismatches, states of another class, a damaged or truncated file), and nothing was changed.
 *
 * @example
 * ```ts
 * import { Adam, Linear, load, save } from "@gradstep/gradstep";
 * const model = new Linear(4, 2);
 * const optimizer = new Adam(model.parameters());
 * const path = `${await Deno.makeTempDir()}/checkpoint.safetensors`;
 * await save(path, { model, optimizer, extra: { epoch: 3 } });
 * const { epoch } = await load<{ epoch: number }>(path, { model, optimizer });
 * ```
 */
export async function load<E = Record<string, JsonValue>>(
  path: string,
  objects: CheckpointObjects,
  options: LoadOptions = {},
): Promise<E> {
  checkCheckpointArgs("load", path, objects);
  checkOptions("load", options, { strict: boolean });
  const strict = options.strict ?? true;
  const { model, optimizer, scheduler, scaler, dataLoader } = objects;
  const bytes = await Deno.readFile(path);
  const file = decodeSafetensors(bytes, path);
  if (file.metadata["gradstep.version"] === undefined) {
    throw new Error(
      `Checkpoint ${path}: its metadata has no gradstep.version: it is not a gradstep checkpoint`,
    );
  }
  const damaged = await checksumProblem(bytes);
  if (damaged !== undefined) throw new Error(`Checkpoint ${path}: ${damaged}`);
  const meta = metadataOf(file.metadata, path);

  const problems: string[] = [];
  const state: Record<string, Tensor> = {};
  const targets = model.stateDict();
  const saved = [...file.tensors].filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX));
  const missing = Object.keys(targets).filter((k) => !file.tensors.has(k));
  const unexpected = saved.map(([k]) => k).filter((k) => !(k in targets));
  if (strict && missing.length) problems.push(`model: missing key(s) ${quoted(missing)}`);
  if (strict && unexpected.length) problems.push(`model: unexpected key(s) ${quoted(unexpected)}`);
  for (const [name, t] of saved) {
    const target = targets[name];
    if (target === undefined) continue;
    if (!sameShape(t.shape, target.shape)) {
      problems.push(
        `model: size mismatch for ${name}: [${t.shape}] in the checkpoint, [${target.shape}] in the model`,
      );
    } else state[name] = tensor(t.data, { shape: t.shape, dtype: t.dtype, device: cpu });
  }

  let loadedOptimizer: LoadedOptimizer | undefined;
  if (optimizer !== undefined && meta.optimizer === undefined) {
    if (strict) problems.push("optimizer: the checkpoint holds no optimizer state");
  } else if (optimizer !== undefined) {
    const type = isObject(meta.optimizer) ? meta.optimizer.type : undefined;
    if (type !== optimizer.constructor.name) {
      problems.push(
        `optimizer: the checkpoint holds ${type} state, the optimizer is ${optimizer.constructor.name}`,
      );
    }
    try {
      loadedOptimizer = loadOptimizer(meta.optimizer, file.tensors);
      const unused = [...file.tensors.keys()].filter((k) =>
        k.startsWith(OPTIMIZER_PREFIX) && !loadedOptimizer!.used.has(k)
      );
      if (strict && unused.length) problems.push(`optimizer: unexpected tensor(s) ${quoted(unused)}`);
    } catch (error) {
      problems.push(`optimizer: ${(error as Error).message}`);
    }
  }

  const stateful: [string, Stateful, JsonValue][] = [];
  for (
    const [key, what, object] of [
      ["scheduler", "scheduler", scheduler],
      ["scaler", "scaler", scaler],
      ["data_loader", "dataLoader", dataLoader],
    ] as const
  ) {
    if (object === undefined) continue;
    const entry = meta[key];
    if (entry === undefined) {
      if (strict) problems.push(`${what}: the checkpoint holds no ${what} state`);
    } else if (!isObject(entry) || entry.type !== object.constructor.name) {
      const type = isObject(entry) ? entry.type : undefined;
      problems.push(`${what}: the checkpoint holds ${type} state, the ${what} is ${object.constructor.name}`);
    } else stateful.push([what, object, entry.state]);
  }
  if (problems.length) throw notLoaded(path, problems);

  const undo: (() => void)[] = [];
  let stage = "optimizer";
  try {
    if (optimizer !== undefined && loadedOptimizer !== undefined) {
      const { paramGroups, state: before } = optimizer;
      optimizer.loadStateDict(loadedOptimizer.stateDict);
      undo.push(() => {
        optimizer.paramGroups = paramGroups;
        optimizer.state = before;
      });
      const shapes = stateShapeProblems(optimizer, loadedOptimizer.shapes);
      if (shapes.length) throw new Error(shapes.join("; "));
    }
    for (const [what, object, entry] of stateful) {
      stage = what;
      const before = await object.stateDict();
      object.loadStateDict(entry as never);
      undo.push(() => object.loadStateDict(before as never));
    }
    stage = "model";
    model.loadStateDict(state, { strict });
  } catch (error) {
    for (const step of undo.reverse()) step();
    throw notLoaded(path, [`${stage}: ${(error as Error).message}`]);
  }
  if (meta.rng !== undefined) {
    const { seed, offset } = meta.rng as { seed: number; offset: number };
    defaultGenerator.manualSeed(seed).offset = offset;
  }
  return (meta.extra ?? {}) as E;
}

/** The Error that says why the checkpoint at `path` was not loaded. */
function notLoaded(path: string, problems: string[]): Error {
  return new Error(`Checkpoint ${path} does not fit (nothing was loaded):\n  ${problems.join("\n  ")}`);
}

/** The metadata's entries parsed, after checking the keys, the version and the generator state. */
function metadataOf(metadata: Record<string, string>, path: string): Record<string, JsonValue | undefined> {
  const fail = (problem: string): never => {
    throw new Error(`Checkpoint ${path}: ${problem}`);
  };
  const version = metadata["gradstep.version"];
  if (version !== FORMAT_VERSION) {
    fail(`it is format version ${version}; this gradstep reads version ${FORMAT_VERSION}`);
  }
  const unknown = Object.keys(metadata).filter((k) => !(METADATA_KEYS as readonly string[]).includes(k));
  if (unknown.length) fail(`its metadata has unknown key(s) ${quoted(unknown)}`);
  const out: Record<string, JsonValue | undefined> = {};
  for (const key of ["optimizer", "scheduler", "scaler", "data_loader", "rng", "extra"]) {
    if (metadata[key] === undefined) continue;
    try {
      out[key] = parseJson(metadata[key]);
    } catch (error) {
      fail(`its metadata ${key} is not JSON (${(error as Error).message})`);
    }
  }
  const rng = out.rng;
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  if (rng !== undefined && !(isObject(rng) && count(rng.seed) && count(rng.offset))) {
    fail(`its metadata rng is ${metadata.rng}, expected { seed, offset } of non-negative integers`);
  }
  if (out.extra !== undefined && !isObject(out.extra)) fail(`its metadata extra is not an object`);
  return out;
}
