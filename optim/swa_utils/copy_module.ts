/**
 * A deep copy of a Module for AveragedModel (PyTorch's `copy.deepcopy(model)`), built from the public Module API.
 *
 * @module
 */
import { noGrad } from "../../autograd/node.ts";
import { Module } from "../../nn/module.ts";
import { Parameter } from "../../nn/parameter.ts";
import { Sequential } from "../../nn/sequential.ts";
import { zerosLike } from "../../tensor/creation.ts";
import { Tensor } from "../../tensor/tensor.ts";

function copyTensor(t: Tensor): Tensor {
  return noGrad(() => zerosLike(t).copy_(t));
}

function copyValue(value: unknown, memo: Map<object, unknown>): unknown {
  if (value === null || typeof value !== "object") return value; // numbers, strings, functions: shared
  if (memo.has(value)) return memo.get(value);
  let out: unknown;
  if (value instanceof Parameter) out = new Parameter(copyTensor(value), value.requiresGrad);
  else if (value instanceof Tensor) out = copyTensor(value);
  else if (value instanceof Module) out = copyOne(value, memo);
  else if (Array.isArray(value)) out = value.map((v) => copyValue(v, memo));
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyValue(v, memo)]));
  } else out = value; // other objects (a device, say): shared, as a Python deepcopy shares what it cannot copy
  memo.set(value, out);
  return out;
}

/**
 * One module: Sequential through its constructor (it keeps its children privately); any other module as a
 * Module with the same prototype — Module's own initialisers run, the subclass's constructor does not — holding
 * copies of the original's fields and of its own buffers.
 */
function copyOne(module: Module, memo: Map<object, unknown>): Module {
  const out = module instanceof Sequential
    ? new Sequential(...module.children().map((child) => copyValue(child, memo) as Module))
    : Reflect.construct(Module, [], module.constructor) as Module;
  memo.set(module, out);
  for (const [key, value] of Object.entries(module)) {
    (out as unknown as Record<string, unknown>)[key] = copyValue(value, memo);
  }
  if (!(module instanceof Sequential)) {
    const persistent = new Set(Object.keys(module.stateDict()));
    for (const [name, buffer] of module.namedBuffers()) {
      if (name.includes(".")) continue; // a submodule's: copied with it
      out.registerBuffer(name, copyValue(buffer, memo) as Tensor, { persistent: persistent.has(name) });
    }
  }
  return out;
}

/**
 * A copy of `model` with copies of every parameter and buffer, checked to have the same parameters and buffers
 * under the same names and to share none of them. Modules keeping tensors or submodules outside their fields and
 * registered buffers (other than Sequential) cannot be copied this way, and raise an error naming the difference.
 */
export function copyModule<M extends Module>(model: M): M {
  const copy = copyValue(model, new Map()) as M;
  const describe = (m: Module): string =>
    [...m.namedParameters(), ...m.namedBuffers()].map(([name, t]) => `${name} [${t.shape}]`).join(", ");
  const original = new Set<Tensor>([...model.parameters(), ...model.buffers()]);
  let problem: string | undefined;
  try {
    if (describe(copy) !== describe(model)) problem = `the copy has ${describe(copy)}`;
    else if ([...copy.parameters(), ...copy.buffers()].some((t) => original.has(t))) {
      problem = "the copy shares tensors with the model";
    }
  } catch (error) {
    problem = `the copy cannot be read (${(error as Error).message})`;
  }
  if (problem !== undefined) {
    throw new Error(
      `AveragedModel could not copy ${model.constructor.name}: ${problem}, expected its own ${
        describe(model)
      } ` +
        "(a module keeping tensors or submodules outside its fields and buffers cannot be copied)",
    );
  }
  return copy;
}
