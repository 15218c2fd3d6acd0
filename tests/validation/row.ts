/**
 * The rows of tests/validation/options_test.ts: each names a public constructor or function, makes the call with
 * one bad value (NaN, a string for a number, a negative or fractional size, an array of the wrong length, an
 * object of the wrong type, an unknown option name), and gives the Error it must throw or reject with.
 *
 * @module
 */
import type { Adam, DataLoader, GradScaler, Linear, ReduceLROnPlateau, StepLR, Tensor } from "../../mod.ts";
import type { Device } from "../../backends/device.ts";

/** What the rows act on: the user's model, optimizer, schedulers, scaler, data loader and checkpoint. */
export interface Context {
  /** The device the user's tensors live on. */
  dev: Device;
  /** The user's model. */
  model: Linear;
  /** Its parameters, with gradients. */
  params: Tensor[];
  /** An Adam over `params`, one step taken (so it has state). */
  optimizer: Adam;
  /** A StepLR of `optimizer`, stepped once. */
  scheduler: StepLR;
  /** A ReduceLROnPlateau of `optimizer`, given one metric. */
  plateau: ReduceLROnPlateau;
  /** A GradScaler that has scaled a loss. */
  scaler: GradScaler;
  /** A DataLoader over 8 samples. */
  loader: DataLoader;
  /** A folder for checkpoints, holding `checkpoint`. */
  dir: string;
  /** A checkpoint of the model and optimizer, saved before the rows run. */
  checkpoint: string;
}

/** One bad input: the call, and the Error class and message it must throw (or reject with). */
export interface Row {
  /** The public constructor or function and the bad value. */
  name: string;
  /** Makes the call. */
  call: (c: Context) => unknown;
  /** The Error's class. */
  error: new (...args: never[]) => Error;
  /** What its message must include. */
  message: string;
}

/** A row. */
export const row = (
  name: string,
  call: (c: Context) => unknown,
  error: Row["error"],
  message: string,
): Row => ({ name, call, error, message });

/** `value` typed as whatever the call takes: a bad value TypeScript would refuse, as plain JavaScript passes it. */
export const bad = <T>(value: unknown): T => value as T;
