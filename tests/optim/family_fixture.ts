/**
 * tests/fixtures/optim_family.json (made by tools/fixtures/optim_family.py with PyTorch 1.13; NAdam's and part of
 * RAdam's from transcriptions of PyTorch 2 that the script checks against 1.13): its layout, running its
 * trajectories through gradstep's AdamW, Adagrad, Adadelta, Adamax, NAdam, RAdam, RMSprop, Rprop and ASGD, and the
 * tests every one of them gets.
 *
 * @module
 */
import {
  Adadelta,
  type AdadeltaOptions,
  Adagrad,
  type AdagradOptions,
  Adamax,
  type AdamaxOptions,
  AdamW,
  type AdamWOptions,
  ASGD,
  type ASGDOptions,
  type Device,
  type LBFGSOptions,
  NAdam,
  type NAdamOptions,
  type Optimizer,
  RAdam,
  type RAdamOptions,
  RMSprop,
  type RMSpropOptions,
  Rprop,
  type RpropOptions,
  type StrongWolfeOptions,
  type Tensor,
  tensor,
  tidy,
} from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertClose, assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import type { Encoded } from "../nn/fixture.ts";
import { assertStateClose, type GroupSpec, makeParams, setGrads, type Step } from "./fixture.ts";
import { assertStepReadsNothing } from "./beyond_fixture.ts";

/** The optimizers with per-parameter trajectories in this fixture. */
export type FamilyName =
  | "AdamW"
  | "Adagrad"
  | "Adadelta"
  | "Adamax"
  | "NAdam"
  | "RAdam"
  | "RMSprop"
  | "Rprop"
  | "ASGD";

/** Hyperparameters as gradstep names them, for any of them. */
export type FamilyOptions = Partial<
  & AdamWOptions
  & AdagradOptions
  & AdadeltaOptions
  & AdamaxOptions
  & NAdamOptions
  & RAdamOptions
  & RMSpropOptions
  & RpropOptions
  & ASGDOptions
>;

/** One trajectory, made by PyTorch (`madeWith` names the class; NAdam2 and RAdam2 are the transcriptions). */
export interface FamilyTrajectory {
  name: string;
  optimizer: FamilyName;
  madeWith: string;
  transcribedFrom?: string;
  options: FamilyOptions;
  groups: (Omit<GroupSpec, "options"> & { options: FamilyOptions })[] | null;
  schedule: number[][] | null;
  initial: Encoded[];
  steps: Step[];
}

/** One LBFGS step: the closure's first loss, how often the closure ran, the parameters and LBFGS's state. */
export interface LBFGSStep {
  loss: number;
  evaluations: number;
  params: Encoded[];
  state: Record<string, Encoded | Encoded[] | number | number[]>;
}

/** An LBFGS trajectory minimizing `objective` (a function of three parameters; see lbfgs_test.ts). */
export interface LBFGSTrajectory {
  name: string;
  objective: "rosenbrock" | "quartic";
  options: Partial<LBFGSOptions>;
  initial: Encoded[];
  steps: LBFGSStep[];
}

/** PyTorch's _strong_wolfe (in float64) along one of Moré and Thuente's test functions: every trial and the result. */
export interface LineSearchCase {
  function: "quadratic" | "more-thuente 1" | "more-thuente 2" | "more-thuente 3";
  beta: number | null;
  t: number;
  options: Partial<StrongWolfeOptions>;
  trials: number[];
  result: { t: number; loss: number; evals: number };
}

/** A PyTorch exception: its class and message. */
export interface PyTorchError {
  type: "TypeError" | "ValueError";
  message: string;
}

/** Everything in optim_family.json. */
export interface FamilyFixture {
  madeBy: string;
  transcriptions: Record<
    "NAdam" | "RAdam",
    { source: string; checkedAgainst: string; maxRelativeDifference: number }
  >;
  trajectories: FamilyTrajectory[];
  lbfgs: LBFGSTrajectory[];
  lineSearches: LineSearchCase[];
  validation: Record<string, PyTorchError | null>;
}

/** optim_family.json, parsed once. */
export const FAMILY: FamilyFixture = loadFixture<FamilyFixture>("optim_family");

type Given = Tensor[] | { params: Tensor[] }[];
const MAKERS: Record<FamilyName, (params: Given, options: FamilyOptions) => Optimizer<{ lr: number }>> = {
  AdamW: (params, options) => new AdamW(params, options),
  Adagrad: (params, options) => new Adagrad(params, options),
  Adadelta: (params, options) => new Adadelta(params, options),
  Adamax: (params, options) => new Adamax(params, options),
  NAdam: (params, options) => new NAdam(params, options),
  RAdam: (params, options) => new RAdam(params, options),
  RMSprop: (params, options) => new RMSprop(params, options),
  Rprop: (params, options) => new Rprop(params, options),
  ASGD: (params, options) => new ASGD(params, options),
};

/** The trajectories of `optimizer`. */
export function trajectoriesOf(optimizer: FamilyName): FamilyTrajectory[] {
  return FAMILY.trajectories.filter((t) => t.optimizer === optimizer);
}

/** The gradstep optimizer of a trajectory over `params`. */
export function makeFamily(
  t: Pick<FamilyTrajectory, "optimizer" | "options" | "groups">,
  params: Tensor[],
): Optimizer<{ lr: number }> {
  const given = t.groups === null
    ? params
    : t.groups.map((g) => ({ params: g.params.map((i) => params[i]), ...g.options }));
  return MAKERS[t.optimizer](given, t.options);
}

