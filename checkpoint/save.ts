/**
 * `save()`: a model, its optimizer, scheduler, scaler and data loader, the random generator and your own data,
 * written as one safetensors file (see `format.ts`), atomically.
 *
 * @module
 */
import { defaultGenerator } from "../tensor/random.ts";
import { checkCheckpointArgs, type CheckpointObjects, FORMAT_VERSION, type Stateful } from "./format.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { CHECKSUM_KEY, CHECKSUM_PLACEHOLDER, seal } from "./checksum.ts";
import { stringifyJson } from "./json.ts";
import { OPTIMIZER_PREFIX, saveOptimizer } from "./optimizer_state.ts";
import { encodeSafetensors, type StoredTensor } from "./safetensors.ts";

/** What {@link save} writes: the objects, and `extra`, your own JSON data (e.g. `{ epoch }`). */
export interface SaveObjects extends CheckpointObjects {
  /** Your own data, returned by `load()`: JSON values (numbers may be NaN or ±Infinity). */
  extra?: Record<string, unknown>;
}

/** `{ type, state }` of a stateful object, as metadata JSON. */
async function record(object: Stateful, what: string): Promise<string> {
  return stringifyJson({ type: object.constructor.name, state: await object.stateDict() }, what);
}

/**
 * Writes a checkpoint of `objects` to `path`: the model's parameters and persistent buffers and the optimizer's
 * state tensors as safetensors tensors under PyTorch's names (`0.weight`, `optimizer.state.0.exp_avg`), and the
 * rest — the optimizer's param groups, the scheduler, scaler and data loader states, the default generator's
 * state and `extra` — as JSON in the header's metadata, with a SHA-256 of the file. The file is written to a
 * temporary file in the same directory and renamed over `path`, so `path` holds the previous checkpoint or the
 * new one, never a part; only data is written, never code. Reads each tensor from its device once.
 *
 * Rejects, writing nothing, when something is not data (a function in `extra`, say), when a model key starts
 * with `optimizer.`, or when a device read fails (a lost WebGPU device).
 *
 * @example
 * ```ts
 * import { Adam, Linear, save, StepLR } from "@gradstep/gradstep";
 * const model = new Linear(4, 2);
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
 * const scheduler = new StepLR(optimizer, { stepSize: 10 });
 * const dir = await Deno.makeTempDir();
 * await save(`${dir}/checkpoint.safetensors`, { model, optimizer, scheduler, extra: { epoch: 3 } });
 * ```
 */
export async function save(path: string, objects: SaveObjects): Promise<void> {
  checkCheckpointArgs("save", path, objects);
  const { model, optimizer, scheduler, scaler, dataLoader, extra } = objects;
  const entries = Object.entries(model.stateDict());
  const clash = entries.find(([name]) => name.startsWith(OPTIMIZER_PREFIX));
  if (clash !== undefined) {
    throw new Error(
      `The model's state key "${
        clash[0]
      }" starts with "${OPTIMIZER_PREFIX}", which checkpoints keep for the ` +
        "optimizer's state: rename that submodule",
    );
  }
  const tensors: [string, StoredTensor][] = await Promise.all(
    entries.map(async ([name, t]): Promise<[string, StoredTensor]> => [
      name,
      { dtype: t.dtype, shape: [...t.shape], data: await t.data() },
    ]),
  );
  const metadata: Record<string, string> = {
    format: "pt",
    "gradstep.version": FORMAT_VERSION,
    [CHECKSUM_KEY]: CHECKSUM_PLACEHOLDER,
  };
  if (optimizer !== undefined) {
    const saved = await saveOptimizer(optimizer);
    tensors.push(...saved.tensors);
    metadata.optimizer = stringifyJson(saved.record, "optimizer");
  }
  if (scheduler !== undefined) metadata.scheduler = await record(scheduler, "scheduler");
  if (scaler !== undefined) metadata.scaler = await record(scaler, "scaler");
  if (dataLoader !== undefined) metadata.data_loader = await record(dataLoader, "dataLoader");
  metadata.rng = stringifyJson({ seed: defaultGenerator.seed, offset: defaultGenerator.offset }, "rng");
  if (extra !== undefined) metadata.extra = stringifyJson(extra, "extra");
  const bytes = encodeSafetensors(tensors, metadata);
  await seal(bytes);
  await writeFileAtomic(path, bytes);
}
