/**
 * Every public constructor and function refuses a bad value (NaN, a string for a number, a negative or fractional
 * size, an array of the wrong length, an object of the wrong type, an unknown option) with an Error of the
 * expected class whose message names the value (PyTorch's words where PyTorch has them), the same message on
 * every backend, and leaves the user's state as it was: the parameters and their gradients, the optimizer's
 * state dict, the schedulers', the GradScaler's and the DataLoader's, and the checkpoint folder. The rows are in
 * the ./*_rows.ts files, by area.
 *
 * @module
 */
import {
  Adam,
  DataLoader,
  GradScaler,
  Linear,
  ReduceLROnPlateau,
  save,
  StepLR,
  tensor,
  TensorDataset,
} from "../../mod.ts";
import type { Device } from "../../backends/device.ts";
import { assertEquals } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { COMPOSITE_SCHEDULER_ROWS } from "./composite_scheduler_rows.ts";
import { DATA_CLIP_ROWS } from "./data_clip_rows.ts";
import { DATASET_ROWS } from "./dataset_rows.ts";
import { FUNCTIONAL_ROWS } from "./functional_rows.ts";
import { LAYER_ROWS } from "./layer_rows.ts";
import { LOSS_ROWS } from "./loss_rows.ts";
import { MODULE_ROWS } from "./module_rows.ts";
import { NN_FUNCTIONAL_ROWS } from "./nn_functional_rows.ts";
import { NN_TABLE_ROWS } from "./nn_table_rows.ts";
import { OPTIMIZER_ROWS } from "./optimizer_rows.ts";
import { RNN_ROWS } from "./rnn_rows.ts";
import type { Context, Row } from "./row.ts";
import { SCALER_CHECKPOINT_ROWS } from "./scaler_checkpoint_rows.ts";
import { SCHEDULER_ROWS } from "./scheduler_rows.ts";

const ROWS: readonly Row[] = [
  ...OPTIMIZER_ROWS,
  ...SCHEDULER_ROWS,
  ...COMPOSITE_SCHEDULER_ROWS,
  ...LAYER_ROWS,
  ...RNN_ROWS,
  ...FUNCTIONAL_ROWS,
  ...NN_FUNCTIONAL_ROWS,
  ...NN_TABLE_ROWS,
  ...LOSS_ROWS,
  ...MODULE_ROWS,
  ...DATA_CLIP_ROWS,
  ...DATASET_ROWS,
  ...SCALER_CHECKPOINT_ROWS,
];

/** The user's objects: a model with gradients, an optimizer with state, schedulers, a scaler, a loader. */
async function context(dev: Device): Promise<Context> {
  const model = await new Linear(3, 2).to(dev);
  const params = model.parameters();
  for (const p of params) p.grad = p.detach().mul(0.5);
  const optimizer = new Adam(params, { lr: 0.01 });
  optimizer.step();
  const scheduler = new StepLR(optimizer, { stepSize: 2 });
  const plateau = new ReduceLROnPlateau(optimizer);
  plateau.step(1);
  const scaler = new GradScaler();
  scaler.scale(tensor([1], { device: dev })).dispose();
  const loader = new DataLoader(new TensorDataset(tensor([1, 2, 3, 4, 5, 6, 7, 8], { device: dev })), {
    batchSize: 2,
  });
  const dir = await Deno.makeTempDir({ prefix: "gradstep-validation-" });
  const checkpoint = `${dir}/ok.safetensors`;
  await save(checkpoint, { model, optimizer });
  return { dev, model, params, optimizer, scheduler, plateau, scaler, loader, dir, checkpoint };
}

/** Everything of the user's that a refused call must leave as it was, as plain data. */
async function snapshot(c: Context): Promise<unknown> {
  return {
    params: await Promise.all(c.params.map(async (p) => Array.from(await p.data()))),
    grads: await Promise.all(c.params.map(async (p) => Array.from(await p.grad!.data()))),
    optimizer: await c.optimizer.stateDict(),
    scheduler: c.scheduler.stateDict(),
    plateau: c.plateau.stateDict(),
    scaler: await c.scaler.stateDict(),
    loader: c.loader.stateDict(),
    files: [...Deno.readDirSync(c.dir)].map((e) => e.name).sort(),
  };
}

/** Each row's message on the first backend that ran it: every other backend must say the same. */
const messages = new Map<string, { device: string; message: string }>();

/** Why `row` was not refused clearly with nothing changed, or null when it was. */
async function problem(c: Context, before: unknown, row: Row): Promise<string | null> {
  let thrown: unknown = undefined;
  try {
    const result = row.call(c);
    if (result instanceof Promise) await result;
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) return "accepted";
  if (!(thrown instanceof row.error)) {
    return `threw ${(thrown as Error)?.constructor?.name}: ${
      (thrown as Error)?.message
    }, expected a ${row.error.name}`;
  }
  if (!thrown.message.includes(row.message)) return `said "${thrown.message}", expected "${row.message}"`;
  const first = messages.get(row.name);
  if (first === undefined) messages.set(row.name, { device: c.dev.type, message: thrown.message });
  else if (first.message !== thrown.message) {
    return `said "${thrown.message}", but "${first.message}" on ${first.device}`;
  }
  try {
    assertEquals(await snapshot(c), before);
  } catch (e) {
    return `changed the user's state: ${(e as Error).message.slice(0, 400)}`;
  }
  return null;
}

testOnDevices(
  "Every public constructor and function refuses each bad input with a clear Error and changes nothing",
  async (dev) => {
    const c = await context(dev);
    try {
      let before = await snapshot(c);
      const problems: string[] = [];
      for (const row of ROWS) {
        const found = await problem(c, before, row);
        if (found === null) continue;
        problems.push(`${row.name}: ${found}`);
        before = await snapshot(c); // so that the rows after it are judged on their own
      }
      const refused = ROWS.length - problems.length;
      console.log(
        `[${dev.type}] ${ROWS.length} bad inputs tried, ${refused} refused clearly with nothing changed`,
      );
      assertEquals(problems, [], `${problems.length} of ${ROWS.length} bad inputs were not refused clearly`);
    } finally {
      await Deno.remove(c.dir, { recursive: true });
    }
  },
);
