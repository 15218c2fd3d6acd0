/**
 * The run the kill test's child trains and checkpoints, and the parent recomputes: a small MLP under Adam and
 * CosineAnnealingLR, trained on fixed data in a fixed batch order, so the state after step `n` is a deterministic
 * function of `n` (no dropout, no shuffling: the parent's own `load()` calls reset the default generator, which
 * must not change its reference run).
 *
 * @module
 */
import {
  Adam,
  CosineAnnealingLR,
  Generator,
  Linear,
  manualSeed,
  MSELoss,
  Sequential,
  Tanh,
  type Tensor,
  tensor,
} from "../../mod.ts";

/** The objects a checkpoint of the run holds. */
export interface KillRun {
  /** Linear(16, 64) → Tanh → Linear(64, 64) → Tanh → Linear(64, 4). */
  model: Sequential;
  /** Adam, lr 0.01. */
  optimizer: Adam;
  /** Cosine annealing over 40 steps, so lr keeps changing. */
  scheduler: CosineAnnealingLR;
}

/** How many fixed batches the steps cycle through. */
const BATCHES = 5;
const data = new Generator(11);
const inputs: Tensor[] = [];
const targets: Tensor[] = [];
for (let i = 0; i < BATCHES; i++) {
  inputs.push(tensor(Float32Array.from(data.normal(8 * 16)), { shape: [8, 16] }));
  targets.push(tensor(Float32Array.from(data.normal(8 * 4)), { shape: [8, 4] }));
}

/** The run before step 1: the same initial weights in every process. */
export function makeKillRun(): KillRun {
  manualSeed(5);
  const model = new Sequential(
    new Linear(16, 64),
    new Tanh(),
    new Linear(64, 64),
    new Tanh(),
    new Linear(64, 4),
  );
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: 40 });
  return { model, optimizer, scheduler };
}

/** Trains step `step` (1-based): batch `step mod 5`, one Adam update, one scheduler step. */
export function trainStep(run: KillRun, step: number): void {
  const batch = step % BATCHES;
  run.optimizer.zeroGrad();
  new MSELoss().forward(run.model.forward(inputs[batch]), targets[batch]).backward();
  run.optimizer.step();
  run.scheduler.step();
}
