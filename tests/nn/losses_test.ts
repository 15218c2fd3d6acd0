import {
  BCELoss,
  BCEWithLogitsLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type Device,
  HuberLoss,
  huberLoss,
  klDiv,
  KLDivLoss,
  type KLDivReduction,
  L1Loss,
  l1Loss,
  type Module,
  SmoothL1Loss,
  smoothL1Loss,
  type Tensor,
  tensor,
} from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "./fixture.ts";

/** One case of tests/fixtures/nn_losses.json (tools/fixtures/nn_losses.py). */
interface LossCase {
  kind: "bceWithLogits" | "bce" | "l1" | "smoothL1" | "huber" | "klDiv";
  name: string;
  options: {
    reduction: KLDivReduction;
    weight?: Encoded;
    posWeight?: Encoded;
    beta?: number;
    delta?: number;
    logTarget?: boolean;
  };
  input: Encoded;
  target: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradInput: Encoded;
  gradTarget?: Encoded;
}

interface LossesFixture {
  cases: LossCase[];
  errors: Record<string, string>;
}

const fixture = loadFixture<LossesFixture>("nn_losses");

const CLASSES = {
  bceWithLogits: "BCEWithLogitsLoss",
  bce: "BCELoss",
  l1: "L1Loss",
  smoothL1: "SmoothL1Loss",
  huber: "HuberLoss",
  klDiv: "KLDivLoss",
} as const;

/** The case's module and its functional form, on `dev`. */
function losses(c: LossCase, dev: Device): [Module, (input: Tensor, target: Tensor) => Tensor] {
  const { beta, delta, logTarget } = c.options;
  const weight = c.options.weight === undefined ? null : fromFixture(c.options.weight, dev);
  const posWeight = c.options.posWeight === undefined ? null : fromFixture(c.options.posWeight, dev);
  const reduction = c.options.reduction;
  if (c.kind === "klDiv") {
    return [new KLDivLoss({ reduction, logTarget }), (x, y) => klDiv(x, y, { reduction, logTarget })];
  }
  if (reduction === "batchmean") throw new Error(`${c.name}: batchmean is KLDivLoss's only`);
  switch (c.kind) {
    case "bceWithLogits":
      return [
        new BCEWithLogitsLoss({ reduction, weight, posWeight }),
        (x, y) => binaryCrossEntropyWithLogits(x, y, { reduction, weight, posWeight }),
      ];
    case "bce":
      return [new BCELoss({ reduction, weight }), (x, y) => binaryCrossEntropy(x, y, { reduction, weight })];
    case "l1":
      return [new L1Loss({ reduction }), (x, y) => l1Loss(x, y, { reduction })];
    case "smoothL1":
      return [new SmoothL1Loss({ reduction, beta }), (x, y) => smoothL1Loss(x, y, { reduction, beta })];
    case "huber":
      return [new HuberLoss({ reduction, delta }), (x, y) => huberLoss(x, y, { reduction, delta })];
  }
}

for (const c of fixture.cases) {
  testOnDevices(`${CLASSES[c.kind]} matches PyTorch (value and gradients) for ${c.name}`, async (dev) => {
    const input = fromFixture(c.input, dev, true);
    const target = fromFixture(c.target, dev, c.gradTarget !== undefined);
    const [module, functional] = losses(c, dev);
    const loss = module.forward(input, target);
    await assertTensorClose(loss, c.output, TOLERANCE.composite, "loss");
    await assertTensorClose(functional(input, target), c.output, TOLERANCE.composite, "functional loss");
    loss.backward(fromFixture(c.upstream, dev));
    await assertTensorClose(input.grad!, c.gradInput, TOLERANCE.composite, "input grad");
    if (c.gradTarget !== undefined) {
      await assertTensorClose(target.grad!, c.gradTarget, TOLERANCE.composite, "target grad");
    }
  });
}

/** PyTorch's message with its `torch.Size([a, b])` written as gradstep writes shapes, `[a,b]`. */
function inGradstepShapes(message: string): string {
  return message.replace(
    /torch\.Size\(\[([^\]]*)\]\)/g,
    (_, dims: string) => `[${dims.replaceAll(" ", "")}]`,
  );
}

testOnDevices("Binary cross-entropy rejects a target of another size with PyTorch's message", (dev) => {
  const [input, target] = [
    tensor(new Float32Array(6), { shape: [2, 3], device: dev }),
    tensor([0, 0, 0]).float(),
  ];
  assertThrows(
    () => binaryCrossEntropyWithLogits(input, target),
    Error,
    inGradstepShapes(fixture.errors.bceWithLogitsSize),
  );
  assertThrows(() => new BCELoss().forward(input, target), Error, inGradstepShapes(fixture.errors.bceSize));
});

Deno.test("BCELoss rejects probabilities outside [0, 1] with PyTorch's message", () => {
  const input = tensor([0.5, 1.5]).float();
  assertThrows(() => binaryCrossEntropy(input, tensor([0, 0]).float()), RangeError, fixture.errors.bceRange);
});

testOnDevices("BCELoss of a probability outside [0, 1] is never a finite number", async (dev) => {
  let value: number;
  try {
    value = await binaryCrossEntropy(
      tensor([0.5, -0.5], { device: dev }),
      tensor([1, 0], { device: dev }).float(),
    ).item();
  } catch (e) {
    assert(e instanceof RangeError && e.message === fixture.errors.bceRange, String(e));
    return;
  }
  assert(Number.isNaN(value), `loss ${value}`);
});

Deno.test("SmoothL1Loss and HuberLoss reject a negative beta and a non-positive delta as PyTorch", () => {
  const x = tensor([1, 2]).float();
  assertThrows(() => smoothL1Loss(x, x, { beta: -1 }), RangeError, fixture.errors.smoothL1Beta);
  assertThrows(() => new HuberLoss({ delta: 0 }).forward(x, x), RangeError, fixture.errors.huberDelta);
});

Deno.test("KLDivLoss rejects an unknown reduction with PyTorch's message", () => {
  const reduction = "batch" as KLDivReduction;
  assertThrows(() => new KLDivLoss({ reduction }), Error, fixture.errors.klReduction);
});

Deno.test("BCEWithLogitsLoss keeps weight and posWeight as PyTorch's buffers", () => {
  const posWeight = tensor([2, 3]).float();
  assertEquals(Object.keys(new BCEWithLogitsLoss({ posWeight }).stateDict()), ["pos_weight"]);
  assertThrows(
    () =>
      binaryCrossEntropyWithLogits(tensor([1, 2]).float(), tensor([1, 0]).float(), {
        weight: tensor([1, 1], { dtype: "float32", requiresGrad: true }),
      }),
    Error,
    "the derivative for 'weight' is not implemented.",
  );
});

Deno.test("Elementwise losses reject a target of another dtype instead of computing in the wrong one", () => {
  assertThrows(
    () => l1Loss(tensor([1, 2]), tensor([1, 2], { dtype: "int32" })),
    TypeError,
    "Found dtype int32 for target",
  );
});
