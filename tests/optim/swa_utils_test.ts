/**
 * AveragedModel (SWA, EMA, a custom avgFn, with and without averaged buffers) and updateBn against PyTorch 1.13
 * (tests/fixtures/swa.json, made by tools/fixtures/swa.py), on every device.
 */
import {
  AveragedModel,
  type AveragedModelOptions,
  BatchNorm1d,
  type Device,
  getEmaMultiAvgFn,
  Linear,
  Module,
  ReLU,
  Sequential,
  type Tensor,
  updateBn,
} from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "../nn/fixture.ts";

type State = Record<string, Encoded>;

interface AveragedCase {
  name: string;
  model: "mlp" | "bnMlp";
  average: "swa" | "ema" | "custom";
  decay: number | null;
  useBuffers: boolean;
  initial: State;
  input: Encoded;
  updates: { model: State; averaged: State; output: Encoded }[];
  keys: string[];
}

interface UpdateBnCase {
  name: string;
  pairs: boolean;
  before: State;
  batches: Encoded[];
  after: State;
  training: boolean;
  momentum: number;
}

const SWA = loadFixture<{ averagedModel: AveragedCase[]; updateBn: UpdateBnCase[] }>("swa");

/** The fixture's models, as tools/fixtures/swa.py builds them. */
function makeModel(kind: "mlp" | "bnMlp"): Sequential {
  return kind === "mlp"
    ? new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2))
    : new Sequential(new Linear(3, 4), new BatchNorm1d(4), new ReLU(), new Linear(4, 2));
}

function load(module: Module, state: State, dev: Device): void {
  module.loadStateDict(Object.fromEntries(Object.entries(state).map(([k, e]) => [k, fromFixture(e, dev)])));
}

async function assertState(module: Module, expected: State, what: string): Promise<void> {
  const actual = module.stateDict();
  assertEquals(Object.keys(actual).sort(), Object.keys(expected).sort(), `${what}: keys`);
  for (const [key, e] of Object.entries(expected)) {
    await assertTensorClose(actual[key], e, TOLERANCE.op, `${what}: ${key}`);
  }
}

function options(c: AveragedCase): AveragedModelOptions {
  const useBuffers = c.useBuffers;
  if (c.average === "ema") return { multiAvgFn: getEmaMultiAvgFn(c.decay!), useBuffers };
  if (c.average === "custom") return { avgFn: (a, m) => a.mul(0.1).add(m.mul(0.9)), useBuffers };
  return { useBuffers };
}

for (const c of SWA.averagedModel) {
  testOnDevices(`AveragedModel matches PyTorch for ${c.name}`, async (dev) => {
    const model = await makeModel(c.model).to(dev);
    load(model, c.initial, dev);
    const averaged = new AveragedModel(model, options(c));
    const input = fromFixture(c.input, dev);
    for (const [k, update] of c.updates.entries()) {
      load(model, update.model, dev);
      averaged.updateParameters(model);
      assertEquals(Object.keys(averaged.stateDict()), c.keys, "state dict keys, in PyTorch's order");
      await assertState(averaged, update.averaged, `after update ${k + 1}`);
      averaged.eval();
      await assertTensorClose(averaged.forward(input), update.output, TOLERANCE.composite, `output ${k + 1}`);
      averaged.train();
    }
  });
}

testOnDevices(
  "AveragedModel's copy shares no tensor with the model, and the first update takes its values",
  async (dev) => {
    const model = await makeModel("bnMlp").to(dev);
    const averaged = new AveragedModel(model);
    const own = new Set<Tensor>([...model.parameters(), ...model.buffers()]);
    assert([...averaged.parameters(), ...averaged.module.buffers()].every((t) => !own.has(t)));
    assertEquals(averaged.module.namedParameters().map(([n]) => n), model.namedParameters().map(([n]) => n));
    assertEquals((await averaged.nAveraged.data())[0], 0);
    averaged.updateParameters(model);
    assertEquals((await averaged.nAveraged.data())[0], 1);
    for (const [i, p] of model.parameters().entries()) {
      assertEquals([...await averaged.parameters()[i].data()], [...await p.data()]);
    }
  },
);

Deno.test("AveragedModel names a module it cannot copy", () => {
  class Hidden extends Module {
    readonly #inner = new Linear(2, 2);
    forward(x: Tensor): Tensor {
      return this.#inner.forward(x);
    }
    override namedChildren(): [string, Module][] {
      return [["inner", this.#inner]];
    }
  }
  assertThrows(() => new AveragedModel(new Hidden()), Error, "could not copy Hidden");
});

for (const c of SWA.updateBn) {
  testOnDevices(`updateBn matches PyTorch for ${c.name}`, async (dev) => {
    const model = await makeModel("bnMlp").to(dev);
    load(model, c.before, dev);
    model.eval();
    const batches = c.batches.map((b) => fromFixture(b, dev));
    const loader = c.pairs ? batches.map((x) => [x, fromFixture(c.batches[0], dev)]) : batches;
    await updateBn(loader, model);
    await assertState(model, c.after, "after updateBn");
    assertEquals(model.training, c.training);
    assertEquals((model.at(1) as BatchNorm1d).momentum, c.momentum);
  });
}

Deno.test("updateBn leaves a model without BatchNorm alone and does not read the loader", async () => {
  const loader = {
    [Symbol.iterator](): Iterator<Tensor> {
      throw new Error("the loader was read");
    },
  };
  await updateBn(loader, makeModel("mlp"));
});

testOnDevices("AveragedModel copies BatchNorm without running statistics", async (dev) => {
  const model = await new Sequential(new Linear(3, 4), new BatchNorm1d(4, { trackRunningStats: false })).to(
    dev,
  );
  const averaged = new AveragedModel(model);
  averaged.updateParameters(model);
  const x = fromFixture(SWA.averagedModel[0].input, dev);
  await assertTensorClose(
    averaged.forward(x),
    { shape: [5, 4], data: await model.forward(x).data() },
    TOLERANCE.op,
  );
});
