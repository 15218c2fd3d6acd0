/**
 * Every scheduler's lr (and momentum or beta1) sequence against PyTorch 1.13's, to 1e-12 relative: from
 * construction, after resuming from state dicts (through JSON), and after resuming with lastEpoch. Pure lr
 * arithmetic: no device is involved.
 */
import { assert, assertEquals } from "../../../deps.ts";
import { assertStep, build, FIXTURE, start, stepCase } from "./fixture.ts";

for (const c of FIXTURE.cases) {
  const by = c.derivedFrom === undefined ? "" : " (derived: see the fixture)";
  Deno.test(`${c.scheduler.kind} matches PyTorch's lrs and momenta for ${c.name}${by}`, () => {
    const { opt, sched } = start(c);
    assertStep(opt, c, 0, "after construction");
    for (let k = 0; k < c.steps; k++) {
      stepCase(opt, sched, c, k);
      assertStep(opt, c, k + 1, `after step ${k + 1}`);
      assertEquals(sched.getLastLr(), opt.paramGroups.map((g) => g.lr), `getLastLr() after step ${k + 1}`);
    }
  });

  Deno.test(`${c.scheduler.kind} resumes from JSON state dicts as PyTorch does, for ${c.name}`, async () => {
    const { opt, sched } = start(c);
    for (let k = 0; k < c.resume.at; k++) stepCase(opt, sched, c, k);
    const saved = JSON.parse(JSON.stringify({ opt: await opt.stateDict(), sched: sched.stateDict() }));
    const fresh = start(c);
    fresh.opt.loadStateDict(saved.opt);
    fresh.sched.loadStateDict(saved.sched);
    assertEquals(fresh.sched.getLastLr(), sched.getLastLr(), "getLastLr() after loading");
    for (let k = c.resume.at; k < c.steps; k++) {
      stepCase(fresh.opt, fresh.sched, c, k);
      assertStep(fresh.opt, c.resume, k - c.resume.at, `resumed, after step ${k + 1}`);
    }
  });

  const resume = c.lastEpoch;
  if (resume === null) continue;
  Deno.test(`${c.scheduler.kind} resumes with lastEpoch ${resume.at} as PyTorch does, for ${c.name}`, () => {
    const { opt, sched } = start(c);
    for (let k = 0; k < resume.at; k++) stepCase(opt, sched, c, k);
    const resumed = build(c.scheduler, opt, resume.at);
    assertStep(opt, resume, 0, "after construction");
    for (let k = resume.at + 1; k < c.steps; k++) {
      stepCase(opt, resumed, c, k);
      assertStep(opt, resume, k - resume.at, `after step ${k + 1}`);
    }
  });
}

Deno.test("Every PyTorch scheduler class has a fixture case", () => {
  const kinds = new Set(
    FIXTURE.cases.flatMap((c) => [c.scheduler.kind, ...(c.scheduler.schedulers ?? []).map((s) => s.kind)]),
  );
  for (
    const kind of [
      "LambdaLR",
      "MultiplicativeLR",
      "StepLR",
      "MultiStepLR",
      "ConstantLR",
      "LinearLR",
      "ExponentialLR",
      "PolynomialLR",
      "CosineAnnealingLR",
      "ChainedScheduler",
      "SequentialLR",
      "ReduceLROnPlateau",
      "CyclicLR",
      "OneCycleLR",
      "CosineAnnealingWarmRestarts",
      "SWALR",
    ]
  ) {
    assert(kinds.has(kind), `no case for ${kind}`);
  }
});
