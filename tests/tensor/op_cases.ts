/**
 * Replays the PyTorch cases of tests/fixtures/ops.json (made by tools/fixtures/ops.py) in gradstep. A test file
 * gives one table mapping the fixture's op names to gradstep calls; {@link testOps} registers, per op and device,
 * a test that rebuilds every case of that op — leaves, view steps, op — and compares the output's values, shape
 * and dtype, whether it requires grad, and after `out.backward(g)` every leaf's gradient.
 *
 * @module
 */
import { type Device, type DType, type Tensor, tensor } from "../../mod.ts";
import { assert, assertEquals } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE, type Tolerance } from "../helpers.ts";

/** A tensor as the fixture writes it: shape, dtype and row-major values. */
export interface Encoded {
  shape: number[];
  dtype: DType;
  data: number[];
}

/** A view step applied to a leaf before the op sees it, named after gradstep's method. */
export type ViewStep =
  | ["T"]
  | ["transpose", number, number]
  | ["permute", number[]]
  | ["expand", number[]]
  | ["narrow", number, number, number];

/** One input of a case: a leaf, whether it requires grad, and the views between it and the op. */
export interface CaseInput extends Encoded {
  requiresGrad: boolean;
  view: ViewStep[];
}

/** The non-tensor arguments a case may carry (the op's table entry knows which it uses). */
export interface OpArgs {
  other?: number;
  alpha?: number;
  a?: number;
  b?: number;
  min?: number;
  max?: number;
  dim?: number | number[];
  keepdim?: boolean;
  shape?: number[];
  startDim?: number;
  endDim?: number;
  dim0?: number;
  dim1?: number;
  dims?: number[];
  start?: number;
  length?: number;
  value?: number;
}

/** One PyTorch case: op, inputs, arguments, output and, when the output requires grad, `g` and the leaves' grads. */
export interface OpCase {
  op: string;
  name: string;
  inputs: CaseInput[];
  args: OpArgs;
  out: Encoded;
  g?: Encoded;
  grads?: (Encoded | null)[];
}

/** The whole fixture: op cases by test file, and the numbers of the autograd scenarios. */
export interface OpsFixture {
  madeBy: string;
  groups: Record<string, OpCase[]>;
  autograd: Record<string, Record<string, Encoded>>;
}

/** tests/fixtures/ops.json, parsed once. */
export const fixture: OpsFixture = loadFixture<OpsFixture>("ops");

/** How a test file runs one fixture op in gradstep. */
export interface OpEntry {
  /** Completes the test name "`op` …", e.g. "broadcasts and matches PyTorch forward and backward". */
  title: string;
  /** The op on the (viewed) inputs with the case's arguments. */
  run: (xs: Tensor[], args: OpArgs) => Tensor;
  /** A tolerance from {@link TOLERANCE} (default `op`). */
  tolerance?: Tolerance;
}

/** The fixture tensor `e` on `dev`, as a leaf that requires grad when asked. */
export function fromEncoded(e: Encoded, dev: Device, requiresGrad = false): Tensor {
  return tensor(Float64Array.from(e.data), { shape: e.shape, dtype: e.dtype, device: dev, requiresGrad });
}

function applyView(t: Tensor, steps: readonly ViewStep[]): Tensor {
  for (const step of steps) {
    switch (step[0]) {
      case "T":
        t = t.T;
        break;
      case "transpose":
        t = t.transpose(step[1], step[2]);
        break;
      case "permute":
        t = t.permute(step[1]);
        break;
      case "expand":
        t = t.expand(step[1]);
        break;
      case "narrow":
        t = t.narrow(step[1], step[2], step[3]);
        break;
    }
  }
  return t;
}

/** Rebuilds case `c` on `dev` with `entry` and checks it against PyTorch's numbers. */
async function replay(c: OpCase, entry: OpEntry, dev: Device): Promise<void> {
  const what = `${c.op} (${c.name})`;
  const tolerance = entry.tolerance ?? TOLERANCE.op;
  const leaves = c.inputs.map((input) => fromEncoded(input, dev, input.requiresGrad));
  const out = entry.run(leaves.map((leaf, i) => applyView(leaf, c.inputs[i].view)), c.args);
  assertEquals(out.dtype, c.out.dtype, `${what}: dtype ${out.dtype}, expected ${c.out.dtype}`);
  await assertTensorClose(out, c.out, tolerance, `${what}: output`);
  assertEquals(out.requiresGrad, c.g !== undefined, `${what}: requiresGrad is ${out.requiresGrad}`);
  if (c.g === undefined) return;
  out.backward(fromEncoded(c.g, dev));
  await assertGradients(leaves, c.grads!, tolerance, what);
}

/** Throws unless each leaf's `.grad` is PyTorch's (`expected[i]`), or absent where PyTorch's is null. */
export async function assertGradients(
  leaves: readonly Tensor[],
  expected: readonly (Encoded | null)[],
  tolerance: Tolerance,
  what: string,
): Promise<void> {
  for (const [i, e] of expected.entries()) {
    const grad = leaves[i].grad;
    if (e === null) {
      assertEquals(grad, null, `${what}: input ${i} should have no gradient`);
      continue;
    }
    assert(grad !== null, `${what}: input ${i} has no gradient`);
    await assertTensorClose(grad, e, tolerance, `${what}: gradient of input ${i}`);
  }
}

/**
 * Registers the tests of one fixture group: one per op of `table` (named "`op` `title`", on every device) and
 * one that the table and the fixture name the same ops, so no PyTorch case goes unreplayed.
 */
export function testOps(group: string, table: Record<string, OpEntry>): void {
  const cases = fixture.groups[group];
  Deno.test(`every ${group} op of the PyTorch fixture is replayed by this file's table`, () => {
    assertEquals([...new Set(cases.map((c) => c.op))].sort(), Object.keys(table).sort());
  });
  for (const [op, entry] of Object.entries(table)) {
    const mine = cases.filter((c) => c.op === op);
    const usesHalf = mine.some((c) =>
      c.out.dtype === "float16" || c.inputs.some((i) => i.dtype === "float16")
    );
    testOnDevices(`${op} ${entry.title} (${mine.length} PyTorch cases)`, async (dev) => {
      for (const c of mine) await replay(c, entry, dev);
    }, usesHalf ? { requires: "shader-f16" } : {});
  }
}
