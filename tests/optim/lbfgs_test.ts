/**
 * LBFGS against PyTorch 1.13: each step restarted from PyTorch's parameters and state (loaded through
 * loadStateDict), so that float32 rounding does not compound across steps; the strong-Wolfe search on its own
 * against PyTorch's _strong_wolfe in float64; state dicts, validation and the asynchronous step.
 */
import {
  arange,
  BaseOptimizer,
  cat,
  cubicInterpolate,
  type Device,
  LBFGS,
  type OptimizerStateDict,
  SGD,
  strongWolfe,
  type Tensor,
  tensor,
} from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertClose, assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import type { Encoded } from "../nn/fixture.ts";
import { FAMILY, type LBFGSTrajectory, type LineSearchCase, validationTests } from "./family_fixture.ts";
import { makeParams } from "./fixture.ts";

// ---- the objectives (as tools/fixtures/optim_family.py writes them) ----------------------------------------------

const flat = (params: Tensor[]): Tensor => cat(params.map((p) => p.reshape([-1])));

/** The chained Rosenbrock function of the parameters' entries in order. */
function rosenbrock(params: Tensor[]): Tensor {
  const z = flat(params);
  const n = z.shape[0];
  const [a, b] = [z.narrow(0, 0, n - 1), z.narrow(0, 1, n - 1)];
  return b.sub(a.mul(a)).pow(2).mul(100).add(a.neg().add(1).pow(2)).sum();
}

/** Σ e⁴ + wᵢ·eᵢ² (wᵢ = 1 + i/4) + Σ (zᵢ₊₁ − zᵢ)², with e = z − 1. */
function quartic(params: Tensor[]): Tensor {
  const z = flat(params);
  const n = z.shape[0];
  const e = z.sub(1);
  const w = arange(0, n, 1, { dtype: "float32", device: z.device }).div(4).add(1);
  const bowl = e.mul(e).mul(e).mul(e).add(w.mul(e).mul(e)).sum();
  return bowl.add(z.narrow(0, 1, n - 1).sub(z.narrow(0, 0, n - 1)).pow(2).sum());
}

const OBJECTIVES = { rosenbrock, quartic };

/** A closure minimizing `t`'s objective over `params`, counting its calls. */
function closureOf(
  t: LBFGSTrajectory,
  opt: LBFGS,
  params: Tensor[],
): { closure: () => Tensor; calls: () => number } {
  let calls = 0;
  const closure = (): Tensor => {
    calls++;
    opt.zeroGrad();
    const loss = OBJECTIVES[t.objective](params);
    loss.backward();
    return loss;
  };
  return { closure, calls: () => calls };
}

/** PyTorch's LBFGS state as a state dict entry: tensors as their values. */
function stateEntry(state: LBFGSTrajectory["steps"][number]["state"]): OptimizerStateDict["state"][number] {
  const values = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(values) : typeof v === "object" && v !== null ? (v as Encoded).data : v;
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, values(v)])) as never;
}

/** An LBFGS over `params` holding PyTorch's state after step `k` of `t` (none before the first). */
async function lbfgsAt(t: LBFGSTrajectory, k: number, params: Tensor[]): Promise<LBFGS> {
  const opt = new LBFGS(params, t.options);
  if (k === 0) return opt;
  const sd = await opt.stateDict();
  opt.loadStateDict({ ...sd, state: { 0: stateEntry(t.steps[k - 1].state) } });
  return opt;
}

// ---- trajectories -------------------------------------------------------------------------------------------------

for (const t of FAMILY.lbfgs) {
  testOnDevices(
    `LBFGS.step() matches PyTorch on ${t.objective} for ${t.name}, step by step from PyTorch's parameters and state`,
    async (dev) => {
      for (const [k, step] of t.steps.entries()) {
        const params = makeParams(k === 0 ? t.initial : t.steps[k - 1].params, dev);
        const opt = await lbfgsAt(t, k, params);
        const { closure, calls } = closureOf(t, opt, params);
        const loss = await (await opt.step(closure)).item();
        const what = `step ${k + 1}`;
        assertClose([loss], [step.loss], TOLERANCE.optimizer, `${what} loss`);
        const state = opt.state.get(params[0])!;
        assertEquals(
          [calls(), state.funcEvals, state.nIter],
          [step.evaluations, step.state.funcEvals, step.state.nIter],
          `${what}: closure calls, funcEvals and nIter`,
        );
        assertEquals(Object.keys(state).sort(), Object.keys(step.state).sort(), `${what} state keys`);
        assertEquals(
          state.oldDirs!.length,
          (step.state.oldDirs as unknown[]).length,
          `${what} history length`,
        );
        assertClose([state.t!], [step.state.t as number], TOLERANCE.optimizer, `${what} t`);
        await Promise.all(
          params.map((p, i) =>
            assertTensorClose(p, step.params[i], TOLERANCE.optimizer, `${what} param ${i}`)
          ),
        );
      }
    },
  );
}

