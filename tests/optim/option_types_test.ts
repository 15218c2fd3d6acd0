/**
 * Every optimizer refuses an option of the wrong JavaScript type (TypeScript's types are gone at run time: a
 * string lr passes `lr >= 0`), and an option name it does not have, with a TypeError naming the option — in the
 * constructor, in `addParamGroup` and in `loadStateDict` — and leaves the optimizer as it was. The wrong values
 * are derived from each optimizer's own defaults, so every option of every optimizer is tried.
 *
 * @module
 */
import {
  Adadelta,
  Adafactor,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  ASGD,
  type BaseOptimizer,
  LAMB,
  LBFGS,
  Lion,
  Muon,
  NAdam,
  RAdam,
  RMSprop,
  Rprop,
  ScheduleFreeAdamW,
  SGD,
  type Tensor,
  tensor,
} from "../../mod.ts";
import type { Device } from "../../backends/device.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";

type Make = (params: Tensor[], options?: Record<string, unknown>) => BaseOptimizer<{ lr: number }>;

const OPTIMIZERS: Record<string, Make> = {
  SGD: (p, o) => new SGD(p, o),
  Adam: (p, o) => new Adam(p, o),
  AdamW: (p, o) => new AdamW(p, o),
  Adagrad: (p, o) => new Adagrad(p, o),
  Adadelta: (p, o) => new Adadelta(p, o),
  Adamax: (p, o) => new Adamax(p, o),
  NAdam: (p, o) => new NAdam(p, o),
  RAdam: (p, o) => new RAdam(p, o),
  RMSprop: (p, o) => new RMSprop(p, o),
  Rprop: (p, o) => new Rprop(p, o),
  ASGD: (p, o) => new ASGD(p, o),
  LBFGS: (p, o) => new LBFGS(p, o),
  Lion: (p, o) => new Lion(p, o),
  LAMB: (p, o) => new LAMB(p, o),
  Adafactor: (p, o) => new Adafactor(p, o),
  Muon: (p, o) => new Muon(p, o),
  ScheduleFreeAdamW: (p, o) => new ScheduleFreeAdamW(p, o),
};

/** Values of the wrong type for an option whose default is `value`. */
function wrongValues(value: unknown): unknown[] {
  if (typeof value === "number") return [String(value), true, [value], {}];
  if (typeof value === "boolean") return [1, "true", null];
  if (typeof value === "string") return [1, false];
  if (Array.isArray(value)) return [value.map(String), value.find((v) => v !== null)];
  return [];
}

const params = (dev: Device): Tensor[] => [tensor([[1, 2], [3, 4]], { requiresGrad: true, device: dev })];

for (const [name, make] of Object.entries(OPTIMIZERS)) {
  testOnDevices(
    `${name} refuses options of the wrong type or name, naming them, and changes nothing`,
    async (dev) => {
      const defaults = make(params(dev)).defaults as unknown as Record<string, unknown>;
      let tried = 0;
      for (const [key, value] of Object.entries(defaults)) {
        for (const wrong of wrongValues(value)) {
          tried++;
          // AdamW's weight decay is always decoupled, and ScheduleFreeAdamW's group holds its schedule's state:
          // neither is an option to give.
          const fixed = (name === "AdamW" && key === "decoupledWeightDecay") ||
            (name === "ScheduleFreeAdamW" &&
              ["k", "trainMode", "weightSum", "lrMax", "scheduledLr"].includes(key));
          const refused = fixed ? `Unexpected option ${key}` : `Invalid ${key}: expected`;
          assertThrows(() => make(params(dev), { [key]: wrong }), TypeError, refused);
        }
      }
      assertThrows(
        () => make(params(dev), { learningRate: 0.1 }),
        TypeError,
        "Unexpected option learningRate",
      );

      const p = params(dev);
      const opt = make(p);
      const groups = structuredClone(opt.paramGroups.map(({ params: _, ...values }) => values));
      const saved = await opt.stateDict();
      const [key, value] = Object.entries(defaults).find(([, v]) => typeof v === "number")!;
      const extra = [tensor([1], { requiresGrad: true, device: dev })];
      // LBFGS allows one group only, and says so before looking at the values.
      if (name !== "LBFGS") {
        assertThrows(
          () => opt.addParamGroup({ params: extra, [key]: String(value) }),
          TypeError,
          `Invalid ${key}`,
        );
      }
      const bad = { ...saved, paramGroups: saved.paramGroups.map((g) => ({ ...g, [key]: String(value) })) };
      assertThrows(() => opt.loadStateDict(bad), TypeError, `Invalid ${key}`);
      assertEquals(opt.paramGroups.map(({ params: _, ...values }) => values), groups, "groups unchanged");
      assertEquals(opt.paramGroups.length, 1);
      assertEquals(await opt.stateDict(), saved, "state unchanged");
      assertEquals(tried > 0, true);
    },
  );
}
