import { testOnDevices } from "../helpers.ts";
import { makeOptimizer, makeParams, OPTIM, runSteps } from "./fixture.ts";

for (const t of OPTIM.trajectories.filter((t) => t.optimizer === "SGD")) {
  const by = t.madeWith === "torch.optim.SGD" ? "" : ` (made by ${t.madeWith})`;
  testOnDevices(
    `SGD.step() matches PyTorch for ${t.name}${by}, every step's parameters and state`,
    async (dev) => {
      const params = makeParams(t.initial, dev);
      await runSteps(t, makeOptimizer(t, params), params, dev);
    },
  );
}
