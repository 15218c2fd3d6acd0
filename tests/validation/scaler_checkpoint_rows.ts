/**
 * Bad inputs for tests/validation/options_test.ts: GradScaler and save/load.
 *
 * @module
 */
import { GradScaler, load, save } from "../../mod.ts";
import { type Row, row } from "./row.ts";

export const SCALER_CHECKPOINT_ROWS: Row[] = [
  row(
    "GradScaler initScale -1",
    () => new GradScaler({ initScale: -1 }),
    RangeError,
    "initScale must be a finite number > 0, got -1",
  ),
  row(
    'GradScaler initScale "65536"',
    () => new GradScaler({ initScale: "65536" as never }),
    TypeError,
    "Invalid initScale",
  ),
  row(
    "GradScaler initScale Infinity",
    () => new GradScaler({ initScale: Infinity }),
    RangeError,
    "initScale must be a finite number > 0",
  ),
  row(
    "GradScaler growthFactor 0.5",
    () => new GradScaler({ growthFactor: 0.5 }),
    RangeError,
    "The growth factor must be > 1.0, got 0.5.",
  ),
  row(
    "GradScaler backoffFactor 1.5",
    () => new GradScaler({ backoffFactor: 1.5 }),
    RangeError,
    "The backoff factor must be < 1.0, got 1.5.",
  ),
  row(
    "GradScaler backoffFactor 0",
    () => new GradScaler({ backoffFactor: 0 }),
    RangeError,
    "The backoff factor must be > 0, got 0.",
  ),
  row(
    "GradScaler growthInterval 0.5",
    () => new GradScaler({ growthInterval: 0.5 }),
    RangeError,
    "growthInterval must be a positive integer, got 0.5",
  ),
  row(
    'GradScaler growthInterval "2000"',
    () => new GradScaler({ growthInterval: "2000" as never }),
    RangeError,
    'growthInterval must be a positive integer, got the string "2000"',
  ),
  row(
    'GradScaler enabled "yes"',
    () => new GradScaler({ enabled: "yes" as never }),
    TypeError,
    "Invalid enabled",
  ),
  row(
    "GradScaler.update(NaN)",
    (c) => c.scaler.update(NaN),
    RangeError,
    "newScale must be a finite number > 0, got NaN",
  ),
  row(
    "GradScaler.update(0)",
    (c) => c.scaler.update(0),
    RangeError,
    "newScale must be a finite number > 0, got 0",
  ),
  row(
    'GradScaler.update("2")',
    (c) => c.scaler.update("2" as never),
    TypeError,
    "new_scale should be a number or a 1-element float32 Tensor",
  ),
  row(
    'GradScaler.loadStateDict scale "x"',
    async (c) => c.scaler.loadStateDict({ ...(await c.scaler.stateDict()), scale: "x" } as never),
    TypeError,
    "GradScaler state dict: expected scale to be a number, got string",
  ),
  row(
    "GradScaler.loadStateDict backoffFactor 2",
    async (c) => c.scaler.loadStateDict({ ...(await c.scaler.stateDict()), backoffFactor: 2 } as never),
    RangeError,
    "The backoff factor must be < 1.0, got 2.",
  ),
  row(
    "GradScaler.loadStateDict growthTracker -1",
    async (c) => c.scaler.loadStateDict({ ...(await c.scaler.stateDict()), growthTracker: -1 } as never),
    RangeError,
    "growthTracker must be an integer >= 0, got -1",
  ),
  row(
    "save path 123",
    (c) => save(123 as never, { model: c.model }),
    TypeError,
    "Invalid path: expected a string, got 123",
  ),
  row(
    'save path ""',
    (c) => save("", { model: c.model }),
    TypeError,
    "save: expected a file path, got the empty string",
  ),
  row(
    "save model {}",
    (c) => save(`${c.dir}/bad.safetensors`, { model: {} as never }),
    TypeError,
    "Invalid model: expected a Module, got Object",
  ),
  row(
    "save without model",
    (c) => save(`${c.dir}/bad.safetensors`, {} as never),
    TypeError,
    "save: missing required option model",
  ),
  row(
    "save optimizer {}",
    (c) => save(`${c.dir}/bad.safetensors`, { model: c.model, optimizer: {} as never }),
    TypeError,
    "Invalid optimizer: expected a BaseOptimizer",
  ),
  row(
    "save scheduler 1",
    (c) => save(`${c.dir}/bad.safetensors`, { model: c.model, scheduler: 1 as never }),
    TypeError,
    "Invalid scheduler: expected an object with stateDict() and loadStateDict()",
  ),
  row(
    "save extra 5",
    (c) => save(`${c.dir}/bad.safetensors`, { model: c.model, extra: 5 as never }),
    TypeError,
    "Invalid extra: expected an object of JSON values, got number",
  ),
  row(
    "save objects null",
    (c) => save(`${c.dir}/bad.safetensors`, null as never),
    TypeError,
    "save: expected an object with a model, got null",
  ),
  row(
    "load path URL",
    (c) => load(new URL(`file://${c.checkpoint}`) as never, { model: c.model }),
    TypeError,
    "Invalid path: expected a string, got URL",
  ),
  row(
    "load model null",
    (c) => load(c.checkpoint, { model: null as never }),
    TypeError,
    "Invalid model: expected a Module, got null",
  ),
  row(
    "load dataLoader {}",
    (c) => load(c.checkpoint, { model: c.model, dataLoader: {} as never }),
    TypeError,
    "Invalid dataLoader",
  ),
  row(
    'load strict "yes"',
    (c) => load(c.checkpoint, { model: c.model }, { strict: "yes" as never }),
    TypeError,
    "Invalid strict: expected a boolean",
  ),
];
