import {
  ELU,
  GELU,
  gelu,
  Identity,
  LeakyReLU,
  LogSoftmax,
  type Module,
  randn,
  SiLU,
  Softmax,
  Softplus,
  tensor,
} from "../../mod.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "./fixture.ts";

interface ActivationCase {
  module: string;
  options: Record<string, number | string>;
  input: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradInput: Encoded;
}

const MODULES: Record<string, (options: Record<string, number | string>) => Module> = {
  GELU: (o) => new GELU(o as { approximate?: "none" | "tanh" }),
  SiLU: () => new SiLU(),
  LeakyReLU: (o) => new LeakyReLU(o),
  ELU: (o) => new ELU(o),
  Softplus: (o) => new Softplus(o),
  Softmax: (o) => new Softmax(o),
  LogSoftmax: (o) => new LogSoftmax(o),
  Identity: () => new Identity(),
};

const cases = loadFixture<{ activations: ActivationCase[] }>("nn_layers").activations;

for (const c of cases) {
  const composite = c.module === "Softmax" || c.module === "LogSoftmax";
  const tolerance = composite ? TOLERANCE.composite : TOLERANCE.op;
  testOnDevices(
    `${c.module}(${JSON.stringify(c.options)}) forward and backward match PyTorch`,
    async (dev) => {
      const layer = MODULES[c.module](c.options);
      const x = fromFixture(c.input, dev, true);
      const y = layer.forward(x);
      await assertTensorClose(y, c.output, tolerance, "output");
      y.backward(fromFixture(c.upstream, dev));
      await assertTensorClose(x.grad!, c.gradInput, tolerance, "input grad");
    },
  );
}

testOnDevices("GELU, SiLU, LeakyReLU, ELU and Softplus are each one node on the tape", (dev) => {
  const x = randn([4, 8], { device: dev, requiresGrad: true });
  for (
    const layer of [new GELU(), new GELU({ approximate: "tanh" }), new SiLU(), new LeakyReLU(), new ELU()]
  ) {
    const y = layer.forward(x);
    assertEquals(y.gradFn?.op, "fused");
    assertEquals(y.gradFn?.inputs, [x]);
  }
  assertEquals(new Softplus().forward(x).gradFn?.inputs, [x]);
});

testOnDevices("activations keep the input's float16 dtype", async (dev) => {
  const x = randn([6], { device: dev }).half();
  const y = gelu(x, { approximate: "tanh" });
  assertEquals(y.dtype, "float16");
  const expected = await gelu(x.float(), { approximate: "tanh" }).data();
  await assertTensorClose(y.float(), { shape: [6], data: expected }, { rtol: 1e-3, atol: 1e-3 }, "gelu f16");
}, { requires: "shader-f16" });

testOnDevices("bad activation arguments are Errors naming the value", (dev) => {
  assertThrows(
    () => new GELU({ approximate: "sigmoid" as "tanh" }),
    Error,
    'approximate argument must be either none or tanh., got "sigmoid"',
  );
  const ints = tensor([1, 2], { dtype: "int32", device: dev });
  assertThrows(
    () => new SiLU().forward(ints),
    TypeError,
    "silu(): expected a floating-point input, got int32",
  );
});
