import {
  Adam,
  type Device,
  isGradEnabled,
  noGrad,
  type Optimizer,
  type OptimizerStateDict,
  SGD,
  type Tensor,
  tensor,
} from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import {
  makeOptimizer,
  makeParams,
  OPTIM,
  type PyTorchError,
  runSteps,
  setGrads,
  trajectory,
} from "./fixture.ts";

// ---- validation -------------------------------------------------------------------------------------------------

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
const q = tensor([3, 4, 5], { dtype: "float32", requiresGrad: true });
const nonLeaf = p.mul(2);

/** The gradstep call for each of optim.json's validation cases: the same arguments, in TypeScript. */
const CALLS: Record<string, () => unknown> = {
  "SGD lr": () => new SGD([p], { lr: -0.1 }),
  "SGD momentum": () => new SGD([p], { lr: 0.1, momentum: -0.5 }),
  "SGD weightDecay": () => new SGD([p], { lr: 0.1, weightDecay: -0.1 }),
  "SGD nesterov without momentum": () => new SGD([p], { lr: 0.1, nesterov: true }),
  "SGD nesterov with dampening": () =>
    new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
  "Adam lr": () => new Adam([p], { lr: -0.1 }),
  "Adam eps": () => new Adam([p], { eps: -0.5 }),
  "Adam beta 0 negative": () => new Adam([p], { betas: [-0.5, 0.999] }),
  "Adam beta 0 too large": () => new Adam([p], { betas: [1.5, 0.999] }),
  "Adam beta 1 is one": () => new Adam([p], { betas: [0.9, 1] }),
  "Adam weightDecay": () => new Adam([p], { weightDecay: -0.1 }),
  "a tensor as params": () => new SGD(p as unknown as Tensor[], { lr: 0.1 }),
  "an empty list": () => new SGD([], { lr: 0.1 }),
  "a non-tensor in params": () => new SGD([p, 3 as unknown as Tensor], { lr: 0.1 }),
  "a non-leaf tensor": () => new SGD([p, nonLeaf], { lr: 0.1 }),
  "a parameter in two groups": () => new SGD([{ params: [p] }, { params: [q, p] }], { lr: 0.1 }),
  "a parameter in two groups via addParamGroup": () =>
    new SGD([p], { lr: 0.1 }).addParamGroup({ params: [q, p] }),
  "a Set as a group's params": () => new SGD([{ params: new Set([p, q]) }], { lr: 0.1 }),
  "a Set as params": () => new SGD(new Set([p]), { lr: 0.1 }),
  "loadStateDict with another number of groups": () =>
    new SGD([p, q], { lr: 0.1 }).loadStateDict({
      state: {},
      paramGroups: [{ lr: 0.1, params: [0] }, { lr: 0.1, params: [1] }],
    }),
  "loadStateDict with another group size": () =>
    new SGD([p], { lr: 0.1 }).loadStateDict({ state: {}, paramGroups: [{ lr: 0.1, params: [0, 1] }] }),
};

/** What PyTorch calls a value's type, as gradstep (JavaScript) calls it. */
const TYPE_NAMES: Record<string, string> = { int: "number", "torch.FloatTensor": "Tensor" };

/** PyTorch's message as gradstep words it: camelCase names, arrays for lists, no final full stop. */
function inGradstepWords(message: string): string {
  return message.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()).replace("a list", "an array")
    .replace(/\.$/, "");
}

for (const [name, expected] of Object.entries(OPTIM.validation)) {
  Deno.test(`Optimizer validation matches PyTorch for ${name}`, () => {
    const call = CALLS[name];
    assert(call !== undefined, `no gradstep call for "${name}"`);
    if (expected === null) {
      call(); // PyTorch accepts it, and so does gradstep
      return;
    }
    const error = assertThrows(call, expected.type === "TypeError" ? TypeError : Error);
    assertWording(error.message, expected);
  });
}

function assertWording(actual: string, expected: PyTorchError): void {
  const wording = inGradstepWords(expected.message);
  assert(actual.toLowerCase().includes(wording.toLowerCase()), `"${actual}" does not say "${wording}"`);
  if (expected.got !== undefined) {
    assert(
      actual.includes(TYPE_NAMES[expected.got]),
      `"${actual}" does not name ${TYPE_NAMES[expected.got]}`,
    );
  }
  if (/^Invalid|^Nesterov/.test(expected.message)) {
    assert(/\(expected .+\)|\(got .+\)/.test(actual), `"${actual}" does not say what was expected`);
  }
}

