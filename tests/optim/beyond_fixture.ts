/**
 * tests/fixtures/optim_beyond.json (made by tools/fixtures/optim_beyond.py from independent float32 transcriptions
 * of each optimizer's published update rule, in PyTorch 1.13 ops): its layout, and running its trajectories
 * through gradstep's Adafactor, Muon, Lion, LAMB and ScheduleFreeAdamW.
 *
 * @module
 */
import {
  Adafactor,
  type AdafactorOptions,
  type Device,
  LAMB,
  type LAMBOptions,
  Lion,
  type LionOptions,
  Muon,
  type MuonOptions,
  type Optimizer,
  ScheduleFreeAdamW,
  type ScheduleFreeAdamWGroup,
  type ScheduleFreeAdamWOptions,
  type Tensor,
  tensor,
} from "../../mod.ts";
import { assert, assertEquals } from "../../deps.ts";
import { assertClose, assertTensorClose, loadFixture, TOLERANCE } from "../helpers.ts";
import type { Encoded } from "../nn/fixture.ts";
import { assertStateClose, type EncodedState, makeParams, setGrads } from "./fixture.ts";

/** The optimizers of this fixture. */
export type BeyondName = "Adafactor" | "Muon" | "Lion" | "LAMB" | "ScheduleFreeAdamW";

/** Hyperparameters as gradstep names them, for any of the five. */
export type BeyondOptions = Partial<
  AdafactorOptions & MuonOptions & LionOptions & LAMBOptions & ScheduleFreeAdamWOptions
>;

/** Schedule-Free's per-group bookkeeping after a step. */
export type Bookkeeping = Pick<
  ScheduleFreeAdamWGroup,
  "k" | "trainMode" | "weightSum" | "lrMax" | "scheduledLr"
>;

/** The parameters and state after one step, given that step's gradients (null: no gradient) and group lrs. */
export interface BeyondStep {
  lrs: number[];
  grads: (Encoded | null)[];
  params: Encoded[];
  state: (EncodedState | null)[];
  /** Schedule-Free: each group's bookkeeping. */
  groups?: Bookkeeping[];
  /** Schedule-Free: the parameters after eval() (x), when the trajectory switches after this step … */
  evalParams?: Encoded[];
  /** … and after train() again (y). */
  trainParams?: Encoded[];
}

/** One trajectory, and the source its update rule was transcribed from. */
export interface BeyondTrajectory {
  name: string;
  optimizer: BeyondName;
  transcribedFrom: string;
  options: BeyondOptions;
  groups: { params: number[]; options: BeyondOptions }[] | null;
  schedule: number[][] | null;
  initial: Encoded[];
  steps: BeyondStep[];
}

/** Everything in optim_beyond.json. */
export interface BeyondFixture {
  madeBy: string;
  sources: Record<BeyondName, string>;
  trajectories: BeyondTrajectory[];
}

/** optim_beyond.json, parsed once. */
export const BEYOND: BeyondFixture = loadFixture<BeyondFixture>("optim_beyond");

/** The trajectories of `optimizer`. */
export function trajectoriesOf(optimizer: BeyondName): BeyondTrajectory[] {
  return BEYOND.trajectories.filter((t) => t.optimizer === optimizer);
}

type Given = Tensor[] | { params: Tensor[] }[];
const MAKERS: Record<BeyondName, (params: Given, options: BeyondOptions) => Optimizer<{ lr: number }>> = {
  Adafactor: (params, options) => new Adafactor(params, options),
  Muon: (params, options) => new Muon(params, options),
  Lion: (params, options) => new Lion(params, options),
  LAMB: (params, options) => new LAMB(params, options),
  ScheduleFreeAdamW: (params, options) => new ScheduleFreeAdamW(params, options),
};

/** The gradstep optimizer of a trajectory over `params`; a ScheduleFreeAdamW is put in train mode. */
export function makeBeyond(
  t: Pick<BeyondTrajectory, "optimizer" | "options" | "groups">,
  params: Tensor[],
): Optimizer<{ lr: number }> {
  const given = t.groups === null
    ? params
    : t.groups.map((g) => ({ params: g.params.map((i) => params[i]), ...g.options }));
  const opt = MAKERS[t.optimizer](given, t.options);
  if (opt instanceof ScheduleFreeAdamW) opt.train();
  return opt;
}

/** Throws unless every parameter and its state match `expected` (read concurrently: one wait per step). */
async function assertParamsAndState(
  opt: Optimizer<{ lr: number }>,
  params: Tensor[],
  expected: Pick<BeyondStep, "params" | "state">,
  what: string,
): Promise<void> {
  await Promise.all(params.map(async (p, i) => {
    await assertTensorClose(p, expected.params[i], TOLERANCE.optimizer, `${what} param ${i}`);
    await assertStateClose(opt.state.get(p), expected.state[i], `${what} state of param ${i}`);
  }));
}

