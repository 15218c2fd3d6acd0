/**
 * GradScaler skipping the steps of optimizers whose update reads their step count (Adagrad's lr decay, …), against
 * PyTorch (tests/fixtures/amp_skip.json, from tools/fixtures/amp_skip.py): on the CPU a skipped step is not run; on
 * WebGPU (and on a CPU device made to take its path) the skip and the count are decided on the device with no read
 * back, and the state dict round-trips with the count kept there.
 *
 * @module
 */
import { assert, assertEquals } from "../../deps.ts";
import { GradScaler } from "../../amp/mod.ts";
import { Adafactor, Adagrad, Adamax, ASGD, LAMB, NAdam, type Optimizer, RAdam } from "../../optim/mod.ts";
import type { OptimizerStateDict } from "../../optim/state_dict.ts";
import { type Device, type Tensor, tensor } from "../../mod.ts";
import { assertClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { deviceLikeGpu, readsDuring } from "./device_reads.ts";

interface Case {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  lrs: number[] | null;
  scaler: { initScale: number; growthInterval: number };
  shapes: number[][];
  initial: number[][];
  steps: {
    grads: number[][];
    skipped: boolean;
    scale: number;
    params: number[][];
    state: Record<string, number>;
  }[];
}
const fixture = loadFixture<{ cases: Case[] }>("amp_skip");

type Make = (params: Tensor[], options: Record<string, unknown>) => Optimizer<{ lr: number }>;
const OPTIMIZERS: Record<string, Make> = {
  Adagrad: (ps, o) => new Adagrad(ps, o),
  Adamax: (ps, o) => new Adamax(ps, o),
  RAdam: (ps, o) => new RAdam(ps, o),
  NAdam: (ps, o) => new NAdam(ps, o),
  LAMB: (ps, o) => new LAMB(ps, o),
  ASGD: (ps, o) => new ASGD(ps, o),
  Adafactor: (ps, o) => new Adafactor(ps, o),
};

/** One iteration: loss = Σ sum(p · g), scaled, backward, step, update. */
function iterate(
  params: Tensor[],
  grads: number[][],
  scaler: GradScaler,
  opt: Optimizer<{ lr: number }>,
): void {
  opt.zeroGrad();
  let loss: Tensor | null = null;
  params.forEach((p, i) => {
    const term = p.mul(tensor(grads[i], { device: p.device }).reshape(p.shape)).sum();
    loss = loss === null ? term : loss.add(term);
  });
  scaler.scale(loss!).backward();
  scaler.step(opt);
  scaler.update();
}

/** A state dict entry's number: a host number, or a count kept on the device (one value). */
function savedNumber(value: unknown): number {
  return typeof value === "number" ? value : Number((value as ArrayLike<number>)[0]);
}

/**
 * Replays case `c` on `dev`, checking the scale, the parameters and the first parameter's state numbers after every
 * step; with `resumeAfter`, the optimizer and the scaler are saved after that step (through JSON) and training goes
 * on in fresh ones loaded from the files. Resolves to the device reads made by the training steps themselves.
 */
async function replay(c: Case, dev: Device, resumeAfter?: number): Promise<number> {
  const params = c.initial.map((v, i) => tensor(v, { device: dev }).reshape(c.shapes[i]).requiresGrad_());
  let opt = OPTIMIZERS[c.optimizer](params, c.options);
  let scaler = new GradScaler(c.scaler);
  let reads = 0;
  for (const [n, step] of c.steps.entries()) {
    const lr = c.lrs?.[n];
    if (lr !== undefined) { for (const g of opt.paramGroups) g.lr = lr; }
    reads += await readsDuring(dev, () => iterate(params, step.grads, scaler, opt));
    const what = `${c.optimizer} (${c.name}) step ${n} (skipped: ${step.skipped})`;
    assertEquals(await scaler.getScale(), step.scale, `${what}: scale`);
    for (const [i, p] of params.entries()) {
      assertClose(await p.data(), step.params[i], TOLERANCE.optimizer, `${what}: param ${i}`);
    }
    const saved = (await opt.stateDict()).state[0] ?? {};
    for (const [key, expected] of Object.entries(step.state)) {
      if (key === "step") assertEquals(savedNumber(saved.step), expected, `${what}: step count`);
      else assertClose([savedNumber(saved[key])], [expected], TOLERANCE.optimizer, `${what}: state ${key}`);
    }
    if (n === resumeAfter) {
      const file = JSON.parse(JSON.stringify(await opt.stateDict())) as OptimizerStateDict;
      const scalerFile = JSON.parse(JSON.stringify(await scaler.stateDict()));
      opt = OPTIMIZERS[c.optimizer](params, c.options);
      opt.loadStateDict(file);
      scaler = new GradScaler();
      scaler.loadStateDict(scalerFile);
    }
  }
  return reads;
}

for (const c of fixture.cases) {
  testOnDevices(`GradScaler skips ${c.optimizer}'s steps as PyTorch does (${c.name})`, async (dev) => {
    const reads = await replay(c, dev);
    // The CPU reads the flag (host memory) to skip the step; WebGPU decides on the device.
    if (dev.backend.readSync === undefined) assertEquals(reads, 0, "device reads in the training steps");
  });
  Deno.test(`GradScaler skips ${c.optimizer}'s steps on the device as PyTorch does, reading nothing (${c.name}; the WebGPU path, on the CPU)`, async () => {
    assertEquals(await replay(c, deviceLikeGpu().dev), 0, "device reads in the training steps");
  });
  // After a skipped step that follows taken ones: the count on the device is saved and must be restored.
  const skipped = c.steps.findIndex((s) => s.skipped && s.state.step > 0);
  assert(skipped > 0, `${c.name}: the case skips a step after taking one`);
  testOnDevices(
    `${c.optimizer}'s state dict saved after a skipped step resumes as PyTorch goes on (${c.name})`,
    (dev) => replay(c, dev, skipped).then(() => {}),
  );
  Deno.test(`${c.optimizer}'s state dict saved after a step skipped on the device resumes as PyTorch goes on (${c.name}; the WebGPU path, on the CPU)`, async () => {
    await replay(c, deviceLikeGpu().dev, skipped);
  });
}
