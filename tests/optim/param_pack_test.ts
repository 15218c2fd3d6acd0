/**
 * Multi-tensor steps keep PyTorch's memory layout: each parameter its own tensor, views of it allowed. The packed
 * step of a group of 32 tensors must give, bit for bit, the trajectory of the same optimizer stepping each
 * parameter alone, whether the parameters own their memory (they move into the pack) or are views of one larger
 * tensor (they stay there and are copied in and out); state dicts keep one tensor per state, and a loaded one
 * continues the trajectory.
 *
 * @module
 */
import { Adagrad, Adam, AdamW, type Optimizer, RMSprop, SGD, type Tensor, tensor, zeros } from "../../mod.ts";
import type { Device } from "../../backends/device.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";

type Make = (params: Tensor[]) => Optimizer<{ lr: number }>;

const OPTIMIZERS: Record<string, Make> = {
  Adam: (p) => new Adam(p, { lr: 1e-2 }),
  "AdamW with AMSGrad": (p) => new AdamW(p, { lr: 1e-2, amsgrad: true }),
  "SGD with momentum": (p) => new SGD(p, { lr: 0.1, momentum: 0.9 }),
  "RMSprop centered": (p) => new RMSprop(p, { lr: 1e-2, centered: true, momentum: 0.5 }),
  Adagrad: (p) => new Adagrad(p, { lr: 1e-1 }),
};

/** 32 shapes: 16 layers' weights and biases, of sizes that are not multiples of 4. */
const SHAPES = Array.from({ length: 16 }, (_, i) => [[5 + i % 3, 7], [5 + i % 3]]).flat();
const STEPS = 4;

/** The initial values of parameter `i`. */
function initial(i: number, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Float32Array(n).map((_, k) => Math.sin(1 + i * 31 + k));
}

/** The gradient of parameter `i` at `step`; parameter 3 has none at step 1 (PyTorch skips it then). */
function gradient(i: number, step: number, shape: number[], dev: Device): Tensor | null {
  if (i === 3 && step === 1) return null;
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(new Float32Array(n).map((_, k) => Math.cos(i * 7 + k * 3 + step * 11)), {
    shape,
    device: dev,
  });
}

/** Parameters that own their memory. */
function ownParams(dev: Device): Tensor[] {
  return SHAPES.map((s, i) => tensor(initial(i, s), { shape: s, device: dev }).requiresGrad_());
}

/** Parameters that are views of one larger tensor, returned with it. */
function viewParams(dev: Device): { big: Tensor; params: Tensor[] } {
  const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
  const big = zeros([sizes.reduce((a, b) => a + b, 0) + 3], { device: dev });
  let at = 0;
  const params = SHAPES.map((s, i) => {
    const view = big.narrow(0, at, sizes[i]).reshape(s);
    view.copy_(tensor(initial(i, s), { shape: s, device: dev }));
    at += sizes[i];
    return view.requiresGrad_();
  });
  return { big, params };
}

/** How a step is taken: a plain step (the count on the host) or one a GradScaler decides on the device. */
type StepKind = "step" | "stepUnless";

/**
 * Runs `steps` steps of `optimizers` (each over some of `params`), setting the gradients first; with `stepUnless`,
 * each step is decided on the device (a flag of 0: kept), so the step counts live there.
 */
function train(
  params: Tensor[],
  optimizers: Optimizer<{ lr: number }>[],
  from: number,
  steps: number,
  kind: StepKind = "step",
): void {
  const dev = params[0].device;
  const kept = zeros([], { device: dev });
  for (let step = from; step < from + steps; step++) {
    params.forEach((p, i) => (p.grad = gradient(i, step, SHAPES[i], dev)));
    for (const o of optimizers) kind === "step" ? o.step() : o.stepUnless(kept);
  }
}

async function values(params: Tensor[]): Promise<number[][]> {
  return await Promise.all(params.map(async (p) => Array.from(await p.data())));
}

