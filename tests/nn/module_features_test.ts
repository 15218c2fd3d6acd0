import {
  AdamW,
  arange,
  BatchNorm1d,
  clipGradNorm,
  type Device,
  Embedding,
  LayerNorm,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  Sequential,
  SGD,
  type Tensor,
} from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "./fixture.ts";

/** tests/fixtures/nn_modules.json, made by tools/fixtures/nn_modules.py. */
interface ModulesFixture {
  namedParameters: string[];
  namedModules: string[];
  namedModulesPrefixed: string[];
  namedChildren: string[];
  applyOrder: string[];
  stateDict: Record<string, Encoded>;
  input: Encoded;
  output: Encoded;
  gradNorm: Encoded;
  afterClippedSgd: Record<string, Encoded>;
  frozenHasGrad: Record<string, boolean>;
  afterFrozenAdamW: Record<string, Encoded>;
  duplicateWarning: string;
  twoGroupsError: string;
  tinyGpt: {
    namedParameters: string[];
    namedModules: string[];
    stateDict: Record<string, Encoded>;
    idx: Encoded;
    logits: Encoded;
    grads: Record<string, Encoded>;
  };
}

const fixture = loadFixture<ModulesFixture>("nn_modules");

class Block extends Module {
  fc = new Linear(4, 4);
  proj = new Linear(4, 4, { bias: false });
  forward(x: Tensor): Tensor {
    return x.add(this.proj.forward(this.fc.forward(x).relu()));
  }
}

function twice(block: Block): Sequential {
  return new Sequential(block, block);
}

/** tools/fixtures/nn_modules.py's Model: a tied head, one block at two places, an alias field. */
class Model extends Module {
  inp = new Linear(4, 4, { bias: false });
  blocks = twice(new Block());
  norm = new BatchNorm1d(4);
  head = new Linear(4, 4);
  alias = this.head;
  constructor() {
    super();
    this.head.weight = this.inp.weight;
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.norm.forward(this.blocks.forward(this.inp.forward(x))));
  }
}

/** A Model on `dev` holding the fixture's PyTorch state dict, in eval mode. */
async function pytorchModel(dev: Device): Promise<Model> {
  const model = await new Model().to(dev);
  const state = Object.fromEntries(
    Object.entries(fixture.stateDict).map(([name, e]) => [name, fromFixture(e, dev)]),
  );
  model.loadStateDict(state);
  return model.eval();
}

function lossOf(model: Model, x: Tensor): Tensor {
  const y = model.forward(x);
  return y.mul(y).mean();
}

async function assertParameters(
  model: Module,
  expected: Record<string, Encoded>,
  what: string,
): Promise<void> {
  const named = model.namedParameters();
  assertEquals(named.map(([name]) => name), Object.keys(expected));
  for (const [name, p] of named) {
    await assertTensorClose(p, expected[name], TOLERANCE.composite, `${what}: ${name}`);
  }
}

Deno.test("Module lists a tied parameter and a shared module once, under their first names, as PyTorch", () => {
  const model = new Model();
  assertEquals(model.namedParameters().map(([name]) => name), fixture.namedParameters);
  assertEquals(model.parameters().length, fixture.namedParameters.length);
  assert(model.parameters()[0] === model.head.weight);
  assertEquals(model.namedModules().map(([name]) => name), fixture.namedModules);
  assertEquals(model.namedModules("model").map(([name]) => name), fixture.namedModulesPrefixed);
  assertEquals(model.modules(), model.namedModules().map(([, m]) => m));
  assertEquals(model.namedChildren().map(([name]) => name), fixture.namedChildren);
});

Deno.test("Module.apply() visits each child before its parent and this module last, as PyTorch", () => {
  const model = new Model();
  const names = new Map(model.namedModules().map(([name, m]) => [m, name]));
  const visited: string[] = [];
  assert(model.apply((m) => visited.push(names.get(m)!)) === model);
  assertEquals(visited, fixture.applyOrder);
});

testOnDevices(
  "Module.stateDict() lists tied parameters under every name, with PyTorch's keys",
  async (dev) => {
    const model = await pytorchModel(dev);
    const state = model.stateDict();
    assertEquals(Object.keys(state), Object.keys(fixture.stateDict));
    for (const [name, t] of Object.entries(state)) {
      await assertTensorClose(t, fixture.stateDict[name], TOLERANCE.op, name);
    }
  },
);

testOnDevices(
  "Module.loadStateDict() of PyTorch's state dict keeps tying and gives PyTorch's output",
  async (dev) => {
    const model = await pytorchModel(dev);
    assert(model.head.weight === model.inp.weight);
    assert(model.alias === model.head);
    const blocks = model.blocks.namedChildren().map(([, m]) => m);
    assert(blocks[0] === blocks[1]);
    await assertTensorClose(
      model.forward(fromFixture(fixture.input, dev)),
      fixture.output,
      TOLERANCE.composite,
    );
  },
);

