/**
 * GradScaler against PyTorch 1.13's update rule (tests/fixtures/amp.json, from tools/fixtures/amp.py's
 * transcription): scale sequences, training steps through SGD and Adam with injected inf/NaN, PyTorch's errors,
 * state dicts, and no device reads in a training loop on WebGPU.
 *
 * @module
 */
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { GradScaler } from "../../amp/mod.ts";
import {
  Adadelta,
  Adafactor,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  ASGD,
  LAMB,
  LBFGS,
  Lion,
  Muon,
  NAdam,
  Optimizer,
  RAdam,
  RMSprop,
  Rprop,
  ScheduleFreeAdamW,
  SGD,
  type State,
} from "../../optim/mod.ts";
import { CrossEntropyLoss, Linear, ReLU, Sequential } from "../../nn/mod.ts";
import { autocast, type GradScalerStateDict } from "../../amp/mod.ts";
import { cpu, type Device, device, manualSeed, randn, type Tensor, tensor, zerosLike } from "../../mod.ts";
import { deviceLikeGpu, readsDuring } from "./device_reads.ts";
import { assertClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";

interface Sequence {
  options: Record<string, number>;
  foundInf: number[];
  newScales: Record<string, number>;
  expected: { scale: number; growthTracker: number }[];
}
interface Training {
  optimizer: "SGD" | "Adam";
  options: Record<string, number>;
  scaler: Record<string, number>;
  shapes: number[][];
  initial: number[][];
  steps: {
    grads: number[][];
    skipped: boolean;
    scale: number;
    params: number[][];
    optimizerStep: number | null;
  }[];
}
const fixture = loadFixture<{ scaleSequences: Sequence[]; training: Training[] }>("amp");

/** One iteration: loss = Σ sum(p · g), scaled, backward, step, update. */
function iterate(
  params: Tensor[],
  grads: number[][],
  shapes: number[][],
  scaler: GradScaler,
  opt: Optimizer<{ lr: number }>,
): void {
  opt.zeroGrad();
  const dev = params[0].device;
  let loss: Tensor | null = null;
  params.forEach((p, i) => {
    const g = tensor(grads[i], { device: dev }).reshape(shapes[i]);
    const term = p.mul(g).sum();
    loss = loss === null ? term : loss.add(term);
  });
  scaler.scale(loss!).backward();
  scaler.step(opt);
  scaler.update();
}

function makeOptimizer(t: Training, params: Tensor[]): Optimizer<{ lr: number }> {
  return t.optimizer === "SGD" ? new SGD(params, t.options) : new Adam(params, t.options);
}

async function replayTraining(t: Training, dev: Device): Promise<void> {
  const params = t.initial.map((v, i) =>
    tensor(v, { device: dev, requiresGrad: true }).reshape(t.shapes[i]).detach().requiresGrad_()
  );
  const opt = makeOptimizer(t, params);
  const scaler = new GradScaler(t.scaler);
  for (const [n, step] of t.steps.entries()) {
    iterate(params, step.grads, t.shapes, scaler, opt);
    assertEquals(await scaler.getScale(), step.scale, `${t.optimizer} step ${n}: scale`);
    for (const [i, p] of params.entries()) {
      assertClose(
        await p.data(),
        step.params[i],
        TOLERANCE.optimizer,
        `${t.optimizer} step ${n} (skipped: ${step.skipped}): param ${i}`,
      );
    }
    if (step.optimizerStep !== null) {
      const saved = (await opt.stateDict()).state[0].step;
      assertEquals(
        Number(typeof saved === "number" ? saved : (saved as ArrayLike<number>)[0]),
        step.optimizerStep,
      );
    }
  }
}

for (const [i, seq] of fixture.scaleSequences.entries()) {
  testOnDevices(
    `GradScaler.update() follows PyTorch's scale sequence ${i} (${JSON.stringify(seq.options)})`,
    async (dev) => {
      const scaler = new GradScaler(seq.options);
      const w = tensor([1.5, 2.5], { device: dev, requiresGrad: true });
      const opt = new SGD([w], { lr: 0 });
      for (const [n, found] of seq.foundInf.entries()) {
        scaler.scale(w.sum()).backward();
        w.grad = tensor([found ? Infinity : 1.5, 0.5], { device: dev });
        scaler.step(opt);
        const newScale = seq.newScales[String(n)];
        scaler.update(newScale);
        const sd = await scaler.stateDict();
        const want = seq.expected[n];
        assertEquals(sd.growthTracker, want.growthTracker, `growth tracker after update ${n}`);
        // Factors exact in float32 (2, 0.5, 3, 0.25) give PyTorch's scale exactly; 0.1 is rounded to float32 on
        // the device, where PyTorch multiplies by the double, so that case agrees to one float32 rounding.
        const factors = [seq.options.growthFactor ?? 2, seq.options.backoffFactor ?? 0.5];
        if (factors.every((f) => Math.fround(f) === f)) {
          assertEquals(sd.scale, want.scale, `scale after ${n}`);
        } else assertClose([sd.scale], [want.scale], { rtol: 2 ** -23, atol: 0 }, `scale after update ${n}`);
        w.grad = null;
      }
    },
  );
}

for (const t of fixture.training) {
  testOnDevices(
    `GradScaler with ${t.optimizer} matches PyTorch step by step, skipping steps with inf/NaN`,
    (dev) => replayTraining(t, dev),
  );
  Deno.test(`GradScaler with ${t.optimizer} decides on the device and matches PyTorch (the WebGPU path, on the CPU)`, () =>
    replayTraining(t, deviceLikeGpu().dev));
}

/** A small model trained with autocast and a GradScaler: the loop the README shows. */
async function ampLoop(
  dev: Device,
  steps: number,
  opt: "SGD" | "Adam",
): Promise<{ reads: number; params: Tensor[] }> {
  manualSeed(0);
  const model = await new Sequential(new Linear(12, 16), new ReLU(), new Linear(16, 4)).to(dev);
  const optimizer = opt === "SGD"
    ? new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
    : new Adam(model.parameters(), { lr: 0.01 });
  const scaler = new GradScaler({ growthInterval: 2 });
  const criterion = new CrossEntropyLoss();
  const x = await randn([8, 12]).to(dev);
  const y = tensor(new Int32Array([0, 1, 2, 3, 0, 1, 2, 3]), { device: dev });
  const step = (): void => {
    optimizer.zeroGrad();
    const loss = autocast(() => criterion.forward(model.forward(x), y));
    scaler.scale(loss).backward();
    scaler.step(optimizer);
    scaler.update();
  };
  // Every step counts, the first too (it compiles kernels, creates the scale and the optimizer's state).
  const reads = await readsDuring(dev, () => {
    for (let i = 0; i < steps; i++) step();
  });
  return { reads, params: model.parameters() };
}

const gpu = await device("webgpu").catch(() => null);
const gpuHalf = gpu !== null && gpu.features.has("shader-f16");

Deno.test("a training loop with autocast and GradScaler reads nothing per step (the WebGPU path, on the CPU)", async () => {
  const { dev, reads } = deviceLikeGpu();
  for (const opt of ["SGD", "Adam"] as const) {
    const before = reads();
    const result = await ampLoop(dev, 6, opt);
    assertEquals(result.reads, 0, `${opt}: reads counted around the loop`);
    assertEquals(reads() - before, 0, `${opt}: reads of the backend during the loop`);
  }
});

Deno.test({
  name: "a training loop with autocast and GradScaler on WebGPU does zero readbacks per step",
  ignore: !gpuHalf,
  fn: async () => {
    for (const opt of ["SGD", "Adam"] as const) {
      const { reads } = await ampLoop(gpu!, 6, opt);
      assertEquals(reads, 0, `${opt}: readbacks in 6 steps`);
    }
  },
});

Deno.test({
  name: "autocast and GradScaler train to the same parameters on the CPU and on WebGPU",
  ignore: !gpuHalf,
  fn: async () => {
    for (const opt of ["SGD", "Adam"] as const) {
      const onCpu = await ampLoop(cpu, 6, opt);
      const onGpu = await ampLoop(gpu!, 6, opt);
      for (const [i, p] of onCpu.params.entries()) {
        // float16 matrix products: the CPU sums in float64 and WebGPU in float32 before rounding to float16, so a
        // product may differ by one float16 ulp (2⁻¹¹ relative) and the steps carry that on.
        assertClose(
          await onGpu.params[i].data(),
          await p.data(),
          { rtol: 2e-3, atol: 2e-3 },
          `${opt} param ${i}`,
        );
      }
    }
  },
});

Deno.test("GradScaler raises PyTorch's errors for misuse", () => {
  const w = tensor([1.5, 2.5], { requiresGrad: true });
  const opt = new SGD([w], { lr: 0.1 });
  const scaler = new GradScaler();
  assertThrows(() => scaler.unscale(opt), Error, "Attempted unscale_ but _scale is None.");
  assertThrows(() => scaler.step(opt), Error, "Attempted step but _scale is None.");
  assertThrows(() => scaler.update(), Error, "Attempted update but _scale is None.");
  scaler.scale(w.sum()).backward();
  scaler.unscale(opt);
  assertThrows(
    () => scaler.unscale(opt),
    Error,
    "unscale_() has already been called on this optimizer since the last update().",
  );
  scaler.step(opt);
  assertThrows(() => scaler.unscale(opt), Error, "unscale_() is being called after step().");
  assertThrows(() => scaler.step(opt), Error, "step() has already been called since the last update().");
  scaler.update();
  scaler.unscale(opt); // allowed again after update()
  scaler.update();
  const half = tensor([1.5, 2.5], { dtype: "float16", requiresGrad: true });
  const halfOpt = new SGD([half], { lr: 0.1 });
  scaler.scale(half.float().sum()).backward();
  assertThrows(() => scaler.unscale(halfOpt), TypeError, "Attempting to unscale FP16 gradients.");
  const noGrads = new SGD([tensor([1.5], { requiresGrad: true })], { lr: 0.1 });
  assertThrows(() => scaler.step(noGrads), Error, "No inf checks were recorded for this optimizer.");
  const lbfgs = new LBFGS([tensor([1.5], { requiresGrad: true })]);
  assertThrows(
    () => scaler.step(lbfgs),
    Error,
    "Closure use is not currently supported if GradScaler is enabled.",
  );
  assertThrows(
    () => new GradScaler({ growthFactor: 1 }),
    RangeError,
    "The growth factor must be > 1.0, got 1.",
  );
  assertThrows(
    () => new GradScaler({ backoffFactor: 1.5 }),
    RangeError,
    "The backoff factor must be < 1.0, got 1.5.",
  );
  assertThrows(
    () => new GradScaler({ growthInterval: 0.5 }),
    RangeError,
    "growthInterval must be a positive integer, got 0.5",
  );
  assertThrows(() => scaler.update(tensor([1, 2])), TypeError, "new_scale should be a number or a 1-element");
});

Deno.test("GradScaler's state dict has PyTorch's keys, survives JSON and restores into a fresh scaler", async () => {
  const w = tensor([1.5, 2.5], { requiresGrad: true });
  const opt = new SGD([w], { lr: 0.1 });
  const scaler = new GradScaler({ initScale: 256, growthInterval: 3 });
  for (let i = 0; i < 2; i++) {
    opt.zeroGrad();
    scaler.scale(w.sum()).backward();
    scaler.step(opt);
    scaler.update();
  }
  const sd = await scaler.stateDict();
  assertEquals(sd, { scale: 256, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3, growthTracker: 2 });
  const restored = new GradScaler();
  restored.loadStateDict(JSON.parse(JSON.stringify(sd)));
  assertEquals(await restored.stateDict(), sd);
  // One more clean step grows both alike.
  for (const s of [scaler, restored]) {
    opt.zeroGrad();
    s.scale(w.sum()).backward();
    s.step(opt);
    s.update();
  }
  assertEquals(await restored.getScale(), await scaler.getScale());
  assertEquals(await restored.getScale(), 512);
  assertThrows(
    () => restored.loadStateDict({}),
    Error,
    "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.",
  );
  assertThrows(
    () => restored.loadStateDict({ ...sd as GradScalerStateDict, growthFactor: 0.5 }),
    RangeError,
    "The growth factor must be > 1.0",
  );
  assertEquals(await restored.getScale(), 512, "a rejected state dict changes nothing");
  restored.scale(w.sum());
  restored.update(tensor([3]));
  assertEquals(await restored.getScale(), 3, "update(newScale) with a one-element tensor");
  const disabled = new GradScaler({ enabled: false });
  assertEquals(await disabled.stateDict(), {});
  assertEquals(await disabled.getScale(), 1);
  const loss = w.sum();
  assert(disabled.scale(loss) === loss);
});

/** The optimizers a GradScaler skips on the device, each on a fresh pair of parameters. */
const SKIPPABLE: Record<string, (params: Tensor[]) => Optimizer<{ lr: number }>> = {
  SGD: (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9 }),
  Adam: (ps) => new Adam(ps, { lr: 0.01, amsgrad: true }),
  AdamW: (ps) => new AdamW(ps, { lr: 0.01 }),
  RMSprop: (ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.5, centered: true }),
  Adadelta: (ps) => new Adadelta(ps, { lr: 1 }),
  Rprop: (ps) => new Rprop(ps, { lr: 0.01 }),
  Lion: (ps) => new Lion(ps, { lr: 0.01 }),
  Muon: (ps) => new Muon(ps, { lr: 0.01 }),
  Adagrad: (ps) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.01 }),
  Adamax: (ps) => new Adamax(ps, { lr: 0.01 }),
  RAdam: (ps) => new RAdam(ps, { lr: 0.01, betas: [0.9, 0.9] }),
  NAdam: (ps) => new NAdam(ps, { lr: 0.01 }),
  LAMB: (ps) => new LAMB(ps, { lr: 0.01, weightDecay: 0.1 }),
  ASGD: (ps) => new ASGD(ps, { lr: 0.05, lambd: 0.5, t0: 2 }),
  Adafactor: (ps) => new Adafactor(ps, { lr: 0.5 }),
};

