/**
 * Reading tests/fixtures/attention.json (made by tools/fixtures/attention.py from PyTorch 1.13): its tensors, and
 * a module's state dict and gradients keyed by PyTorch's names.
 *
 * @module
 */
import { type Device, type Module, type Tensor, tensor } from "../../mod.ts";
import { assertEquals } from "../../deps.ts";
import { assertTensorClose, loadFixture, type Tolerance } from "../helpers.ts";

/** A tensor as tools/fixtures/attention.py writes it. */
export interface Encoded {
  shape: number[];
  dtype: "float32" | "int32" | "bool";
  data: number[];
}

/** The tensor `e` on `dev`. */
export function load(e: Encoded, dev: Device, requiresGrad = false): Tensor {
  const data = e.dtype === "float32" ? new Float32Array(e.data) : new Int32Array(e.data);
  return tensor(data, { shape: e.shape, dtype: e.dtype, device: dev, requiresGrad });
}

/** A PyTorch module's state dict: its keys in order and the tensors. */
export interface ModuleState {
  keys: string[];
  state: Record<string, Encoded>;
}

/** Loads PyTorch's state dict into `module` after asserting that the key lists are equal, in order. */
export function loadPyTorchState(module: Module, fixture: ModuleState, dev: Device): void {
  assertEquals(Object.keys(module.stateDict()), fixture.keys);
  const state = Object.fromEntries(Object.entries(fixture.state).map(([k, e]) => [k, load(e, dev)]));
  module.loadStateDict(state);
}

/** Asserts that `module`'s state dict reads back as PyTorch's (the way back) and its gradients match. */
export async function assertGradsAndState(
  module: Module,
  fixture: ModuleState & { grads: Record<string, Encoded> },
  tolerance: Tolerance,
): Promise<void> {
  const state = module.stateDict();
  assertEquals(Object.keys(state), fixture.keys);
  for (const key of fixture.keys) {
    assertEquals(
      Array.from(await state[key].data()),
      fixture.state[key].data.map(Math.fround),
      `state ${key}`,
    );
  }
  const params = module.namedParameters();
  assertEquals(params.map(([name]) => name), Object.keys(fixture.grads));
  for (const [name, p] of params) {
    await assertTensorClose(p.grad!, fixture.grads[name], tolerance, `grad ${name}`);
  }
}

/** The whole fixture file. */
export function attentionFixture<T>(): T {
  return loadFixture<T>("attention");
}
