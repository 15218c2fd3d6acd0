import { SGD, tensor } from "../../mod.ts";
import { assertThrows } from "../../deps.ts";
import { NAG } from "../../examples/custom_optimizer.ts";
import { assertClose, assertTensorClose, testOnDevices, TOLERANCE } from "../helpers.ts";
import { makeParams, setGrads, trajectory } from "./fixture.ts";

const t = trajectory("SGD", "nesterov");

testOnDevices(
  "The example's user-code NAG and SGD({ nesterov: true }) agree on PyTorch's gradient sequence, and match PyTorch",
  async (dev) => {
    const [mine, builtIn] = [makeParams(t.initial, dev), makeParams(t.initial, dev)];
    const { lr, momentum } = t.options as { lr: number; momentum: number };
    const nag = new NAG(mine, { lr, momentum });
    const sgd = new SGD(builtIn, { lr, momentum, nesterov: true });
    for (const [k, step] of t.steps.entries()) {
      setGrads(mine, step.grads, dev);
      setGrads(builtIn, step.grads, dev);
      nag.step();
      sgd.step();
      for (const [i, p] of mine.entries()) {
        const [a, b] = await Promise.all([p.data(), builtIn[i].data()]);
        assertClose(a, b, TOLERANCE.optimizer, `step ${k + 1} param ${i}, NAG vs SGD`);
        await assertTensorClose(
          p,
          step.params[i],
          TOLERANCE.optimizer,
          `step ${k + 1} param ${i}, NAG vs PyTorch`,
        );
      }
    }
  },
);

Deno.test("The example's NAG rejects a negative lr and a zero momentum, naming the value", () => {
  const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
  assertThrows(() => new NAG([p], { lr: -1 }), RangeError, "Invalid learning rate: -1 (expected lr >= 0)");
  assertThrows(
    () => new NAG([p], { momentum: 0 }),
    RangeError,
    "Invalid momentum: 0 (expected momentum > 0)",
  );
});
