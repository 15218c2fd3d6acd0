import {
  type Device,
  Flatten,
  Linear,
  manualSeed,
  Module,
  noGrad,
  ReLU,
  Sequential,
  type Tensor,
  zeros,
} from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";
import { nnFixture } from "./fixture.ts";

const { moduleState } = nnFixture();

async function seedModel(dev: Device): Promise<Sequential> {
  return await new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10)).to(dev);
}

/** The model's parameters as plain arrays, to see whether a load changed them. */
async function snapshot(model: Module): Promise<number[][]> {
  return await Promise.all(model.parameters().map(async (p) => Array.from(await p.data())));
}

/** A state dict of the model's own names and shapes, filled with `value`. */
function filled(model: Module, dev: Device, value: number): Record<string, Tensor> {
  return Object.fromEntries(
    model.namedParameters().map(([name, p]) => [name, zeros(p.shape, { device: dev }).add(value)]),
  );
}

/** PyTorch's message with its `torch.Size([a, b])` written as gradstep writes shapes, `[a,b]`, and no trailing space. */
function inGradstepShapes(message: string): string {
  return message.replace(/torch\.Size\(\[([^\]]*)\]\)/g, (_, dims: string) => `[${dims.replaceAll(" ", "")}]`)
    .trimEnd();
}

class Net extends Module {
  features = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 3, { bias: false }));
  head = new Linear(3, 2);
  tied = this.head;
  forward(x: Tensor): Tensor {
    return this.head.forward(this.features.forward(x));
  }
}

Deno.test("Module names parameters, modules and children as PyTorch does, in order, each once", () => {
  const model = new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10));
  const named = model.namedParameters();
  assertEquals(named.map(([name]) => name), moduleState.names);
  assertEquals(named.map(([, p]) => [...p.shape]), moduleState.shapes);
  const [fc1, fc2] = [model.at(1) as Linear, model.at(3) as Linear];
  assertEquals(model.parameters(), [fc1.weight, fc1.bias!, fc2.weight, fc2.bias!]);
  const net = new Net();
  assertEquals(net.namedParameters().map(([name]) => name), moduleState.netNames);
  assertEquals(net.namedModules().map(([name]) => name), moduleState.netModules);
  assertEquals(net.namedChildren().map(([name]) => name), moduleState.netChildren);
  assertEquals(net.children(), [net.features, net.head]);
});

testOnDevices(
  "Module.stateDict() holds every parameter by name, detached and sharing its memory",
  async (dev) => {
    const model = await seedModel(dev);
    const sd = model.stateDict();
    assertEquals(Object.keys(sd), moduleState.names);
    for (const [name, p] of model.namedParameters()) {
      assert(!sd[name].requiresGrad, `${name} requires grad`);
      assertEquals(await sd[name].data(), await p.data());
    }
    noGrad(() => model.parameters()[3].fill_(7));
    assertEquals(Array.from(await sd["3.bias"].data()), new Array(10).fill(7));
  },
);

testOnDevices(
  "Module.loadStateDict() copies every parameter and reports no missing or unexpected keys",
  async (dev) => {
    const model = await seedModel(dev);
    const params = model.parameters();
    assertEquals(model.loadStateDict(filled(model, dev, 0.5)), { missingKeys: [], unexpectedKeys: [] });
    assertEquals(model.parameters(), params);
    for (const values of await snapshot(model)) assert(values.every((v) => v === 0.5));
  },
);

testOnDevices(
  "Module.loadStateDict() rejects missing keys as PyTorch does, changing nothing",
  async (dev) => {
    const model = await seedModel(dev);
    const before = await snapshot(model);
    const { "3.bias": _, ...missing } = filled(model, dev, 0.5);
    assertThrows(() => model.loadStateDict(missing), Error, inGradstepShapes(moduleState.missingError));
    assertEquals(await snapshot(model), before);
  },
);

testOnDevices(
  "Module.loadStateDict() rejects unexpected keys as PyTorch does, changing nothing",
  async (dev) => {
    const model = await seedModel(dev);
    const before = await snapshot(model);
    const unexpected = { ...filled(model, dev, 0.5), "4.weight": zeros([2], { device: dev }) };
    assertThrows(() => model.loadStateDict(unexpected), Error, inGradstepShapes(moduleState.unexpectedError));
    assertEquals(await snapshot(model), before);
  },
);

testOnDevices(
  "Module.loadStateDict() rejects a size mismatch even when not strict, changing nothing",
  async (dev) => {
    const model = await seedModel(dev);
    const before = await snapshot(model);
    const mismatch = { ...filled(model, dev, 0.5), "3.weight": zeros([10, 127], { device: dev }) };
    for (const strict of [true, false]) {
      assertThrows(
        () => model.loadStateDict(mismatch, { strict }),
        Error,
        inGradstepShapes(moduleState.mismatchError),
      );
      assertEquals(await snapshot(model), before);
    }
  },
);

testOnDevices("Module.loadStateDict() lists every missing and unexpected key in one error", async (dev) => {
  const model = await seedModel(dev);
  const { "1.bias": _, "3.bias": __, ...rest } = filled(model, dev, 0.5);
  const error = assertThrows(() => model.loadStateDict({ ...rest, "9.x": zeros([1]), "9.y": zeros([1]) }));
  assert(error.message.includes('Missing key(s) in state_dict: "1.bias", "3.bias".'), error.message);
  assert(error.message.includes('Unexpected key(s) in state_dict: "9.x", "9.y".'), error.message);
});

testOnDevices(
  "Module.loadStateDict({ strict: false }) loads the matching keys and reports the rest",
  async (dev) => {
    const model = await seedModel(dev);
    const before = await snapshot(model);
    const { "3.bias": _, ...rest } = filled(model, dev, 0.5);
    const result = model.loadStateDict({ ...rest, "5.bias": zeros([1], { device: dev }) }, { strict: false });
    assertEquals(result, moduleState.nonStrict);
    const after = await snapshot(model);
    for (const i of [0, 1, 2]) {
      assert(
        after[i].every((v) => v === 0.5),
        `${moduleState.names[i]} was not loaded`,
      );
    }
    assertEquals(after[3], before[3]);
  },
);

Deno.test("Module.train() and eval() set training on every submodule and return the module", () => {
  const model = new Net();
  const modules = model.namedModules().map(([, m]) => m);
  assert(modules.every((m) => m.training));
  assert(model.eval() === model);
  assert(modules.every((m) => !m.training));
  assert(model.train() === model);
  assert(modules.every((m) => m.training));
  model.train(false);
  assert(modules.every((m) => !m.training));
});

testOnDevices(
  "Module.zeroGrad() sets gradients to null, or to zeros in place with setToNone: false",
  async (dev) => {
    manualSeed(0);
    const model = await new Net().to(dev);
    const run = (): void => model.forward(zeros([2, 4], { device: dev }).add(1)).sum().backward();
    run();
    const grads = model.parameters().map((p) => p.grad);
    assert(grads.every((g) => g !== null));
    model.zeroGrad({ setToNone: false });
    assertEquals(model.parameters().map((p) => p.grad), grads);
    for (const g of grads) assert((await g!.data()).every((v) => v === 0));
    run();
    model.zeroGrad();
    assert(model.parameters().every((p) => p.grad === null));
  },
);
