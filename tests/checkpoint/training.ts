/**
 * The small training run the checkpoint tests save, resume and compare: an MLP with dropout (it draws from the
 * default generator) trained by Adam under StepLR on a shuffled DataLoader without its own seed (each epoch's
 * order comes from the default generator too), so a resume is exact only if the weights, the optimizer, the
 * scheduler, the generator and the loader's position all come back.
 *
 * @module
 */
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  defaultGenerator,
  type Device,
  Dropout,
  Generator,
  Linear,
  manualSeed,
  ReLU,
  Sequential,
  StepLR,
  tensor,
  TensorDataset,
} from "../../mod.ts";

/** A model with everything a checkpoint of it holds. */
export interface Run {
  /** The device it trains on. */
  dev: Device;
  /** Linear(6, 16) → ReLU → Dropout(0.25) → Linear(16, 3). */
  model: Sequential;
  /** Adam, lr 0.01. */
  optimizer: Adam;
  /** StepLR every 5 steps, gamma 0.5, stepped per batch. */
  scheduler: StepLR;
  /** 44 samples in shuffled batches of 8 (the last one 4). */
  dataLoader: DataLoader;
}

/** The run as it starts: the same data and initial weights in every process. */
export async function makeRun(dev: Device): Promise<Run> {
  const data = new Generator(1);
  const x = tensor(Float32Array.from(data.normal(44 * 6)), { shape: [44, 6] });
  const y = tensor(Int32Array.from(data.uniform(44), (u) => Math.floor(u * 3)));
  manualSeed(7);
  const model = await new Sequential(new Linear(6, 16), new ReLU(), new Dropout(0.25), new Linear(16, 3)).to(
    dev,
  );
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new StepLR(optimizer, { stepSize: 5, gamma: 0.5 });
  const dataLoader = new DataLoader(new TensorDataset(x, y), { batchSize: 8, shuffle: true });
  return { dev, model, optimizer, scheduler, dataLoader };
}

/** Trains `steps` batches, epoch after epoch, stopping mid-epoch if that is where the count ends. */
export async function train(run: Run, steps: number): Promise<void> {
  const criterion = new CrossEntropyLoss();
  let done = 0;
  while (done < steps) {
    for await (const [x, y] of run.dataLoader) {
      run.optimizer.zeroGrad();
      criterion.forward(run.model.forward(await x.to(run.dev)), await y.to(run.dev)).backward();
      run.optimizer.step();
      run.scheduler.step();
      if (++done === steps) break;
    }
  }
}

/** The model's parameters' values, in order. */
export async function parameters(run: Run): Promise<Float32Array[]> {
  return await Promise.all(run.model.parameters().map(async (p) => Float32Array.from(await p.data())));
}

/** Everything a load could change, read out: to show that a failed load changed nothing. */
export async function snapshot(run: Run): Promise<unknown> {
  return {
    params: await parameters(run),
    optimizer: await run.optimizer.stateDict(),
    scheduler: run.scheduler.stateDict(),
    dataLoader: run.dataLoader.stateDict(),
    rng: [defaultGenerator.seed, defaultGenerator.offset],
  };
}