testOnDevices(
  "LBFGS: stateDict → JSON → loadStateDict continues exactly (quartic, strong_wolfe)",
  async (dev) => {
    const t = FAMILY.lbfgs.find((c) =>
      c.objective === "quartic" && c.name === "strong_wolfe, history of 3 and maxEval"
    )!;
    const params = makeParams(t.initial, dev);
    const opt = new LBFGS(params, t.options);
    await opt.step(closureOf(t, opt, params).closure);
    const json = JSON.parse(JSON.stringify(await opt.stateDict()));
    const copies = await Promise.all(
      params.map(async (x) => tensor(await x.data(), { shape: x.shape, device: dev, requiresGrad: true })),
    );
    const resumed = new LBFGS(copies);
    resumed.loadStateDict(json);
    assertEquals(resumed.paramGroups[0].historySize, 3);
    for (let k = 1; k < t.steps.length; k++) {
      await opt.step(closureOf(t, opt, params).closure);
      await resumed.step(closureOf(t, resumed, copies).closure);
      assertEquals(
        await Promise.all(copies.map((x) => x.data())),
        await Promise.all(params.map((x) => x.data())),
        `step ${k + 1} parameters, resumed and uninterrupted`,
      );
      assertEquals(
        JSON.stringify(await resumed.stateDict()),
        JSON.stringify(await opt.stateDict()),
        `step ${k + 1} state`,
      );
    }
  },
);

// ---- the line search ----------------------------------------------------------------------------------------------

/** The step-length functions of the fixture with their derivatives, in closed form. */
function lineFunction(c: LineSearchCase): (a: number) => { loss: number; gtd: number } {
  const beta = c.beta ?? 0;
  switch (c.function) {
    case "quadratic":
      return (a) => ({ loss: (a - 0.3) ** 2, gtd: 2 * (a - 0.3) });
    case "more-thuente 1":
      return (a) => ({ loss: -a / (a * a + beta), gtd: (a * a - beta) / (a * a + beta) ** 2 });
    case "more-thuente 2":
      return (a) => ({
        loss: (a + beta) ** 5 - 2 * (a + beta) ** 4,
        gtd: 5 * (a + beta) ** 4 - 8 * (a + beta) ** 3,
      });
    case "more-thuente 3": {
      const l = 39;
      return (a) => {
        const [phi0, dphi0] = a <= 1 - beta
          ? [1 - a, -1]
          : a >= 1 + beta
          ? [a - 1, 1]
          : [(a - 1) ** 2 / (2 * beta) + beta / 2, (a - 1) / beta];
        return {
          loss: phi0 + 2 * (1 - beta) / (l * Math.PI) * Math.sin(l * Math.PI / 2 * a),
          gtd: dphi0 + (1 - beta) * Math.cos(l * Math.PI / 2 * a),
        };
      };
    }
  }
}

for (const c of FAMILY.lineSearches) {
  const options = Object.keys(c.options).length === 0 ? "" : `, ${JSON.stringify(c.options)}`;
  Deno.test(`strongWolfe() matches PyTorch's _strong_wolfe on ${c.function} from t = ${c.t}${options}, trial by trial`, async () => {
    const phi = lineFunction(c);
    const trials: number[] = [];
    const evaluate = (t: number): Promise<{ loss: number; gtd: number }> => {
      trials.push(t);
      return Promise.resolve(phi(t));
    };
    const { point, evals } = await strongWolfe(evaluate, c.t, 1, phi(0), c.options);
    const doubles = { rtol: 1e-9, atol: 1e-12 };
    assertClose(trials, c.trials, doubles, "trial step lengths");
    assertClose([point.t, point.loss], [c.result.t, c.result.loss], doubles, "result");
    assertEquals(evals, c.result.evals);
  });
}

Deno.test("cubicInterpolate() is exact on a quadratic and falls back to the bounds' midpoint without a minimum", () => {
  const q = (x: number): [number, number] => [(x - 0.3) ** 2, 2 * (x - 0.3)];
  assertClose([cubicInterpolate(0, ...q(0), 1, ...q(1))], [0.3], { rtol: 1e-12, atol: 0 });
  assertClose([cubicInterpolate(0, ...q(0), 1, ...q(1), [0.5, 2])], [0.5], { rtol: 0, atol: 0 });
  // Slopes of 1 at both ends and a rise of 2/3 between: the cubic through them has no minimum.
  assertEquals(cubicInterpolate(0, 0, 1, 1, 2 / 3, 1), 0.5);
  assertEquals(cubicInterpolate(0, 0, 1, 1, 2 / 3, 1, [0, 3]), 1.5);
});

