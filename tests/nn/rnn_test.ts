import {
  type Device,
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  type Module,
  randn,
  RNN,
  RNNCell,
  type Tensor,
} from "../../mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "./fixture.ts";

interface Options {
  numLayers?: number;
  batchFirst?: boolean;
  bidirectional?: boolean;
  bias?: boolean;
  projSize?: number;
  nonlinearity?: "tanh" | "relu";
}

interface Case {
  name: string;
  module: "RNN" | "LSTM" | "GRU" | "RNNCell" | "LSTMCell" | "GRUCell";
  options: Options;
  state: Record<string, Encoded>;
  input: Encoded;
  states: Encoded[];
  output?: Encoded;
  finals: Encoded[];
  upstream: Encoded[];
  gradInput: Encoded;
  gradStates: Encoded[];
  gradParams: Record<string, Encoded>;
}

interface ErrorCase {
  call: "construct" | "forward";
  module: Case["module"];
  options?: Options & { dropout?: number };
  hiddenSize?: number;
  input?: number[];
  h0?: number[];
  c0?: number[];
  message: string;
}

const fixture = loadFixture<{
  sizes: { input: number; hidden: number };
  layers: Case[];
  cells: Case[];
  errors: ErrorCase[];
}>("rnn");
const { input: I, hidden: H } = fixture.sizes;

function make(module: Case["module"], options: Options, hiddenSize = H): Module {
  switch (module) {
    case "RNN":
      return new RNN(I, hiddenSize, options);
    case "LSTM":
      return new LSTM(I, hiddenSize, options);
    case "GRU":
      return new GRU(I, hiddenSize, options);
    case "RNNCell":
      return new RNNCell(I, hiddenSize, options);
    case "LSTMCell":
      return new LSTMCell(I, hiddenSize, options);
    case "GRUCell":
      return new GRUCell(I, hiddenSize, options);
  }
}

/** The module's outputs as a flat list: [output, h] or [output, h, c] for layers, [h] or [h, c] for cells. */
function run(module: Module, kind: Case["module"], x: Tensor, states: Tensor[]): Tensor[] {
  const hx = kind.startsWith("LSTM") ? (states.length === 0 ? undefined : [states[0], states[1]]) : states[0];
  const result = module.forward(x, hx);
  if (kind.endsWith("Cell")) return Array.isArray(result) ? result : [result];
  const [output, final] = result;
  return [output, ...(Array.isArray(final) ? final : [final])];
}

for (const c of [...fixture.layers, ...fixture.cells]) {
  testOnDevices(`${c.module} matches PyTorch: ${c.name}`, async (dev: Device) => {
    const module = make(c.module, c.options);
    assertEquals(Object.keys(module.stateDict()), Object.keys(c.state), "state-dict keys");
    await module.to(dev);
    module.loadStateDict(
      Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromFixture(v, dev)])),
    );
    const x = fromFixture(c.input, dev, true);
    const states = c.states.map((s) => fromFixture(s, dev, true));
    const results = run(module, c.module, x, states);
    const expected = [...(c.output ? [c.output] : []), ...c.finals];
    assertEquals(results.length, expected.length);
    for (const [i, r] of results.entries()) {
      await assertTensorClose(r, expected[i], TOLERANCE.composite, `result ${i}`);
    }
    results.map((r, i) => r.mul(fromFixture(c.upstream[i], dev)).sum()).reduce((a, b) => a.add(b)).backward();
    await assertTensorClose(x.grad!, c.gradInput, TOLERANCE.composite, "input grad");
    for (const [i, s] of states.entries()) {
      await assertTensorClose(s.grad!, c.gradStates[i], TOLERANCE.composite, `state ${i} grad`);
    }
    for (const [name, p] of module.namedParameters()) {
      await assertTensorClose(p.grad!, c.gradParams[name], TOLERANCE.composite, `${name} grad`);
    }
  });
}

for (const e of fixture.errors) {
  testOnDevices(`${e.module} ${e.call} refuses bad input as PyTorch: ${e.message}`, async (dev: Device) => {
    if (e.call === "construct") {
      const err = assertThrows(() => make(e.module, e.options ?? {}, e.hiddenSize ?? H));
      assertEquals((err as Error).message.startsWith(e.message), true, (err as Error).message);
      return;
    }
    const module = make(e.module, e.options ?? {});
    await module.to(dev);
    const before = await Promise.all(module.parameters().map((p) => p.toArray()));
    const x = randn(e.input!, { device: dev });
    const states = [e.h0, e.c0].filter((s) => s !== undefined).map((s) => randn(s!, { device: dev }));
    const err = assertThrows(() => run(module, e.module, x, states));
    assertEquals((err as Error).message, e.message);
    assertEquals(await Promise.all(module.parameters().map((p) => p.toArray())), before);
  });
}

testOnDevices(
  "LSTM dropout between layers is applied in training only, from the given generator",
  async (dev) => {
    const x = randn([4, 2, I], { device: dev });
    const lstm = new LSTM(I, H, { numLayers: 2, dropout: 0.5 });
    await lstm.to(dev);
    const [trained] = lstm.forward(x);
    lstm.eval();
    const [evaluated] = lstm.forward(x);
    const [again] = lstm.forward(x);
    assertEquals(await evaluated.toArray(), await again.toArray());
    assertEquals(
      JSON.stringify(await trained.toArray()) === JSON.stringify(await evaluated.toArray()),
      false,
    );
  },
);