/**
 * The optimizers whose device path combines the lr with a value gathered at the count on the device (in float32),
 * where the CPU combines them in float64: Adam's and Adamax's lr / bias correction, Adagrad's −lr / decay, NAdam's
 * coefficients, ASGD's 1 − lambd·η.
 */
const COMBINED_ON_DEVICE = new Set(["Adam", "AdamW", "Adagrad", "Adamax", "NAdam", "ASGD"]);

/** Parameters after 8 scaled steps with inf at steps 0 and 3 and NaN at step 5, and the step count saved. */
async function skippingRun(
  make: (params: Tensor[]) => Optimizer<{ lr: number }>,
  dev: Device,
): Promise<{ params: number[][]; step: unknown }> {
  manualSeed(1);
  const shapes = [[4, 3], [3, 5]];
  const params = shapes.map((s) => randn(s, { device: dev }).requiresGrad_());
  const opt = make(params);
  const scaler = new GradScaler({ initScale: 256, growthInterval: 2 });
  for (let step = 0; step < 8; step++) {
    const grads = shapes.map((s) => randn(s).dataSync() as Float32Array);
    if (step === 0 || step === 3) grads[0][2] = Infinity;
    if (step === 5) grads[1][0] = NaN;
    iterate(params, grads.map((g) => [...g]), shapes, scaler, opt);
  }
  const saved = (await opt.stateDict()).state[0]?.step;
  return {
    params: await Promise.all(params.map(async (p) => [...await p.data()])),
    step: saved === undefined ? null : Number(saved),
  };
}

