/**
 * Checkpoints: `save()` and `load()` a model with its optimizer, scheduler, scaler and data loader as one
 * safetensors file that PyTorch can read, written atomically and loaded all or nothing.
 *
 * @example
 * ```ts
 * import { Adam, Linear, load, save } from "@gradstep/gradstep";
 * const model = new Linear(4, 2);
 * const optimizer = new Adam(model.parameters());
 * const path = `${await Deno.makeTempDir()}/checkpoint.safetensors`;
 * await save(path, { model, optimizer, extra: { epoch: 1 } });
 * const extra = await load(path, { model, optimizer });
 * ```
 *
 * @module
 */
export { type CheckpointObjects, type Stateful } from "./format.ts";
export { type JsonValue } from "./json.ts";
export { load, type LoadOptions } from "./load.ts";
export { save, type SaveObjects } from "./save.ts";
