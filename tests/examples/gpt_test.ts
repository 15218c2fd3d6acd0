import { autocast, clipGradNorm, noGrad } from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { GPT, type GPTConfig } from "../../examples/gpt.ts";
import { assertClose, assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "../nn/fixture.ts";

/** One case of tests/fixtures/gpt.json, made by tools/fixtures/gpt.py with tools/gpt_torch.py. */
interface GptCase {
  config: GPTConfig;
  numParams: number;
  groups: number[][];
  state: Record<string, Encoded>;
  names: string[];
  idx: Encoded;
  targets: Encoded;
  logits: Encoded;
  loss: number;
  grads: Record<string, Encoded>;
  maxNorm: number;
  gradNorm: number;
  after: Record<string, Encoded>;
  lastLogits: Encoded;
  start: Encoded;
  greedy: Encoded;
}

const fixture = loadFixture<{ cases: Record<string, GptCase> }>("gpt");

for (const [name, c] of Object.entries(fixture.cases)) {
  testOnDevices(
    `GPT (${name}): nanoGPT's names, parameter count and AdamW groups, as PyTorch's model.py`,
    async (dev) => {
      const model = await new GPT(c.config).to(dev);
      assertEquals(model.namedParameters().map(([n]) => n), c.names);
      assertEquals(Object.keys(model.stateDict()), Object.keys(c.state));
      assert(model.lm_head.weight === model.transformer.wte.weight, "lm_head.weight is tied to wte");
      assertEquals(model.getNumParams(), c.numParams);
      const params = model.parameters();
      const optimizer = model.configureOptimizers({
        weightDecay: 0.1,
        learningRate: 1e-3,
        betas: [0.9, 0.99],
      });
      assertEquals(optimizer.paramGroups.map((g) => g.params.map((p) => params.indexOf(p))), c.groups);
      assertEquals(optimizer.paramGroups.map((g) => g.weightDecay), [0.1, 0]);
    },
  );

  testOnDevices(
    `GPT (${name}): logits, loss, every gradient and one clipped AdamW step equal PyTorch's`,
    async (dev) => {
      const model = await new GPT(c.config).to(dev);
      const state = Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, fromFixture(e, dev)]));
      model.loadStateDict(state);
      const { logits, loss } = model.forward(fromFixture(c.idx, dev), fromFixture(c.targets, dev));
      await assertTensorClose(logits, c.logits, TOLERANCE.composite, "logits");
      assertClose([await loss!.item()], [c.loss], TOLERANCE.composite, "loss");
      loss!.backward();
      for (const [n, p] of model.namedParameters()) {
        assert(p.grad !== null, `${n} has a gradient`);
        await assertTensorClose(p.grad, c.grads[n], TOLERANCE.accumulation, `${n}.grad`);
      }
      const norm = clipGradNorm(model.parameters(), c.maxNorm);
      assertClose([await norm.item()], [c.gradNorm], TOLERANCE.composite, "total gradient norm");
      const optimizer = model.configureOptimizers({
        weightDecay: 0.1,
        learningRate: 1e-3,
        betas: [0.9, 0.99],
      });
      optimizer.step();
      for (const [n, p] of model.namedParameters()) {
        await assertTensorClose(p, c.after[n], TOLERANCE.optimizer, `${n} after the step`);
      }
    },
  );

  testOnDevices(
    `GPT (${name}): inference logits of the last position and greedy generation past the block size`,
    async (dev) => {
      const model = await new GPT(c.config).to(dev);
      model.loadStateDict(
        Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, fromFixture(e, dev)])),
      );
      model.eval();
      const { logits, loss } = noGrad(() => model.forward(fromFixture(c.idx, dev)));
      assertEquals(loss, null);
      await assertTensorClose(logits, c.lastLogits, TOLERANCE.composite, "last-position logits");
      // topK 1 leaves one candidate, so sampling is the argmax: deterministic, comparable with PyTorch's.
      const out = model.generate(fromFixture(c.start, dev), c.greedy.shape[1] - c.start.shape[1], {
        topK: 1,
      });
      assertEquals(out.shape, c.greedy.shape);
      assertEquals(Array.from(await out.data()), c.greedy.data);
    },
  );
}

testOnDevices(
  "GPT: a sequence longer than the block size and heads not dividing the width are errors",
  async (dev) => {
    const config = fixture.cases.recipe.config;
    const model = await new GPT(config).to(dev);
    const long = fromFixture({ shape: [1, 9], dtype: "int32", data: new Array(9).fill(1) }, dev);
    assertThrows(
      () => model.forward(long),
      Error,
      "Cannot forward sequence of length 9, block size is only 8",
    );
    assertThrows(() => new GPT({ ...config, nHead: 3 }), Error, "nEmbd (16) must be divisible by nHead (3)");
    assertThrows(
      () => model.generate(long, 1, { temperature: 0 }),
      RangeError,
      "temperature must be positive, got 0",
    );
  },
);

testOnDevices(
  "GPT under autocast: float16 products in float32 residuals train, gradients close to float32's",
  async (dev) => {
    const c = fixture.cases.recipe;
    const model = await new GPT(c.config).to(dev);
    model.loadStateDict(
      Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, fromFixture(e, dev)])),
    );
    const loss = autocast(() => model.forward(fromFixture(c.idx, dev), fromFixture(c.targets, dev)).loss!);
    assertEquals(loss.dtype, "float32");
    assertClose([await loss.item()], [c.loss], { rtol: 1e-2, atol: 1e-3 }, "loss under autocast");
    loss.backward(); // the residual adds (float32 + float16) give their float16 inputs float16 gradients
    for (const [n, p] of model.namedParameters()) {
      assertEquals(p.grad?.dtype, "float32", `${n}.grad dtype`);
      await assertTensorClose(p.grad!, c.grads[n], { rtol: 5e-2, atol: 2e-3 }, `${n}.grad under autocast`);
    }
  },
  { requires: "shader-f16" },
);
