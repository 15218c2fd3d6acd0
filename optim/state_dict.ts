/**
 * What an optimizer's parameter groups and per-parameter state are, and how a state dict holds them: PyTorch's
 * `state_dict` layout, with state tensors read back as typed arrays, and the way back to tensors on a device.
 *
 * @module
 */
import { tensor } from "../tensor/creation.ts";
import type { TypedArray } from "../tensor/dtype.ts";
import { Tensor } from "../tensor/tensor.ts";

/** Per-parameter state: tensors (moments, buffers) and numbers (step counts), keyed as PyTorch in camelCase. */
export type State = Record<string, Tensor | number>;

/** A parameter group: its parameters and its values of every hyperparameter. */
export type ParamGroup<O> = O & { params: Tensor[] };

/** A group as given by the user: parameters plus any hyperparameters that override the defaults. */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> | Tensor };

/** What optimizers accept as `params`: tensors (one group) or groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Hyperparameter values as a state dict stores them. */
export type GroupValues = Record<string, unknown>;

/**
 * One state entry as a state dict holds it: a tensor's values (a typed array, or an array of numbers after JSON), a
 * number, or a list of either (LBFGS's history).
 */
export type StateDictValue = TypedArray | number[] | number | (TypedArray | number[] | number)[];

/** PyTorch's optimizer `state_dict` layout, with state tensors as typed arrays. */
export interface OptimizerStateDict {
  /** Per-parameter state by the parameter's position across all groups. */
  state: Record<number, Record<string, StateDictValue>>;
  /** Each group's hyperparameters and the positions of its parameters. */
  paramGroups: (GroupValues & { params: number[] })[];
}

/** A state value as a state dict holds it: tensors read back, lists element by element. */
export async function saved(value: unknown): Promise<StateDictValue> {
  if (value instanceof Tensor) return await value.data();
  if (Array.isArray(value)) return await Promise.all(value.map(saved)) as StateDictValue;
  return value as StateDictValue;
}

/** The values of a saved tensor: a typed array, an array of numbers, or what JSON makes of a typed array. */
export function savedValues(value: unknown): ArrayLike<number> {
  if (ArrayBuffer.isView(value)) return value as TypedArray;
  return Array.isArray(value) ? value : Object.values(value as object);
}

/**
 * A tensor of `like`'s shape and dtype on `device`, from a state dict's `value` (see {@link savedValues}); throws,
 * naming the entry `key`, when the number of values is wrong.
 */
export function restoredTensor(
  value: unknown,
  like: { shape: readonly number[]; dtype: Tensor["dtype"]; numel: number },
  device: Tensor["device"],
  key: string,
): Tensor {
  const values = savedValues(value);
  if (values.length !== like.numel) {
    throw new Error(
      `State ${key} of shape [${like.shape}] has ${values.length} values, expected ${like.numel}`,
    );
  }
  return tensor(values as number[], { dtype: like.dtype, device }).reshape(like.shape);
}

/** A number saved as a one-element tensor (e.g. a step count kept on the device), as a number. */
export function restoredNumber(value: unknown, key: string): number {
  const values = savedValues(value);
  if (values.length !== 1) throw new Error(`State ${key} has ${values.length} values, expected a number`);
  return Number(values[0]);
}