/** Runs steps `from` to `to` of `t` on `opt`, checking parameters, state and group lrs after each one. */
export async function runFamily(
  t: FamilyTrajectory,
  opt: Optimizer<{ lr: number }>,
  params: Tensor[],
  dev: Device,
  from = 0,
  to: number = t.steps.length,
): Promise<void> {
  for (let k = from; k < to; k++) {
    const step = t.steps[k];
    if (t.schedule !== null) opt.paramGroups.forEach((g, i) => (g.lr = t.schedule![k][i]));
    setGrads(params, step.grads, dev);
    opt.step();
    assertClose(opt.paramGroups.map((g) => g.lr), step.lrs, { rtol: 0, atol: 0 }, `step ${k + 1} group lrs`);
    await Promise.all(params.map(async (p, i) => {
      await assertTensorClose(p, step.params[i], TOLERANCE.optimizer, `step ${k + 1} param ${i}`);
      await assertStateClose(opt.state.get(p), step.state[i], `step ${k + 1} state of param ${i}`);
    }));
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
 * Runs `t` for `at` steps, round-trips `stateDict()` through JSON into a fresh optimizer (hyperparameters from the
 * state dict alone) over copies of the parameters, and checks that the resumed run follows PyTorch and, bit for
 * bit, the uninterrupted one.
 */
export async function assertResumes(t: FamilyTrajectory, dev: Device, at = 3): Promise<void> {
  const params = makeParams(t.initial, dev);
  const opt = makeFamily(t, params);
  await runFamily(t, opt, params, dev, 0, at);
  const json = JSON.parse(JSON.stringify(await opt.stateDict()));
  const copies = await Promise.all(
    params.map(async (x) => tensor(await x.data(), { shape: x.shape, device: dev, requiresGrad: true })),
  );
  const resumed = makeFamily({ ...t, options: {} }, copies);
  resumed.loadStateDict(json);
  for (let k = at; k < t.steps.length; k++) {
    await runFamily(t, resumed, copies, dev, k, k + 1);
    if (t.schedule !== null) opt.paramGroups.forEach((g, i) => (g.lr = t.schedule![k][i]));
    setGrads(params, t.steps[k].grads, dev);
    opt.step();
    const [mine, theirs] = await Promise.all([
      Promise.all(copies.map((x) => x.data())),
      Promise.all(params.map((x) => x.data())),
    ]);
    assertEquals(mine, theirs, `step ${k + 1} parameters, resumed and uninterrupted`);
    assertEquals(await stateOf(resumed, copies), await stateOf(opt, params), `step ${k + 1} state`);
  }
}

/** PyTorch's message as gradstep words it: camelCase names, JavaScript's numbers (1 for 1.0, 1e-8 for 1e-08). */
export function inGradstepWords(message: string): string {
  return message.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/(\d)\.0\b/g, "$1")
    .replace(/e-0(\d)/g, "e-$1");
}

/** Registers a test per validation case of optim_family.json named "`prefix` …", calling `calls[name]`. */
export function validationTests(prefix: string, calls: Record<string, () => unknown>): void {
  const cases = Object.entries(FAMILY.validation).filter(([name]) => name.startsWith(`${prefix} `));
  Deno.test(`${prefix} validation: every PyTorch case has a gradstep call`, () => {
    assertEquals(Object.keys(calls).sort(), cases.map(([name]) => name).sort());
  });
  for (const [name, expected] of cases) {
    Deno.test(`${prefix} validation matches PyTorch for ${name.slice(prefix.length + 1)}`, () => {
      if (expected === null) {
        calls[name](); // PyTorch accepts it, and so does gradstep
        return;
      }
      const error = assertThrows(calls[name], Error);
      const wording = inGradstepWords(expected.message);
      assert(error.message.includes(wording), `"${error.message}" does not say "${wording}"`);
      assert(/\(expected .+\)/.test(error.message), `"${error.message}" does not say what was expected`);
    });
  }
}

/**
 * The tests every optimizer of the fixture gets: each trajectory against PyTorch on every device, a state dict
 * round trip through JSON on the trajectory named `resume`, and a step that reads nothing back.
 */
export function familyTests(optimizer: FamilyName, resume: string): void {
  const trajectories = trajectoriesOf(optimizer);
  for (const t of trajectories) {
    const by = t.madeWith === `torch.optim.${optimizer}`
      ? "PyTorch"
      : `PyTorch 2 (transcribed as ${t.madeWith})`;
    testOnDevices(
      `${optimizer}.step() matches ${by} for ${t.name}, every step's parameters and state`,
      async (dev) => {
        const params = makeParams(t.initial, dev);
        await runFamily(t, makeFamily(t, params), params, dev);
      },
    );
  }
  const resumed = trajectories.find((t) => t.name === resume);
  testOnDevices(
    `${optimizer}: stateDict → JSON → loadStateDict continues exactly (${resume})`,
    async (dev) => {
      assert(resumed !== undefined, `no ${optimizer} trajectory "${resume}"`);
      await assertResumes(resumed, dev);
    },
  );
  testOnDevices(
    `${optimizer}.step() inside tidy() keeps its state: the trajectory still matches`,
    async (dev) => {
      const t = trajectories[0];
      const params = makeParams(t.initial, dev);
      const opt = makeFamily(t, params);
      const step = opt.step.bind(opt);
      opt.step = (closure) => tidy(() => step(closure));
      await runFamily(t, opt, params, dev);
    },
  );
  testOnDevices(`${optimizer}.step() reads nothing back`, (dev) => {
    const w = tensor([1, -2, 3], { dtype: "float32", device: dev, requiresGrad: true });
    w.grad = tensor([0.5, 0, -1], { dtype: "float32", device: dev });
    // With weight decay where the optimizer has it (Rprop has none).
    const decays = "weightDecay" in MAKERS[optimizer]([w], {}).defaults;
    assertStepReadsNothing(MAKERS[optimizer]([w], decays ? { weightDecay: 0.1 } : {}), dev);
  });
}
