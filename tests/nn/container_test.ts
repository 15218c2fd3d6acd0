import {
  Embedding,
  GELU,
  Identity,
  LayerNorm,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  randn,
  ReLU,
  SiLU,
  type Tensor,
} from "../../mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { loadFixture } from "../helpers.ts";

const keys = loadFixture<{ stateDictKeys: Record<string, string[]> }>("nn_layers").stateDictKeys;

/** tools/fixtures/nn_layers.py's Block: nanoGPT's field names, a ModuleDict inside. */
class Block extends Module {
  ln_1 = new LayerNorm(8);
  attn = new ModuleDict({ c_attn: new Linear(8, 24), c_proj: new Linear(8, 8) });
  ln_2 = new LayerNorm(8, { elementwiseAffine: false });
  forward(x: Tensor): Tensor {
    return this.ln_2.forward(this.attn.get("c_proj").forward(this.ln_1.forward(x)));
  }
}

/** tools/fixtures/nn_layers.py's TinyGPT: nanoGPT's layout in miniature. */
class TinyGPT extends Module {
  transformer = new ModuleDict({
    wte: new Embedding(65, 8),
    wpe: new Embedding(16, 8, { paddingIdx: 0 }),
    h: new ModuleList([new Block(), new Block(), new Block()]),
    ln_f: new LayerNorm(8),
  });
  acts = new ModuleList([new GELU(), new SiLU(), new Identity()]);
  forward(x: Tensor): Tensor {
    const blocks = this.transformer.get("h") as ModuleList<Block>;
    for (const block of blocks) x = block.forward(x);
    return x;
  }
}

Deno.test("ModuleList and ModuleDict name their children as PyTorch's, so state-dict keys match", () => {
  assertEquals(Object.keys(new TinyGPT().stateDict()), keys.TinyGPT);
  const list = new ModuleList([new Linear(2, 2), new ReLU(), new LayerNorm(2)]);
  assertEquals(Object.keys(list.stateDict()), keys.ModuleList);
  assertEquals(list.parameters().length, 4);
  assertEquals(new TinyGPT().forward(randn([2, 8])).shape, [2, 8]);
});

Deno.test("ModuleList appends, extends, inserts, replaces, pops and iterates in order", () => {
  const [a, b, c, d] = [new Linear(1, 1), new Linear(1, 2), new Linear(1, 3), new Linear(1, 4)];
  const list = new ModuleList<Linear>().append(a).extend([c]);
  list.insert(1, b);
  list.insert(-100, d); // clamped to the front, as Python's list.insert
  assertEquals([...list], [d, a, b, c]);
  assertEquals(list.length, 4);
  assertEquals(list.at(-1), c);
  assertEquals(list.pop(0), d);
  list.set(-1, d);
  assertEquals([...list].map((m) => m.outFeatures), [1, 2, 4]);
  assertEquals(list.namedChildren().map(([name]) => name), ["0", "1", "2"]);
  assertEquals(list.namedParameters().map(([name]) => name)[4], "2.weight");
});

Deno.test("ModuleDict keeps insertion order, replaces in place and pops", () => {
  const [a, b, c] = [new Linear(1, 1), new ReLU(), new Linear(1, 3)];
  const dict = new ModuleDict<Module>([["a", a], ["b", b]]);
  dict.update({ c });
  dict.set("a", c);
  assertEquals(dict.keys(), ["a", "b", "c"]);
  assertEquals(dict.get("a"), c);
  assertEquals(dict.has("b"), true);
  assertEquals(dict.pop("b"), b);
  assertEquals(dict.entries(), [["a", c], ["c", c]]);
  // A module held twice is one set of parameters (listed once).
  assertEquals(dict.parameters().length, 2);
  dict.clear();
  assertEquals(dict.size, 0);
});

Deno.test("containers reject bad members and indices, and have no forward", () => {
  const list = new ModuleList([new ReLU()]);
  assertThrows(() => list.at(1), RangeError, "index 1 is out of range");
  assertThrows(() => list.at(-2), RangeError, "index -2 is out of range");
  assertThrows(
    () => list.append(randn([2]) as unknown as Module),
    TypeError,
    "module 1 is not a Module subclass (got Tensor)",
  );
  assertThrows(() => list.forward(randn([2])), Error, "ModuleList has no forward()");
  const dict = new ModuleDict();
  assertThrows(() => dict.set("a.b", new ReLU()), Error, `module name can't contain ".", got: a.b`);
  assertThrows(() => dict.set("", new ReLU()), Error, "module name can't be empty string");
  assertThrows(() => dict.get("missing"), Error, 'ModuleDict has no module named "missing"');
});
