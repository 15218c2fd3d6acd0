/**
 * Replays the PyTorch cases of tests/fixtures/transformer_ops.json (made by tools/fixtures/transformer_ops.py).
 * A test file gives one table mapping the fixture's op names of its group to gradstep calls; {@link testCases}
 * registers, per op and device, a test that rebuilds every case of that op and compares each output's values,
 * shape and dtype, whether it requires grad, and after backpropagating `sum((out * g).sum())` every leaf's
 * gradient.
 *
 * @module
 */
import type { Device, Tensor } from "../../mod.ts";
import { assertEquals } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE, type Tolerance } from "../helpers.ts";
import { assertGradients, type Encoded, fromEncoded } from "./op_cases.ts";

/** One input of a case: a leaf and whether it requires grad. */
export interface CaseInput extends Encoded {
  requiresGrad: boolean;
}

/** The non-tensor arguments of a case, as the fixture script names them (each op's entry knows its own). */
export type CaseArgs = Record<string, number | boolean | number[] | null>;

/** One PyTorch case: op, inputs, arguments, outputs and, when any output requires grad, `g` and the grads. */
export interface TransformerCase {
  op: string;
  name: string;
  inputs: CaseInput[];
  args: CaseArgs;
  outs: Encoded[];
  g?: (Encoded | null)[];
  grads?: (Encoded | null)[];
}

/** tests/fixtures/transformer_ops.json, parsed once. */
export const fixture: { madeBy: string; groups: Record<string, TransformerCase[]> } = loadFixture(
  "transformer_ops",
);

/** How a test file runs one fixture op in gradstep. */
export interface CaseEntry {
  /** Completes the test name "`op` …". */
  title: string;
  /** The op on the inputs with the case's arguments: its output, or its outputs in PyTorch's order. */
  run: (xs: Tensor[], args: CaseArgs) => Tensor | Tensor[];
  /** A tolerance from {@link TOLERANCE} (default `op`). */
  tolerance?: Tolerance;
}

async function replay(c: TransformerCase, entry: CaseEntry, dev: Device): Promise<void> {
  const what = `${c.op} (${c.name})`;
  const tolerance = entry.tolerance ?? TOLERANCE.op;
  const leaves = c.inputs.map((input) => fromEncoded(input, dev, input.requiresGrad));
  const result = entry.run(leaves, c.args);
  const outs = Array.isArray(result) ? result : [result];
  assertEquals(outs.length, c.outs.length, `${what}: ${outs.length} outputs, expected ${c.outs.length}`);
  for (const [i, out] of outs.entries()) {
    assertEquals(out.dtype, c.outs[i].dtype, `${what}: output ${i} is ${out.dtype}`);
    await assertTensorClose(out, c.outs[i], tolerance, `${what}: output ${i}`);
    const differentiable = c.g !== undefined && c.g[i] !== null;
    assertEquals(
      out.requiresGrad,
      differentiable,
      `${what}: output ${i} requiresGrad is ${out.requiresGrad}`,
    );
  }
  if (c.g === undefined) return;
  let loss: Tensor | null = null;
  for (const [i, g] of c.g.entries()) {
    if (g === null) continue;
    const term = outs[i].mul(fromEncoded(g, dev)).sum();
    loss = loss === null ? term : loss.add(term);
  }
  loss!.backward();
  await assertGradients(leaves, c.grads!, tolerance, what);
}

/**
 * Registers the tests of one fixture group: one per op of `table` (named "`op` `title`", on every device) and
 * one that the table and the fixture name the same ops, so no PyTorch case goes unreplayed.
 */
export function testCases(group: string, table: Record<string, CaseEntry>): void {
  const cases = fixture.groups[group];
  Deno.test(`every ${group} op of the PyTorch fixture is replayed by this file's table`, () => {
    assertEquals([...new Set(cases.map((c) => c.op))].sort(), Object.keys(table).sort());
  });
  for (const [op, entry] of Object.entries(table)) {
    const mine = cases.filter((c) => c.op === op);
    testOnDevices(`${op} ${entry.title} (${mine.length} PyTorch cases)`, async (dev) => {
      for (const c of mine) await replay(c, entry, dev);
    });
  }
}