for (const [name, make] of Object.entries(SKIPPABLE)) {
  Deno.test(`${name} skipped on the device gives the numbers of the CPU, which does not run the skipped steps`, async () => {
    const host = await skippingRun(make, cpu);
    const onDevice = await skippingRun(make, deviceLikeGpu().dev);
    assertEquals(onDevice.step, host.step, "step count");
    host.params.forEach((expected, i) => {
      if (COMBINED_ON_DEVICE.has(name)) {
        assertClose(onDevice.params[i], expected, TOLERANCE.optimizer, `param ${i}`);
      } else assertEquals(onDevice.params[i], expected, `param ${i}`);
    });
  });
}

Deno.test({
  name: `${Object.keys(SKIPPABLE).join(", ")} skipped on WebGPU give the CPU's numbers`,
  ignore: gpu === null,
  fn: async () => {
    for (const [name, make] of Object.entries(SKIPPABLE)) {
      const host = await skippingRun(make, cpu);
      const onGpu = await skippingRun(make, gpu!);
      assertEquals(onGpu.step, host.step, `${name}: step count`);
      host.params.forEach((expected, i) =>
        assertClose(onGpu.params[i], expected, TOLERANCE.optimizer, `${name}: param ${i}`)
      );
    }
  },
});

/** A user's optimizer whose update changes a number in its state, which a decision on the device cannot undo. */
class DecayingSGD extends Optimizer<{ lr: number }> {
  constructor(params: Tensor[]) {
    super(params, { lr: 0.1 });
  }
  protected validate(): void {}
  protected initState(p: Tensor): State {
    return { step: 0, momentumBuffer: zerosLike(p) };
  }
  protected update(p: Tensor, grad: Tensor, group: { lr: number }, state: State): void {
    state.step = (state.step as number) + 1;
    const buf = (state.momentumBuffer as Tensor).mul_(0.9).add_(grad);
    p.sub_(buf, { alpha: group.lr / state.step });
  }
}

Deno.test("ScheduleFreeAdamW, and optimizers whose update changes host numbers, refuse to skip on the device, naming themselves, and are left as they were", async () => {
  const refusing: Record<string, (params: Tensor[]) => Optimizer<{ lr: number }>> = {
    DecayingSGD: (ps) => new DecayingSGD(ps),
    ScheduleFreeAdamW: (ps) => {
      const opt = new ScheduleFreeAdamW(ps);
      opt.train();
      return opt;
    },
  };
  for (const [name, make] of Object.entries(refusing)) {
    const w = tensor([[1.5, 2.5], [0.5, -1]], { requiresGrad: true });
    w.grad = tensor([[0.5, -1], [0.25, 2]]);
    const opt = make([w]);
    opt.step();
    const before = await opt.stateDict();
    const values = [...await w.data()];
    assertThrows(() => opt.stepUnless(tensor(0)), Error, `${name} cannot skip its step on the device`);
    assertEquals(await opt.stateDict(), before, `${name}'s state`);
    assertEquals([...await w.data()], values, `${name}'s parameter`);
  }
});