// ---- behaviour ----------------------------------------------------------------------------------------------------

testOnDevices(
  "LBFGS counts a parameter without a gradient as zero gradient, as PyTorch: it does not move",
  async (dev) => {
    const [x, idle] = [
      tensor([3, -1], { dtype: "float32", device: dev, requiresGrad: true }),
      tensor([5], {
        dtype: "float32",
        device: dev,
        requiresGrad: true,
      }),
    ];
    const opt = new LBFGS([x, idle], { lineSearchFn: "strong_wolfe" });
    await opt.step(() => {
      opt.zeroGrad();
      const loss = x.mul(x).sum();
      loss.backward();
      return loss;
    });
    assertEquals(Array.from(await idle.data()), [5]);
    assertClose(await x.data(), [0, 0], { rtol: 0, atol: 1e-6 });
  },
);

testOnDevices("LBFGS.step() at an optimum evaluates once, returns the loss and iterates not", async (dev) => {
  const x = tensor([1, 1], { dtype: "float32", device: dev, requiresGrad: true });
  const opt = new LBFGS([x]);
  const steps: string[] = [];
  opt.registerStepPreHook(() => steps.push("pre"));
  opt.registerStepPostHook(() => steps.push("post"));
  const loss = await opt.step(() => {
    opt.zeroGrad();
    const l = x.sub(1).pow(2).sum();
    l.backward();
    return l;
  });
  assertEquals(await loss.item(), 0);
  assertEquals(opt.state.get(x), { funcEvals: 1, nIter: 0 });
  assertEquals(steps, ["pre", "post"]);
});

Deno.test("LBFGS and the synchronous optimizers share BaseOptimizer; only LBFGS.step() returns a Promise", async () => {
  const x = tensor([2], { dtype: "float32", requiresGrad: true });
  const closure = (): Tensor => {
    x.grad = null;
    const l = x.mul(x).sum();
    l.backward();
    return l;
  };
  const lbfgs = new LBFGS([x]);
  const sgd = new SGD([x], { lr: 0.1 });
  const all: BaseOptimizer<{ lr: number }>[] = [lbfgs, sgd];
  assert(all.every((o) => o instanceof BaseOptimizer));
  const pending: Promise<Tensor> = lbfgs.step(closure);
  assert(pending instanceof Promise);
  await pending;
  const loss: Tensor | undefined = sgd.step(closure);
  assert(!(loss instanceof Promise));
});

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
const q = tensor([3], { dtype: "float32", requiresGrad: true });
validationTests("LBFGS", { "LBFGS with two groups": () => new LBFGS([{ params: [p] }, { params: [q] }]) });

Deno.test("LBFGS validation beyond PyTorch 1.13: lr (PyTorch 2's check), counts and the line search", () => {
  assertThrows(() => new LBFGS([p], { lr: -1 }), RangeError, "Invalid learning rate: -1 (expected lr >= 0)");
  assertThrows(() => new LBFGS([p], { maxIter: 0 }), RangeError, "Invalid maxIter value: 0");
  assertThrows(() => new LBFGS([p], { historySize: 2.5 }), RangeError, "Invalid historySize value: 2.5");
  assertThrows(
    () => new LBFGS([p], { lineSearchFn: "backtracking" as "strong_wolfe" }),
    RangeError,
    "only 'strong_wolfe' is supported",
  );
  assertThrows(
    () => new LBFGS([p]).addParamGroup({ params: [q] }),
    Error,
    "doesn't support per-parameter options",
  );
  assertEquals(new LBFGS([p], { maxIter: 8 }).paramGroups[0].maxEval, 10);
});

testOnDevices("LBFGS.loadStateDict() rejects history vectors of the wrong length", async (dev: Device) => {
  const x = tensor([1, 2, 3], { dtype: "float32", device: dev, requiresGrad: true });
  const opt = new LBFGS([x]);
  const sd = await opt.stateDict();
  const bad = {
    ...sd,
    state: { 0: { funcEvals: 1, nIter: 1, d: [1, 2], t: 1, oldDirs: [], oldStps: [], ro: [] } },
  };
  assertThrows(() => opt.loadStateDict(bad), Error, "State d of shape [3] has 2 values, expected 3");
});
