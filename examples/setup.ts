/**
 * What the examples share on the command line: the `--device` flag checked and opened, whole-number flags
 * checked, and MNIST normalised as the seed normalises it.
 *
 * @module
 */
import { type Device, device, MNIST, transforms } from "../mod.ts";

/** The devices `--device` names. */
export type DeviceFlag = "auto" | "cpu" | "webgpu";

/**
 * The value of `--device`, checked.
 *
 * @example
 * ```ts
 * import { deviceFlag } from "./setup.ts";
 * deviceFlag("cpu"); // "cpu"
 * ```
 */
export function deviceFlag(value: string): DeviceFlag {
  if (value !== "auto" && value !== "cpu" && value !== "webgpu") {
    throw new Error(`--device must be auto, cpu or webgpu, got ${value}`);
  }
  return value;
}

/**
 * Opens the device `--device` names and prints which one it got (a software WebGPU adapter says so in its name).
 *
 * @example
 * ```ts
 * import { openDevice } from "./setup.ts";
 * const dev = await openDevice("cpu"); // prints "Device: cpu (cpu)"
 * ```
 */
export async function openDevice(value: string): Promise<Device> {
  const dev = await device(deviceFlag(value));
  console.log(`Device: ${dev.type} (${dev.name})`);
  return dev;
}

/**
 * The value of `--flag` as a positive integer; throws naming the flag and the value otherwise.
 *
 * @example
 * ```ts
 * import { positiveInteger } from "./setup.ts";
 * positiveInteger("epochs", "3"); // 3
 * ```
 */
export function positiveInteger(flag: string, value: string | number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got ${value}`);
  return n;
}

/**
 * The value of `--flag` as a whole number (0 or more, e.g. a seed); throws naming the flag and the value otherwise.
 *
 * @example
 * ```ts
 * import { nonNegativeInteger } from "./setup.ts";
 * nonNegativeInteger("seed", "0"); // 0
 * ```
 */
export function nonNegativeInteger(flag: string, value: string | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(`--${flag} must be a non-negative integer, got ${value}`);
  }
  return n;
}

/**
 * MNIST's training or test set as the seed loads it: `toTensor`, then normalised with mean 0.1307 and std 0.3081.
 *
 * @example
 * ```ts
 * import { seedMnist } from "./setup.ts";
 * const test = await seedMnist(false);
 * console.log(test.length); // 10000
 * ```
 */
export async function seedMnist(train: boolean): Promise<MNIST> {
  const transform = transforms.compose(transforms.toTensor(), transforms.normalize([0.1307], [0.3081]));
  return await MNIST.load({ train, transform });
}
