/**
 * Schedulers drive LBFGS as they drive any optimizer (PyTorch's schedulers accept every torch.optim optimizer).
 * LBFGS has one param group, so its lr follows the first group of lr_scheduler.json's three-group SGD cases, whose
 * first group starts at the same lr: the truth is PyTorch's sequence for that group.
 */
import { LBFGS, type Tensor, zeros } from "../../../mod.ts";
import { assertClose } from "../../helpers.ts";
import { build, FIXTURE, LR_TOLERANCE } from "./fixture.ts";

const KINDS = [
  "StepLR",
  "ExponentialLR",
  "CosineAnnealingLR",
  "SequentialLR",
  "OneCycleLR",
  "ReduceLROnPlateau",
];

for (const kind of KINDS) {
  const c = FIXTURE.cases.find((c) =>
    c.scheduler.kind === kind && c.optimizer === "sgd3" && c.pre === null && c.epochs === null
  );
  if (c === undefined) throw new Error(`lr_scheduler.json has no three-group SGD case of ${kind}`);
  Deno.test(`${kind} schedules LBFGS's lr as PyTorch's schedules SGD's first group, for ${c.name}`, async () => {
    const w = zeros([2], { requiresGrad: true });
    const opt = new LBFGS([w], { lr: FIXTURE.optimizers.sgd3.defaults.lr as number, maxIter: 1 });
    const sched = build(c.scheduler, opt);
    const closure = (): Tensor => {
      opt.zeroGrad();
      const loss = w.sub(1).pow(2).sum();
      loss.backward();
      return loss;
    };
    assertClose([opt.paramGroups[0].lr], [c.lrs[0][0]], LR_TOLERANCE, "after construction");
    for (let k = 0; k < c.steps; k++) {
      await opt.step(closure);
      if (c.metrics !== null) sched.step(c.metrics[k]);
      else sched.step();
      assertClose([opt.paramGroups[0].lr], [c.lrs[k + 1][0]], LR_TOLERANCE, `after step ${k + 1}`);
    }
  });
}