Deno.test("Optimizer accepts a Set as params in insertion order, as PyTorch accepts any iterable there", () => {
  const opt = new SGD(new Set([q, p]), { lr: 0.1 });
  assertEquals(opt.paramGroups[0].params, [q, p]);
});

Deno.test("Optimizer names the offending parameter of a non-leaf, non-tensor or shared parameter error", () => {
  assert(assertThrows(() => new SGD([p, nonLeaf], { lr: 0.1 })).message.includes("params[1]"));
  assert(
    assertThrows(() => new SGD([p, q, 3 as unknown as Tensor], { lr: 0.1 })).message.includes("params[2]"),
  );
  const opt = new SGD([{ params: [p] }, { params: [q] }], { lr: 0.1 });
  const error = assertThrows(() =>
    opt.addParamGroup({ params: [tensor([1], { dtype: "float32", requiresGrad: true }), q] })
  );
  assert(error.message.includes("params[1]") && error.message.includes("group 1"), error.message);
});

Deno.test("Optimizer groups hold their own copies of array hyperparameters (betas), as PyTorch's tuples are", () => {
  const betas: [number, number] = [0.9, 0.999];
  const opt = new Adam([{ params: [p] }, { params: [q], betas }], { betas });
  opt.paramGroups[0].betas[0] = 0.5;
  opt.paramGroups[1].betas[1] = 0.5;
  assertEquals(opt.defaults.betas, [0.9, 0.999]);
  assertEquals(betas, [0.9, 0.999]);
  assertEquals(opt.paramGroups.map((g) => g.betas), [[0.5, 0.999], [0.9, 0.5]]);
});

// ---- failures change nothing --------------------------------------------------------------------------------------

Deno.test("Optimizer.addParamGroup() that fails leaves the groups as they were", () => {
  const r = tensor([6], { dtype: "float32", requiresGrad: true });
  const opt = new Adam([{ params: [p] }, { params: [q], lr: 0.5 }]);
  const before = opt.paramGroups.map((g) => ({ ...g, params: [...g.params] }));
  const groups = opt.paramGroups.slice();
  const failures: (() => void)[] = [
    () => opt.addParamGroup({ params: [r, p] }),
    () => opt.addParamGroup({ params: [r], lr: -1 }),
    () => opt.addParamGroup({ params: [r], betas: [0.9, 1.5] }),
    () => opt.addParamGroup({ params: [r, nonLeaf] }),
    () => opt.addParamGroup({ params: new Set([r]) }),
    () => opt.addParamGroup({ params: [r, "w" as unknown as Tensor] }),
  ];
  for (const fail of failures) {
    assertThrows(fail);
    assertEquals(opt.paramGroups, groups);
    assertEquals(opt.paramGroups.map((g) => ({ ...g, params: [...g.params] })), before);
  }
  opt.addParamGroup({ params: [r], lr: 0.25 });
  assertEquals(opt.paramGroups.map((g) => g.lr), [1e-3, 0.5, 0.25]);
});

Deno.test("An optimizer constructor that fails leaves its parameters as they were", async () => {
  const a = tensor([1, 2], { dtype: "float32", requiresGrad: true });
  const b = tensor([3], { dtype: "float32", requiresGrad: true });
  a.grad = tensor([0.5, 0.5]);
  assertThrows(() => new SGD([{ params: [a] }, { params: [b], momentum: -1 }], { lr: 0.1 }));
  assertThrows(() => new Adam([{ params: [a, b] }, { params: [a] }]));
  assertEquals(Array.from(await a.data()), [1, 2]);
  assertEquals(Array.from(await a.grad!.data()), [0.5, 0.5]);
  assert(a.requiresGrad && b.requiresGrad && b.grad === null);
});

testOnDevices("Optimizer.loadStateDict() that fails leaves state and groups as they were", async (dev) => {
  const t = trajectory("Adam", "two groups with overrides");
  const params = makeParams(t.initial, dev);
  const opt = makeOptimizer(t, params);
  await runSteps(t, opt, params, dev, 0, 2);
  const good = await opt.stateDict();
  const groups = opt.paramGroups;
  const groupValues = structuredClone(groups.map(({ params: _, ...values }) => values));
  const state = opt.state;
  const stateValues = await stateOf(opt, params);
  const first = good.state[0];
  const bad: OptimizerStateDict[] = [
    { ...good, paramGroups: good.paramGroups.slice(0, 1) },
    { ...good, paramGroups: [good.paramGroups[0], { ...good.paramGroups[1], params: [2, 3] }] },
    { ...good, paramGroups: [good.paramGroups[0], { ...good.paramGroups[1], lr: -1 }] },
    { ...good, state: { ...good.state, 0: { ...first, expAvg: [1, 2, 3] } } },
  ];
  for (const sd of bad) {
    assertThrows(() => opt.loadStateDict(structuredClone(sd)));
    assert(opt.paramGroups === groups && opt.state === state, "groups or state replaced");
    assertEquals(structuredClone(opt.paramGroups.map(({ params: _, ...values }) => values)), groupValues);
    assertEquals(await stateOf(opt, params), stateValues);
  }
  await runSteps(t, opt, params, dev, 2); // and the run goes on exactly as PyTorch's
});

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