/** Throws unless Schedule-Free's groups hold the transcription's bookkeeping (doubles: to 1e-12). */
function assertBookkeeping(opt: ScheduleFreeAdamW, expected: Bookkeeping[], what: string): void {
  opt.paramGroups.forEach((g, i) => {
    const e = expected[i];
    assertEquals([g.k, g.trainMode], [e.k, e.trainMode], `${what} group ${i} k and trainMode`);
    assertClose(
      [g.weightSum, g.lrMax, g.scheduledLr],
      [e.weightSum, e.lrMax, e.scheduledLr],
      { rtol: 1e-12, atol: 0 },
      `${what} group ${i} weightSum, lrMax and scheduledLr`,
    );
  });
}

/**
 * Runs steps `from` to `to` of `t` on `opt`, checking parameters, state and group lrs after each one (and, for
 * Schedule-Free, the bookkeeping and the parameters after eval() and train() where the trajectory switches).
 */
export async function runBeyond(
  t: BeyondTrajectory,
  opt: Optimizer<{ lr: number }>,
  params: Tensor[],
  dev: Device,
  from = 0,
  to: number = t.steps.length,
): Promise<void> {
  for (let k = from; k < to; k++) {
    const step = t.steps[k];
    const what = `step ${k + 1}`;
    if (t.schedule !== null) opt.paramGroups.forEach((g, i) => (g.lr = t.schedule![k][i]));
    setGrads(params, step.grads, dev);
    opt.step();
    assertClose(opt.paramGroups.map((g) => g.lr), step.lrs, { rtol: 0, atol: 0 }, `${what} group lrs`);
    await assertParamsAndState(opt, params, step, what);
    if (!(opt instanceof ScheduleFreeAdamW)) continue;
    assertBookkeeping(opt, step.groups!, what);
    if (step.evalParams === undefined) continue;
    opt.eval();
    await assertParamsAndState(opt, params, { ...step, params: step.evalParams }, `${what}, eval(),`);
    opt.train();
    await assertParamsAndState(
      opt,
      params,
      { ...step, params: step.trainParams! },
      `${what}, train() again,`,
    );
  }
}

/** Each parameter's state as plain values (null without state), in the order of `params`. */
async function stateOf(opt: Optimizer<{ lr: number }>, params: Tensor[]): Promise<unknown[]> {
  return await Promise.all(params.map(async (param) => {
    const s = opt.state.get(param);
    if (s === undefined) return null;
    const entry: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) entry[k] = typeof v === "number" ? v : Array.from(await v.data());
    return entry;
  }));
}

/**
 * Runs `t` for `at` steps, round-trips `stateDict()` through JSON into a fresh optimizer (hyperparameters and
 * bookkeeping from the state dict alone) over copies of the parameters, and checks that the resumed run follows the
 * fixture and, bit for bit, the uninterrupted one.
 */
export async function assertResumes(t: BeyondTrajectory, dev: Device, at = 3): Promise<void> {
  const params = makeParams(t.initial, dev);
  const opt = makeBeyond(t, params);
  await runBeyond(t, opt, params, dev, 0, at);
  const json = JSON.parse(JSON.stringify(await opt.stateDict()));
  const copies = await Promise.all(
    params.map(async (x) => tensor(await x.data(), { shape: x.shape, device: dev, requiresGrad: true })),
  );
  const resumed = makeBeyond({ ...t, options: {} }, copies);
  resumed.loadStateDict(json);
  for (let k = at; k < t.steps.length; k++) {
    await runBeyond(t, resumed, copies, dev, k, k + 1);
    if (t.schedule !== null) opt.paramGroups.forEach((g, i) => (g.lr = t.schedule![k][i]));
    setGrads(params, t.steps[k].grads, dev);
    opt.step();
    if (opt instanceof ScheduleFreeAdamW && t.steps[k].evalParams !== undefined) {
      opt.eval();
      opt.train();
    }
    const [mine, theirs] = await Promise.all([
      Promise.all(copies.map((x) => x.data())),
      Promise.all(params.map((x) => x.data())),
    ]);
    assertEquals(mine, theirs, `step ${k + 1} parameters, resumed and uninterrupted`);
    assertEquals(await stateOf(resumed, copies), await stateOf(opt, params), `step ${k + 1} state`);
  }
}

/**
 * Runs one step of `opt` while `dev`'s backend counts reads of device memory, and throws unless there were none:
 * step() decides everything on the device.
 */
export function assertStepReadsNothing(opt: Optimizer<{ lr: number }>, dev: Device): void {
  const backend = dev.backend;
  const { read, readSync } = backend;
  let reads = 0;
  backend.read = (...args) => (reads++, read.apply(backend, args));
  if (readSync !== undefined) backend.readSync = (...args) => (reads++, readSync.apply(backend, args));
  try {
    opt.step();
  } finally {
    backend.read = read;
    backend.readSync = readSync;
  }
  assert(reads === 0, `step() read device memory ${reads} times`);
}
