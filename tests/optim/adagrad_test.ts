import { Adagrad, type Tensor, tensor } from "../../mod.ts";
import { assertEquals } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { familyTests, validationTests } from "./family_fixture.ts";

familyTests("Adagrad", "missing gradients");

testOnDevices(
  "Adagrad's state exists right after construction and for a group added later, sums at the optimizer's " +
    "initialAccumulatorValue (groups' own values unused, as in PyTorch)",
  async (dev) => {
    const [a, b, c] = [[1, 2], [3], [4, 5, 6]].map((v) =>
      tensor(v, { dtype: "float32", device: dev, requiresGrad: true })
    );
    const opt = new Adagrad([{ params: [a] }, { params: [b], initialAccumulatorValue: 0.5 }], {
      initialAccumulatorValue: 0.25,
    });
    opt.addParamGroup({ params: [c], initialAccumulatorValue: 2 });
    const sums = await Promise.all([a, b, c].map((p) => (opt.state.get(p)!.sum as Tensor).data()));
    assertEquals(sums.map((s) => Array.from(s)), [[0.25, 0.25], [0.25], [0.25, 0.25, 0.25]]);
    assertEquals([a, b, c].map((p) => opt.state.get(p)!.step), [0, 0, 0]);
    assertEquals(Object.keys((await opt.stateDict()).state), ["0", "1", "2"]);
  },
);

const p = tensor([1, 2], { dtype: "float32", requiresGrad: true });
validationTests("Adagrad", {
  "Adagrad lr": () => new Adagrad([p], { lr: -0.1 }),
  "Adagrad lrDecay": () => new Adagrad([p], { lrDecay: -0.1 }),
  "Adagrad weightDecay": () => new Adagrad([p], { weightDecay: -0.1 }),
  "Adagrad initialAccumulatorValue": () => new Adagrad([p], { initialAccumulatorValue: -0.1 }),
  "Adagrad eps": () => new Adagrad([p], { eps: -0.1 }),
});
