/**
 * `deno bench`: the time of one `optimizer.step()` for every torch.optim optimizer gradstep has, at 1M and 10M
 * parameters (one tensor), on every device present. Each step is followed by a one-element readback, so that work
 * queued on a WebGPU device is finished inside the measurement; the group's baseline is that readback alone. LBFGS
 * runs one iteration per step on a fixed gradient (its closure returns a constant loss) and reads back three times.
 *
 * A last group per device times AdamW over the 27 small tensors of char-gpt's GPT, a plain step and the step a
 * GradScaler skips on the device, where the per-tensor cost of a step shows.
 *
 * Before the benchmarks, it prints the backend primitives (elementwise kernels, reductions …) one step of each
 * optimizer runs over the four parameter tensors of the seed's MNIST model, counted by wrapping the device's
 * backend; on WebGPU also the compute dispatches the backend's own counter saw. Timings on a software WebGPU adapter
 * (the device name says so) are not GPU timings.
 *
 * @module
 */
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  ASGD,
  type BaseOptimizer,
  type Device,
  device,
  LBFGS,
  manualSeed,
  NAdam,
  Optimizer,
  RAdam,
  randn,
  RMSprop,
  Rprop,
  SGD,
  type Tensor,
  tensor,
  zeros,
} from "../mod.ts";
import { GPT, SHAKESPEARE_CHAR_CPU } from "../examples/gpt.ts";
import { WebGpuBackend } from "../backends/mod.ts";

const SIZES = [1_000_000, 10_000_000];

/** Each optimizer with the options it is benchmarked with (momentum and weight decay where the optimizer has them). */
const OPTIMIZERS: Record<string, (params: Tensor[]) => BaseOptimizer<{ lr: number }>> = {
  "SGD (momentum)": (p) => new SGD(p, { lr: 0.01, momentum: 0.9 }),
  Adam: (p) => new Adam(p),
  AdamW: (p) => new AdamW(p),
  Adagrad: (p) => new Adagrad(p),
  Adadelta: (p) => new Adadelta(p),
  Adamax: (p) => new Adamax(p),
  NAdam: (p) => new NAdam(p),
  RAdam: (p) => new RAdam(p),
  "RMSprop (momentum, centered)": (p) => new RMSprop(p, { momentum: 0.9, centered: true }),
  Rprop: (p) => new Rprop(p),
  ASGD: (p) => new ASGD(p),
  "LBFGS (maxIter 1)": (p) => new LBFGS(p, { maxIter: 1, historySize: 10 }),
};

/** One step: LBFGS with a closure returning `loss` (the gradients stay as set), the others without. */
async function step(opt: BaseOptimizer<{ lr: number }>, loss: Tensor): Promise<void> {
  if (opt instanceof LBFGS) await opt.step(() => loss);
  else if (opt instanceof Optimizer) opt.step();
}

/** Parameters of the given shapes on `dev`, each with a random gradient. */
function parameters(shapes: number[][], dev: Device): Tensor[] {
  return shapes.map((shape) => {
    const p = randn(shape, { device: dev }).requiresGrad_();
    p.grad = randn(shape, { device: dev });
    return p;
  });
}

/**
 * The backend primitives `run` calls on `dev`, by name, counted by wrapping the backend's methods for the call;
 * on WebGPU also the compute dispatches recorded by the backend's counter (a reduction may take several).
 */
async function primitiveCalls(dev: Device, run: () => Promise<void>): Promise<Record<string, number>> {
  const backend = dev.backend;
  const names = ["elementwise", "reduce", "matmul", "gather", "scatterAdd"] as const;
  const originals = names.map((name) => backend[name]);
  const counts: Record<string, number> = {};
  let depth = 0; // a backend may implement a primitive with its own primitives: count the outermost calls only
  names.forEach((name, i) => {
    const original = originals[i] as (...args: unknown[]) => void;
    backend[name] = ((...args: unknown[]) => {
      if (depth === 0) counts[name] = (counts[name] ?? 0) + 1;
      depth++;
      try {
        original.apply(backend, args);
      } finally {
        depth--;
      }
    }) as never;
  });
  const gpu = backend instanceof WebGpuBackend ? backend.stats : undefined;
  const before = gpu?.dispatches ?? 0;
  try {
    await run();
  } finally {
    names.forEach((name, i) => (backend[name] = originals[i] as never));
  }
  if (gpu !== undefined) counts["GPU dispatches"] = gpu.dispatches - before;
  return counts;
}

const MNIST_SHAPES = [[128, 784], [128], [10, 128], [10]];

for (const kind of ["cpu", "webgpu"] as const) {
  const dev = await device(kind).catch(() => undefined);
  if (dev === undefined) continue;
  const label = `${dev.type}: ${dev.name}`;

  const lines: string[] = [];
  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    const params = parameters(MNIST_SHAPES, dev);
    const opt = make(params);
    const loss = tensor(1, { dtype: "float32", device: dev });
    await step(opt, loss); // state created: the counted step is a steady-state one
    const counts = await primitiveCalls(dev, () => step(opt, loss));
    lines.push(`  ${name}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")}`);
  }
  console.log(
    `Backend primitives per step over the MNIST model's 4 parameter tensors [${label}]:\n${lines.join("\n")}`,
  );

  for (const size of SIZES) {
    const group = `${size / 1e6}M parameters [${label}]`;
    const [probe] = parameters([[size]], dev);
    const first = probe.narrow(0, 0, 1);
    Deno.bench({
      name: `one-element readback (in every step below) ${group}`,
      group,
      baseline: true,
      n: 20,
      warmup: 2,
      fn: async () => void await first.data(),
    });
    for (const [name, make] of Object.entries(OPTIMIZERS)) {
      const params = parameters([[size]], dev);
      const opt = make(params);
      const loss = tensor(1, { dtype: "float32", device: dev });
      const head = params[0].narrow(0, 0, 1);
      Deno.bench({
        name: `${name} step ${group}`,
        group,
        n: size > 1e6 ? 5 : 20,
        warmup: 1,
        fn: async () => {
          await step(opt, loss);
          await head.data();
        },
      });
    }
  }

  // Many small tensors: char-gpt's GPT (4 layers, 128 wide, no biases: 27 tensors in nanoGPT's two AdamW groups),
  // a plain step and the step a GradScaler skips on the device (flag 0: kept), where per-tensor costs show.
  manualSeed(0);
  const gpt = await new GPT(SHAKESPEARE_CHAR_CPU).to(dev);
  const adamw = gpt.configureOptimizers({ weightDecay: 0.1, learningRate: 1e-3, betas: [0.9, 0.99] });
  const gptParams = gpt.parameters();
  for (const p of gptParams) p.grad = randn(p.shape, { device: dev });
  const kept = zeros([], { device: dev });
  const head = gptParams[0].narrow(0, 0, 1);
  const group = `AdamW over char-gpt's GPT, ${gptParams.length} tensors [${label}]`;
  for (
    const [name, run] of [["step", () => adamw.step()], [
      "GradScaler's device skip",
      () => adamw.stepUnless(kept),
    ]] as const
  ) {
    Deno.bench({
      name: `${name}: ${group}`,
      group,
      n: 50,
      warmup: 5,
      fn: async () => {
        run();
        await head.data();
      },
    });
  }
}
