/**
 * tests/fixtures/optim.json (made by tools/fixtures/optim.py from a real PyTorch): its layout, and running its
 * trajectories through gradstep's optimizers.
 *
 * @module
 */
import {
  Adam,
  type AdamOptions,
  type Device,
  type Optimizer,
  SGD,
  type SGDOptions,
  type Tensor,
} from "../../mod.ts";
import { assertEquals } from "../../deps.ts";
import { assertClose, assertTensorClose, loadFixture, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "../nn/fixture.ts";

/** Hyperparameters as gradstep names them. */
export type Options = Partial<SGDOptions & AdamOptions>;

/** A group: positions into the case's parameters, and its overrides. */
export interface GroupSpec {
  params: number[];
  options: Options;
}

/** One parameter's state as PyTorch had it: camelCase keys, tensors encoded, the step count a number. */
export type EncodedState = Record<string, Encoded | number>;

/** The parameters and state after one step, given that step's gradients (null: no gradient) and group lrs. */
export interface Step {
  lrs: number[];
  grads: (Encoded | null)[];
  params: Encoded[];
  state: (EncodedState | null)[];
}

/** One trajectory made by PyTorch. */
export interface Trajectory {
  name: string;
  optimizer: "SGD" | "Adam";
  madeWith: string;
  options: Options;
  groups: GroupSpec[] | null;
  /** Per step, each group's lr set before the step (as a scheduler would), or null when the lrs never change. */
  schedule: number[][] | null;
  initial: Encoded[];
  steps: Step[];
}

/** PyTorch's `optimizer.state_dict()` after the given steps, with camelCase names. */
export interface StateDictCase {
  optimizer: "SGD" | "Adam";
  options: Options;
  groups: GroupSpec[];
  initial: Encoded[];
  grads: (Encoded | null)[][];
  stateDict: {
    state: Record<string, Record<string, Encoded | number | null>>;
    paramGroups: (Record<string, unknown> & { params: number[] })[];
  };
}

/** A PyTorch exception: its class, its message (without a trailing type name) and that type name. */
export interface PyTorchError {
  type: "TypeError" | "ValueError";
  message: string;
  got?: string;
}

/** Everything in optim.json. */
export interface OptimFixture {
  trajectories: Trajectory[];
  stateDicts: StateDictCase[];
  validation: Record<string, PyTorchError | null>;
}

/** optim.json, parsed once. */
export const OPTIM: OptimFixture = loadFixture<OptimFixture>("optim");

/** The trajectory of `optimizer` named `name`. */
export function trajectory(optimizer: "SGD" | "Adam", name: string): Trajectory {
  const found = OPTIM.trajectories.find((t) => t.optimizer === optimizer && t.name === name);
  if (found === undefined) throw new Error(`No ${optimizer} trajectory "${name}" in optim.json`);
  return found;
}

/** Fresh leaf parameters holding `initial`, on `dev`. */
export function makeParams(initial: Encoded[], dev: Device): Tensor[] {
  return initial.map((e) => fromFixture(e, dev, true));
}

/** The gradstep optimizer of a case, over `params`. */
export function makeOptimizer(
  c: { optimizer: "SGD" | "Adam"; options: Options; groups: GroupSpec[] | null },
  params: Tensor[],
): Optimizer<{ lr: number }> {
  const given = c.groups === null
    ? params
    : c.groups.map((g) => ({ params: g.params.map((i) => params[i]), ...g.options }));
  return c.optimizer === "SGD" ? new SGD(given, c.options) : new Adam(given, c.options);
}

/** Sets each parameter's gradient for one step, from the fixture (null stays null). */
export function setGrads(params: Tensor[], grads: (Encoded | null)[], dev: Device): void {
  params.forEach((p, i) => {
    const g = grads[i];
    p.grad = g === null ? null : fromFixture(g, dev);
  });
}

/** Throws unless `state` (gradstep's, for one parameter) matches PyTorch's: the same keys, close values. */
export async function assertStateClose(
  state: Record<string, Tensor | number> | undefined,
  expected: Record<string, Encoded | number | null> | null,
  what: string,
): Promise<void> {
  if (expected === null) {
    assertEquals(state, undefined, `${what}: PyTorch has no state for it yet`);
    return;
  }
  if (state === undefined) throw new Error(`${what}: no state, expected keys ${Object.keys(expected)}`);
  const keys = Object.keys(expected).filter((k) => expected[k] !== null);
  assertEquals(Object.keys(state).sort(), keys.sort(), `${what}: state keys`);
  for (const key of keys) {
    const e = expected[key]!;
    const a = state[key];
    if (typeof e === "number") assertEquals(a, e, `${what}.${key}`);
    else if (typeof a === "number") throw new Error(`${what}.${key} is a number, expected a tensor`);
    else await assertTensorClose(a, e, TOLERANCE.optimizer, `${what}.${key}`);
  }
}

/** Runs `steps` of `t` (from step `from`) on `opt`, checking parameters, state and group lrs after each one. */
export async function runSteps(
  t: Trajectory,
  opt: Optimizer<{ lr: number }>,
  params: Tensor[],
  dev: Device,
  from = 0,
  to = t.steps.length,
): Promise<void> {
  for (let k = from; k < to; k++) {
    const step = t.steps[k];
    if (t.schedule !== null) opt.paramGroups.forEach((g, i) => (g.lr = t.schedule![k][i]));
    setGrads(params, step.grads, dev);
    opt.step();
    assertClose(opt.paramGroups.map((g) => g.lr), step.lrs, { rtol: 0, atol: 0 }, `step ${k + 1} group lrs`);
    for (const [i, p] of params.entries()) {
      await assertTensorClose(p, step.params[i], TOLERANCE.optimizer, `step ${k + 1} param ${i}`);
      await assertStateClose(opt.state.get(p), step.state[i], `step ${k + 1} state of param ${i}`);
    }
  }
}