// ---- stateDict ------------------------------------------------------------------------------------------------

/** Group keys PyTorch 1.13 has and gradstep drops by design (one path, no flags), and those gradstep adds. */
const DROPPED = ["foreach", "capturable", "differentiable", "fused"];
const ADDED: Record<string, string[]> = { SGD: [], Adam: ["decoupledWeightDecay"] };

for (const c of OPTIM.stateDicts) {
  const momentum = c.options.momentum ?? 0;
  testOnDevices(
    `${c.optimizer}.stateDict() has PyTorch's layout (two groups, one parameter never stepped, momentum ${momentum})`,
    async (dev) => {
      const params = makeParams(c.initial, dev);
      const opt = makeOptimizer(c, params);
      for (const grads of c.grads) {
        setGrads(params, grads, dev);
        opt.step();
      }
      const sd = await opt.stateDict();
      const expected = c.stateDict;
      assertEquals(Object.keys(sd.state), Object.keys(expected.state), "state indices");
      for (const [index, entry] of Object.entries(expected.state)) {
        const keys = Object.keys(entry).filter((k) => entry[k] !== null); // PyTorch's momentum_buffer: None
        assertEquals(Object.keys(sd.state[Number(index)]).sort(), keys.sort(), `state ${index} keys`);
        for (const key of keys) {
          const [actual, want] = [sd.state[Number(index)][key], entry[key]!];
          if (typeof want === "number") assertEquals(actual, want, `state ${index}.${key}`);
          else {assertClose(
              actual as ArrayLike<number>,
              want.data,
              TOLERANCE.optimizer,
              `state ${index}.${key}`,
            );}
        }
      }
      assertEquals(sd.paramGroups.length, expected.paramGroups.length);
      sd.paramGroups.forEach((group, i) => {
        const want = expected.paramGroups[i];
        const wantKeys = Object.keys(want).filter((k) => !DROPPED.includes(k)).concat(ADDED[c.optimizer]);
        assertEquals(Object.keys(group).sort(), wantKeys.sort(), `group ${i} keys`);
        for (const key of Object.keys(want).filter((k) => !DROPPED.includes(k))) {
          assertEquals(group[key], want[key], `group ${i}.${key}`);
        }
      });
    },
  );
}

testOnDevices("Optimizer.stateDict() is a copy: later steps and lr changes do not change it", async (dev) => {
  const t = trajectory("SGD", "momentum");
  const params = makeParams(t.initial, dev);
  const opt = makeOptimizer(t, params);
  await runSteps(t, opt, params, dev, 0, 1);
  const sd = await opt.stateDict();
  const saved = structuredClone(sd);
  opt.paramGroups[0].lr = 0.5;
  setGrads(params, t.steps[1].grads, dev);
  opt.step();
  assertEquals(sd, saved);
});

// ---- resuming from a stateDict ----------------------------------------------------------------------------------

const RESUMED = [
  trajectory("SGD", "two groups with lr changed between steps"),
  trajectory("SGD", "momentum with missing gradients"),
  trajectory("SGD", "nesterov, weightDecay and maximize"),
  ...OPTIM.trajectories.filter((t) => t.optimizer === "Adam"),
];
for (const t of RESUMED) {
  testOnDevices(
    `${t.optimizer}: stateDict → JSON → loadStateDict into a fresh optimizer continues exactly (${t.name})`,
    async (dev: Device) => {
      const params = makeParams(t.initial, dev);
      const opt = makeOptimizer(t, params);
      await runSteps(t, opt, params, dev, 0, 4);
      const json = JSON.parse(JSON.stringify(await opt.stateDict()));
      const copies = await Promise.all(
        params.map(async (x) => tensor(await x.data(), { shape: x.shape, device: dev, requiresGrad: true })),
      );
      const resumed = makeOptimizer({ ...t, options: {} }, copies); // the hyperparameters come from the state dict
      resumed.loadStateDict(json);
      for (let k = 4; k < t.steps.length; k++) {
        await runSteps(t, resumed, copies, dev, k, k + 1); // the resumed run is PyTorch's …
        if (t.schedule !== null) opt.paramGroups.forEach((g, i) => (g.lr = t.schedule![k][i]));
        setGrads(params, t.steps[k].grads, dev);
        opt.step();
        for (const [i, x] of params.entries()) { // … and bit for bit the uninterrupted one
          assertEquals(await copies[i].data(), await x.data(), `step ${k + 1} param ${i}`);
        }
        assertEquals(await stateOf(resumed, copies), await stateOf(opt, params), `step ${k + 1} state`);
      }
    },
  );
}

