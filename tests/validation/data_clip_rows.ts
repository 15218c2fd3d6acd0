/**
 * Bad inputs for tests/validation/options_test.ts: DataLoader, TensorDataset and gradient clipping.
 *
 * @module
 */
import {
  clipGradNorm,
  clipGradsWithNorm,
  clipGradValue,
  DataLoader,
  getTotalNorm,
  TensorDataset,
} from "../../mod.ts";
import { type Row, row } from "./row.ts";

export const DATA_CLIP_ROWS: Row[] = [
  row(
    "DataLoader batchSize 0",
    (c) => new DataLoader(c.loader.dataset, { batchSize: 0 }),
    RangeError,
    "batchSize should be a positive integer value, but got batchSize=0",
  ),
  row(
    'DataLoader batchSize "8"',
    (c) => new DataLoader(c.loader.dataset, { batchSize: "8" as never }),
    RangeError,
    "batchSize should be a positive integer value",
  ),
  row(
    "DataLoader batchSize 2.5",
    (c) => new DataLoader(c.loader.dataset, { batchSize: 2.5 }),
    RangeError,
    "batchSize=2.5",
  ),
  row(
    'DataLoader shuffle "yes"',
    (c) => new DataLoader(c.loader.dataset, { shuffle: "yes" as never }),
    TypeError,
    "Invalid shuffle",
  ),
  row(
    "DataLoader seed -1",
    (c) => new DataLoader(c.loader.dataset, { seed: -1 }),
    RangeError,
    "seed should be a non-negative integer, but got seed=-1",
  ),
  row(
    "DataLoader unknown option batch_size",
    (c) => new DataLoader(c.loader.dataset, { batch_size: 8 } as never),
    TypeError,
    "DataLoader: unexpected option batch_size",
  ),
  row("DataLoader of null", () => new DataLoader(null as never), TypeError, "DataLoader expects a Dataset"),
  row(
    "DataLoader.loadStateDict batch -1",
    (c) => c.loader.loadStateDict({ ...c.loader.stateDict(), batch: -1 }),
    Error,
    "batch",
  ),
  row(
    "TensorDataset of no tensors",
    () => new TensorDataset(),
    Error,
    "TensorDataset needs at least one tensor",
  ),
  row(
    "clipGradNorm maxNorm NaN",
    (c) => clipGradNorm(c.params, NaN),
    RangeError,
    "Invalid maxNorm: expected a number >= 0, got NaN",
  ),
  row(
    'clipGradNorm maxNorm "1"',
    (c) => clipGradNorm(c.params, "1" as never),
    TypeError,
    'Invalid maxNorm: expected a number >= 0, got the string "1"',
  ),
  row(
    "clipGradNorm maxNorm -1",
    (c) => clipGradNorm(c.params, -1),
    RangeError,
    "Invalid maxNorm: expected a number >= 0, got -1",
  ),
  row(
    'clipGradNorm normType "2"',
    (c) => clipGradNorm(c.params, 1, { normType: "2" as never }),
    TypeError,
    "Invalid normType",
  ),
  row(
    "clipGradNorm normType NaN",
    (c) => clipGradNorm(c.params, 1, { normType: NaN }),
    RangeError,
    "Invalid normType",
  ),
  row(
    "clipGradNorm errorIfNonfinite 1",
    (c) => clipGradNorm(c.params, 1, { errorIfNonfinite: 1 as never }),
    TypeError,
    "Invalid errorIfNonfinite",
  ),
  row(
    "clipGradNorm of numbers",
    () => clipGradNorm([1, 2] as never, 1),
    TypeError,
    "Expected Tensors, but element 0 is number",
  ),
  row(
    "clipGradNorm of a number",
    () => clipGradNorm(3 as never, 1),
    TypeError,
    "Expected a Tensor or an iterable of Tensors, got number",
  ),
  row(
    "clipGradValue clipValue NaN",
    (c) => clipGradValue(c.params, NaN),
    RangeError,
    "Invalid clipValue: expected a number >= 0, got NaN",
  ),
  row(
    "clipGradValue clipValue -0.5",
    (c) => clipGradValue(c.params, -0.5),
    RangeError,
    "Invalid clipValue: expected a number >= 0, got -0.5",
  ),
  row(
    'clipGradValue clipValue "0.5"',
    (c) => clipGradValue(c.params, "0.5" as never),
    TypeError,
    "Invalid clipValue",
  ),
  row(
    'getTotalNorm normType "inf"',
    (c) => getTotalNorm(c.params, { normType: "inf" as never }),
    TypeError,
    "Invalid normType",
  ),
  row(
    "getTotalNorm norm_type 2",
    (c) => getTotalNorm(c.params, { norm_type: 2 } as never),
    TypeError,
    "clipGradNorm: unexpected option norm_type",
  ),
  row(
    "clipGradsWithNorm maxNorm -1",
    (c) => clipGradsWithNorm(c.params, -1, c.params[0]),
    RangeError,
    "Invalid maxNorm",
  ),
  row(
    "clipGradsWithNorm totalNorm 1",
    (c) => clipGradsWithNorm(c.params, 1, 1 as never),
    TypeError,
    "Invalid totalNorm: expected a Tensor",
  ),
];