for (const [name, make] of Object.entries(OPTIMIZERS)) {
  for (const kind of ["step", "stepUnless"] as const) {
    testOnDevices(
      `${name}: a packed ${kind}() over 32 tensors equals each parameter stepped alone, for parameters that own their memory and for views of one tensor`,
      async (dev) => {
        const alone = ownParams(dev);
        train(alone, alone.map((p) => make([p])), 0, STEPS, kind);
        const want = await values(alone);

        const own = ownParams(dev);
        const ownOptimizer = make(own);
        // Taken before the first step: the parameter moves into the pack, this view keeps the old memory (as
        // after PyTorch's `p.data = …`).
        const early = own[0].detach();
        train(own, [ownOptimizer], 0, 1, kind);
        const detached = own.map((p) => p.detach()); // taken after the first step: follows the parameter
        train(own, [ownOptimizer], 1, STEPS - 1, kind);
        assertEquals(await values(own), want, "parameters that own their memory");
        assertEquals(await values(detached), want, "views taken after the first step follow the parameters");
        assertEquals(Array.from(await early.data()), Array.from(initial(0, SHAPES[0])), "a view from before");
        own.forEach((p, i) => {
          assertEquals(p.shape, SHAPES[i]);
          assertEquals(p.isLeaf && p.requiresGrad, true);
        });

        const { big, params } = viewParams(dev);
        train(params, [make(params)], 0, STEPS, kind);
        assertEquals(await values(params), want, "parameters that are views of one tensor");
        const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
        const whole = Array.from(await big.data());
        let at = 0;
        want.forEach((w, i) => {
          assertEquals(whole.slice(at, at + sizes[i]), w, "the larger tensor sees its views' updates");
          at += sizes[i];
        });
      },
    );
  }

  testOnDevices(
    `${name}: after packed steps, stateDict() holds each state tensor alone and loadStateDict() continues the trajectory`,
    async (dev) => {
      const reference = ownParams(dev);
      train(reference, [make(reference)], 0, STEPS);
      const want = await values(reference);

      const first = ownParams(dev);
      const before = make(first);
      train(first, [before], 0, 2);
      const saved = await before.stateDict();
      for (const [i, entry] of Object.entries(saved.state)) {
        for (const [key, value] of Object.entries(entry)) {
          if (typeof value === "number" || key === "step") continue;
          const n = SHAPES[Number(i)].reduce((a, b) => a * b, 1);
          assertEquals((value as ArrayLike<number>).length, n, `state ${i}.${key} has its parameter's size`);
        }
      }
      const resumed = (await values(first)).map((v, i) =>
        tensor(Float32Array.from(v), { shape: SHAPES[i], device: dev }).requiresGrad_()
      );
      const after = make(resumed);
      after.loadStateDict(saved);
      train(resumed, [after], 2, STEPS - 2);
      assertEquals(await values(resumed), want);
    },
  );
}

testOnDevices(
  "a packed parameter given new values with setData() (as loading weights may) is stepped from them",
  async (dev) => {
    const runs = [ownParams(dev), ownParams(dev)];
    const optimizers = [runs[0].map((p) => new Adam([p], { lr: 1e-2 })), [new Adam(runs[1], { lr: 1e-2 })]];
    runs.forEach((params, r) => {
      train(params, optimizers[r], 0, 2);
      params[5].setData(tensor(initial(99, SHAPES[5]), { shape: SHAPES[5], device: dev }));
      train(params, optimizers[r], 2, 2);
    });
    assertEquals(await values(runs[1]), await values(runs[0]));
  },
);

testOnDevices(
  "a parameter listed twice in a group is stepped twice, as PyTorch's loop steps it",
  async (dev) => {
    const [a, b] = ownParams(dev);
    const [a2, b2] = ownParams(dev);
    const warn = console.warn;
    console.warn = () => {};
    const twice = new Adam([a, b, a], { lr: 1e-2 });
    console.warn = warn;
    const [onA, onB] = [new Adam([a2], { lr: 1e-2 }), new Adam([b2], { lr: 1e-2 })];
    for (let step = 0; step < 3; step++) {
      [a.grad, b.grad] = [gradient(0, step, SHAPES[0], dev), gradient(1, step, SHAPES[1], dev)];
      [a2.grad, b2.grad] = [gradient(0, step, SHAPES[0], dev), gradient(1, step, SHAPES[1], dev)];
      twice.step();
      onA.step();
      onA.step();
      onB.step();
    }
    assertEquals(await values([a, b]), await values([a2, b2]));
  },
);

testOnDevices("a parameter in two groups is refused, as in PyTorch", (dev) => {
  const [a, b] = ownParams(dev);
  assertThrows(
    () => new Adam([{ params: [a, b] }, { params: [b] }]),
    Error,
    "Some parameters appear in more than one parameter group",
  );
});
