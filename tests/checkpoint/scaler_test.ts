import { assertEquals } from "../../deps.ts";
import { assertClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import {
  Adam,
  type Device,
  Generator,
  GradScaler,
  Linear,
  load,
  manualSeed,
  MSELoss,
  save,
  tensor,
} from "../../mod.ts";

/** A regression trained by Adam under a GradScaler that grows every 2 steps; batch 2 overflows (an inf input). */
async function scaledRun(dev: Device): Promise<{ model: Linear; optimizer: Adam; scaler: GradScaler }> {
  manualSeed(8);
  const model = await new Linear(4, 2).to(dev);
  return {
    model,
    optimizer: new Adam(model.parameters(), { lr: 0.01 }),
    scaler: new GradScaler({ initScale: 2 ** 10, growthInterval: 2 }),
  };
}

const data = new Generator(12);
const BATCHES = Array.from({ length: 8 }, (_, i) => {
  const x = Float32Array.from(data.normal(8 * 4));
  if (i === 2) x[5] = Infinity;
  return { x, y: Float32Array.from(data.normal(8 * 2)) };
});

function trainOn(run: Awaited<ReturnType<typeof scaledRun>>, from: number, to: number): void {
  const dev = run.model.weight.device;
  for (const { x, y } of BATCHES.slice(from, to)) {
    run.optimizer.zeroGrad();
    const output = run.model.forward(tensor(x, { shape: [8, 4], device: dev }));
    run.scaler.scale(new MSELoss().forward(output, tensor(y, { shape: [8, 2], device: dev }))).backward();
    run.scaler.step(run.optimizer);
    run.scaler.update();
  }
}

testOnDevices(
  "a checkpoint resumes a GradScaler run (a skipped step included) as the uninterrupted run",
  async (dev) => {
    const dir = await Deno.makeTempDir();
    const straight = await scaledRun(dev);
    trainOn(straight, 0, 8);
    const interrupted = await scaledRun(dev);
    trainOn(interrupted, 0, 4);
    await save(`${dir}/scaled.safetensors`, interrupted);
    const resumed = await scaledRun(dev);
    await load(`${dir}/scaled.safetensors`, resumed);
    assertEquals(await resumed.scaler.stateDict(), await interrupted.scaler.stateDict());
    trainOn(resumed, 4, 8);
    assertEquals(await resumed.scaler.stateDict(), await straight.scaler.stateDict());
    for (const [i, p] of resumed.model.parameters().entries()) {
      const expected = await straight.model.parameters()[i].data();
      if (dev.type === "cpu") assertEquals(await p.data(), expected, `parameter ${i}`);
      else assertClose(await p.data(), expected, TOLERANCE.optimizer, `parameter ${i}`);
    }
    await Deno.remove(dir, { recursive: true });
  },
);
