import { assert, assertEquals, assertRejects } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import {
  Adadelta,
  Adafactor,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  ASGD,
  type BaseOptimizer,
  cpu,
  defaultGenerator,
  LAMB,
  LBFGS,
  Linear,
  Lion,
  load,
  manualSeed,
  MSELoss,
  Muon,
  NAdam,
  type Parameter,
  RAdam,
  randn,
  ReduceLROnPlateau,
  RMSprop,
  Rprop,
  save,
  ScheduleFreeAdamW,
  SGD,
  type Tensor,
} from "../../mod.ts";
import { makeRun, parameters, snapshot, train } from "./training.ts";

testOnDevices(
  "load() restores model, Adam, StepLR, DataLoader, generator and extra into a fresh run",
  async (dev) => {
    const dir = await Deno.makeTempDir();
    const trained = await makeRun(dev);
    await train(trained, 9);
    const extra = {
      epoch: 1,
      best: Infinity,
      worst: -Infinity,
      none: NaN,
      note: "mid-epoch",
      list: [1, [2, null]],
    };
    await save(`${dir}/run.safetensors`, { ...trained, extra });
    const expected = await snapshot(trained);

    const fresh = await makeRun(dev);
    defaultGenerator.manualSeed(123);
    assert(JSON.stringify(await parameters(fresh)) !== JSON.stringify(await parameters(trained)));
    const loaded = await load(`${dir}/run.safetensors`, fresh);
    assertEquals(loaded, extra);
    assertEquals(await snapshot(fresh), expected);
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test("save() writes safetensors: 8-byte little-endian header length, JSON header, tensors back to back", async () => {
  const dir = await Deno.makeTempDir();
  const run = await makeRun(cpu);
  await train(run, 2);
  await save(`${dir}/run.safetensors`, run);
  const bytes = await Deno.readFile(`${dir}/run.safetensors`);
  const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assertEquals((8 + length) % 8, 0, "the data starts 8-byte aligned");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const state = run.model.stateDict();
  for (const [name, t] of Object.entries(state)) {
    const { dtype, shape, data_offsets: [begin, end] } = header[name];
    assertEquals([dtype, shape], ["F32", [...t.shape]]);
    const stored = new Float32Array(bytes.slice(8 + length + begin, 8 + length + end).buffer);
    assertEquals(stored, await t.data());
  }
  const optimizer = JSON.parse(header.__metadata__.optimizer);
  const [p0] = run.model.parameters();
  const { data_offsets: [begin, end] } = header[optimizer.state["0"].exp_avg];
  assertEquals(optimizer.state["0"].exp_avg, "optimizer.state.0.exp_avg");
  assertEquals(
    new Float32Array(bytes.slice(8 + length + begin, 8 + length + end).buffer),
    await (run.optimizer.state.get(p0)!.expAvg as typeof p0).data(),
  );
  assertEquals(optimizer.param_groups[0].initial_lr, 0.01);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("save() is atomic: a save that fails leaves the previous checkpoint and no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  const run = await makeRun(cpu);
  await save(`${dir}/run.safetensors`, run);
  const before = await Deno.readFile(`${dir}/run.safetensors`);
  await train(run, 1);
  await assertRejects(
    () => save(`${dir}/run.safetensors`, { ...run, extra: { schedule: (step: number) => step } }),
    TypeError,
    "extra.schedule is a function, which a checkpoint cannot hold",
  );
  assertEquals(await Deno.readFile(`${dir}/run.safetensors`), before);
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["run.safetensors"]);
  await Deno.remove(dir, { recursive: true });
});

type AnyOptimizer = BaseOptimizer<{ lr: number }>;
const OPTIMIZERS: [string, (params: Parameter[]) => AnyOptimizer][] = [
  ["SGD", (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ["Adam", (p) => new Adam(p, { lr: 0.01, amsgrad: true })],
  ["AdamW", (p) => new AdamW(p, { lr: 0.01 })],
  ["Adagrad", (p) => new Adagrad(p, { lr: 0.1 })],
  ["Adadelta", (p) => new Adadelta(p)],
  ["Adamax", (p) => new Adamax(p)],
  ["NAdam", (p) => new NAdam(p)],
  ["RAdam", (p) => new RAdam(p)],
  ["RMSprop", (p) => new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 })],
  ["Rprop", (p) => new Rprop(p)],
  ["ASGD", (p) => new ASGD(p, { lr: 0.1, t0: 1 })],
  ["LBFGS", (p) => new LBFGS(p, { lr: 0.5, maxIter: 3, historySize: 2, lineSearchFn: "strong_wolfe" })],
  ["Adafactor", (p) => new Adafactor(p)],
  ["Lion", (p) => new Lion(p)],
  ["LAMB", (p) => new LAMB(p)],
  ["Muon", (p) => new Muon(p.filter((q) => q.ndim === 2))],
  ["ScheduleFreeAdamW", (p) => new ScheduleFreeAdamW(p)],
];

/** A Linear(4, 3) regression, its optimizer, and a step that works for every optimizer (LBFGS needs a closure). */
function regression(
  make: (params: Parameter[]) => AnyOptimizer,
): { model: Linear; optimizer: AnyOptimizer; step: () => Promise<void> } {
  manualSeed(3);
  const model = new Linear(4, 3);
  const optimizer = make(model.parameters());
  (optimizer as { train?: () => void }).train?.();
  const x = randn([8, 4]);
  const y = randn([8, 3]);
  const closure = (): Tensor => {
    optimizer.zeroGrad();
    const loss = new MSELoss().forward(model.forward(x), y);
    loss.backward();
    return loss;
  };
  const step = async (): Promise<void> => {
    await (optimizer as unknown as { step(c: typeof closure): unknown }).step(closure);
  };
  return { model, optimizer, step };
}

for (const [name, make] of OPTIMIZERS) {
  Deno.test(`a checkpoint resumes ${name} exactly: the next steps match the uninterrupted run`, async () => {
    const dir = await Deno.makeTempDir();
    const straight = regression(make);
    for (let i = 0; i < 5; i++) await straight.step();
    const interrupted = regression(make);
    for (let i = 0; i < 3; i++) await interrupted.step();
    await save(`${dir}/${name}.safetensors`, interrupted);
    const resumed = regression(make);
    await load(`${dir}/${name}.safetensors`, resumed);
    for (let i = 0; i < 2; i++) await resumed.step();
    for (const [i, p] of resumed.model.parameters().entries()) {
      assertEquals(await p.data(), await straight.model.parameters()[i].data(), `${name} parameter ${i}`);
    }
    assert(resumed.optimizer.state.size > 0, `${name} has state after resuming`);
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("a checkpoint keeps ReduceLROnPlateau's best of Infinity as Infinity, not JSON's null", async () => {
  const dir = await Deno.makeTempDir();
  const model = new Linear(2, 1);
  const scheduler = new ReduceLROnPlateau(new SGD(model.parameters(), { lr: 0.1 }), { patience: 0 });
  await save(`${dir}/plateau.safetensors`, { model, scheduler });
  const other = new ReduceLROnPlateau(new SGD(model.parameters(), { lr: 0.1 }), { patience: 0 });
  other.step(1);
  assertEquals(other.best, 1);
  await load(`${dir}/plateau.safetensors`, { model, scheduler: other });
  assertEquals(other.best, Infinity);
  assertEquals(other.stateDict(), scheduler.stateDict());
  await Deno.remove(dir, { recursive: true });
});

/** A user-defined stateful object with an asynchronous stateDict(), as GradScaler's is. */
class StaticLossScale {
  constructor(public scale: number) {}
  stateDict(): Promise<{ scale: number }> {
    return Promise.resolve({ scale: this.scale });
  }
  loadStateDict(state: { scale: number }): void {
    if (typeof state?.scale !== "number") throw new Error(`expected { scale }, got ${JSON.stringify(state)}`);
    this.scale = state.scale;
  }
}

Deno.test("scaler takes any stateDict()/loadStateDict() object, awaiting an asynchronous stateDict()", async () => {
  const dir = await Deno.makeTempDir();
  const model = new Linear(2, 1);
  await save(`${dir}/scaled.safetensors`, { model, scaler: new StaticLossScale(1024) });
  const scaler = new StaticLossScale(1);
  await load(`${dir}/scaled.safetensors`, { model, scaler });
  assertEquals(scaler.scale, 1024);
  await assertRejects(
    () =>
      load(`${dir}/scaled.safetensors`, {
        model,
        scaler: new ReduceLROnPlateau(new SGD(model.parameters())),
      }),
    Error,
    "scaler: the checkpoint holds StaticLossScale state, the scaler is ReduceLROnPlateau",
  );
  await Deno.remove(dir, { recursive: true });
});