// ---- zeroGrad, hooks, closures ----------------------------------------------------------------------------------

testOnDevices(
  "Optimizer.zeroGrad() sets gradients to null, or with setToNone: false zeroes them in place",
  async (dev) => {
    const [a, b, c] = [[1, 2], [3], [4, 5, 6]].map((v) =>
      tensor(v, { dtype: "float32", device: dev, requiresGrad: true })
    );
    const opt = new SGD([{ params: [a] }, { params: [b, c] }], { lr: 0.1 });
    a.grad = tensor([1, 1], { dtype: "float32", device: dev });
    b.grad = tensor([2], { dtype: "float32", device: dev });
    const [ga, gb] = [a.grad, b.grad];
    opt.zeroGrad({ setToNone: false });
    assert(a.grad === ga && b.grad === gb && c.grad === null, "gradients replaced");
    assertEquals(Array.from(await a.grad.data()), [0, 0]);
    assertEquals(Array.from(await b.grad.data()), [0]);
    opt.zeroGrad();
    assert(a.grad === null && b.grad === null && c.grad === null);
    a.grad = tensor([1, 1], { dtype: "float32", device: dev });
    opt.zeroGrad({ setToNone: true });
    assert(a.grad === null);
  },
);

testOnDevices(
  "Optimizer step hooks run in order around the update, and their handles remove them",
  async (dev) => {
    const w = tensor([1, 2], { dtype: "float32", device: dev, requiresGrad: true });
    const opt = new SGD([w], { lr: 0.5 });
    const calls: string[] = [];
    const seen: Record<string, Tensor> = {}; // the parameter as each hook saw it
    const hook = (label: string) => (o: SGD): void => {
      assert(o === opt, "a hook got another optimizer");
      calls.push(label);
      seen[label] = noGrad(() => w.add(0));
    };
    const handles = [
      opt.registerStepPreHook(hook("pre1")),
      opt.registerStepPreHook(hook("pre2")),
      opt.registerStepPostHook(hook("post1")),
      opt.registerStepPostHook(hook("post2")),
    ];
    const closure = (): Tensor => {
      calls.push("closure");
      w.grad = tensor([1, 1], { dtype: "float32", device: dev });
      return w.sum();
    };
    const before = await w.data();
    opt.step(closure);
    const after = await w.data();
    assert(after.some((v, i) => v !== before[i]), "the step did not move the parameter");
    assertEquals(calls, ["pre1", "pre2", "closure", "post1", "post2"]);
    for (const label of ["pre1", "pre2"]) assertEquals(await seen[label].data(), before, label);
    for (const label of ["post1", "post2"]) assertEquals(await seen[label].data(), after, label);
    calls.length = 0;
    handles[0].remove();
    handles[3].remove();
    handles[3].remove();
    opt.step();
    assertEquals(calls, ["pre2", "post1"]);
    calls.length = 0;
    for (const h of handles) h.remove();
    opt.step();
    assertEquals(calls, []);
  },
);

testOnDevices(
  "Optimizer.step(closure) runs the closure with grad enabled, steps on its gradients, returns its loss",
  async (dev) => {
    const [w, v] = [0, 1].map(() => tensor([1, -2], { dtype: "float32", device: dev, requiresGrad: true }));
    const [byClosure, byHand] = [new SGD([w], { lr: 0.25 }), new SGD([v], { lr: 0.25 })];
    let enabled = false;
    const closure = (): Tensor => {
      enabled = isGradEnabled();
      byClosure.zeroGrad();
      const loss = w.mul(w).sum();
      loss.backward();
      return loss;
    };
    const expectedLoss = v.mul(v).sum();
    expectedLoss.backward();
    byHand.step();
    let loss: Tensor | undefined;
    noGrad(() => (loss = byClosure.step(closure)));
    assert(enabled, "the closure ran without grad");
    assertEquals(await loss!.item(), await expectedLoss.item());
    assertEquals(await w.data(), await v.data());
    assertEquals(byClosure.step(), undefined);
  },
);