testOnDevices(
  "A tied weight gets both uses' gradient once: clipGradNorm and SGD match PyTorch",
  async (dev) => {
    const model = await pytorchModel(dev);
    lossOf(model, fromFixture(fixture.input, dev)).backward();
    const norm = clipGradNorm(model.parameters(), 0.5);
    await assertTensorClose(norm, fixture.gradNorm, TOLERANCE.composite, "gradient norm");
    new SGD(model.parameters(), { lr: 0.1 }).step();
    await assertParameters(model, fixture.afterClippedSgd, "after SGD");
  },
);

testOnDevices(
  "Module.requiresGrad_(false) freezes a submodule: no gradient, AdamW leaves it as PyTorch",
  async (dev) => {
    const model = await pytorchModel(dev);
    assert(model.blocks.requiresGrad_(false) === model.blocks);
    assert(model.blocks.parameters().every((p) => !p.requiresGrad));
    lossOf(model, fromFixture(fixture.input, dev)).backward();
    assertEquals(
      Object.fromEntries(model.namedParameters().map(([name, p]) => [name, p.grad !== null])),
      fixture.frozenHasGrad,
    );
    new AdamW(model.parameters(), { lr: 0.01, weightDecay: 0.1 }).step();
    await assertParameters(model, fixture.afterFrozenAdamW, "after AdamW");
    model.requiresGrad_();
    assert(model.parameters().every((p) => p.requiresGrad));
  },
);

Deno.test("An optimizer given a tied weight twice warns (one group) or throws (two groups) as PyTorch", () => {
  const model = new Model();
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (message: string) => warnings.push(message);
  try {
    new SGD([...model.parameters(), model.head.weight], { lr: 0.1 });
  } finally {
    console.warn = warn;
  }
  assertEquals(warnings, [fixture.duplicateWarning]);
  const error = assertThrows(
    () => new SGD([{ params: [model.inp.weight] }, { params: [model.head.weight] }], { lr: 0.1 }),
    Error,
  );
  assert(error.message.toLowerCase().startsWith(fixture.twoGroupsError), error.message);
});

/** tools/fixtures/nn_modules.py's TinyGPT: nanoGPT's layout, lm_head tied to wte as in model.py. */
class TinyGPT extends Module {
  wte = new Embedding(10, 4);
  wpe = new Embedding(8, 4);
  h = new ModuleList([new Block(), new Block()]);
  lnF = new LayerNorm(4);
  transformer = new ModuleDict({ wte: this.wte, wpe: this.wpe, h: this.h, ln_f: this.lnF });
  lmHead = new Linear(4, 10, { bias: false });
  constructor() {
    super();
    this.wte.weight = this.lmHead.weight;
  }
  override namedChildren(): [string, Module][] {
    return [["transformer", this.transformer], ["lm_head", this.lmHead]];
  }
  forward(idx: Tensor): Tensor {
    const pos = arange(0, idx.shape[1], 1, { dtype: "int32", device: idx.device });
    let x = this.wte.forward(idx).add(this.wpe.forward(pos));
    for (const block of this.h) x = block.forward(x);
    return this.lmHead.forward(this.lnF.forward(x));
  }
}

testOnDevices(
  "A PyTorch model in nanoGPT's layout loads with its tied lm_head, gives its logits and gradients",
  async (dev) => {
    const { tinyGpt } = fixture;
    const model = await new TinyGPT().to(dev);
    assertEquals(model.namedParameters().map(([name]) => name), tinyGpt.namedParameters);
    assertEquals(model.namedModules().map(([name]) => name), tinyGpt.namedModules);
    assertEquals(Object.keys(model.stateDict()), Object.keys(tinyGpt.stateDict));
    model.loadStateDict(
      Object.fromEntries(Object.entries(tinyGpt.stateDict).map(([name, e]) => [name, fromFixture(e, dev)])),
    );
    assert(model.lmHead.weight === model.wte.weight);
    const logits = model.forward(fromFixture(tinyGpt.idx, dev));
    await assertTensorClose(logits, tinyGpt.logits, TOLERANCE.composite, "logits");
    logits.mul(logits).mean().backward();
    for (const [name, p] of model.namedParameters()) {
      await assertTensorClose(p.grad!, tinyGpt.grads[name], TOLERANCE.composite, `grad of ${name}`);
    }
    for (const [name, t] of Object.entries(model.stateDict())) {
      await assertTensorClose(t, tinyGpt.stateDict[name], TOLERANCE.op, name);
    }
  },
);
