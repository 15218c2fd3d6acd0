import { tidy } from "../../mod.ts";
import { testOnDevices } from "../helpers.ts";
import { makeOptimizer, makeParams, OPTIM, runSteps } from "./fixture.ts";

for (const t of OPTIM.trajectories.filter((t) => t.optimizer === "Adam")) {
  const by = t.madeWith === "torch.optim.Adam" ? "" : ` (made by ${t.madeWith})`;
  testOnDevices(
    `Adam.step() matches PyTorch for ${t.name}${by}, every step's parameters and state`,
    async (dev) => {
      const params = makeParams(t.initial, dev);
      await runSteps(t, makeOptimizer(t, params), params, dev);
    },
  );
}

testOnDevices(
  "Adam.step() inside tidy() keeps its state: PyTorch's trajectory still matches",
  async (dev) => {
    const t = OPTIM.trajectories.find((t) =>
      t.optimizer === "Adam" && t.name === "two groups with overrides"
    )!;
    const params = makeParams(t.initial, dev);
    const opt = makeOptimizer(t, params);
    const step = opt.step.bind(opt);
    opt.step = (closure) => tidy(() => step(closure));
    await runSteps(t, opt, params, dev);
  },
);
