import { assertEquals } from "../../deps.ts";
import { assertClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { load, save } from "../../mod.ts";
import {
  type Batch,
  batches,
  BEFORE,
  CASES,
  makeModel,
  step,
} from "../../tools/fixtures/checkpoint_cases.ts";

interface Fixture {
  cases: Record<string, { optimizer: string; steps: { params: number[][]; lr: number[] }[] }>;
}
const fixture = loadFixture<Fixture>("checkpoint");
const committed = (name: string): string =>
  new URL(`../fixtures/checkpoint/${name}.safetensors`, import.meta.url).pathname;

for (const name of Object.keys(CASES)) {
  testOnDevices(`PyTorch continues the gradstep checkpoint ${name} as gradstep does`, async (dev) => {
    const model = await makeModel().to(dev);
    const objects = { model, ...CASES[name](model) };
    const { continueOn } = await load<{ continueOn: Batch[] }>(committed(name), objects);
    const expected = fixture.cases[name].steps;
    assertEquals(continueOn.length, expected.length);
    for (const [i, batch] of continueOn.entries()) {
      step(objects, batch);
      const params = model.parameters();
      for (const [j, p] of params.entries()) {
        assertClose(
          await p.data(),
          expected[i].params[j],
          TOLERANCE.optimizer,
          `${name} step ${i} parameter ${j}`,
        );
      }
      assertClose(
        objects.optimizer!.paramGroups.map((g) => g.lr),
        expected[i].lr,
        { rtol: 1e-12, atol: 0 },
        "lr",
      );
    }
  });
}

/** A checkpoint's header with values left out: tensor names, dtypes, shapes, metadata keys, JSON layout. */
function layout(bytes: Uint8Array): unknown {
  const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const shape = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(shape)
      : v !== null && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]))
      : typeof v === "string" && v.startsWith("optimizer.")
      ? v
      : typeof v;
  const { __metadata__: metadata, ...tensors } = header;
  return {
    tensors: Object.fromEntries(
      Object.entries(tensors as Record<string, { dtype: string; shape: number[] }>).map((
        [k, t],
      ) => [k, [t.dtype, t.shape]]),
    ),
    metadata: Object.keys(metadata),
    optimizer: shape(JSON.parse(metadata.optimizer)),
    scheduler: metadata.scheduler === undefined ? undefined : shape(JSON.parse(metadata.scheduler)),
  };
}

Deno.test("save() still writes the layout tools/fixtures/checkpoint.py was checked against", async () => {
  const dir = await Deno.makeTempDir();
  for (const [name, make] of Object.entries(CASES)) {
    const model = makeModel();
    const objects = { model, ...make(model) };
    const all = batches();
    for (const batch of all.slice(0, BEFORE)) step(objects, batch);
    await save(`${dir}/${name}.safetensors`, { ...objects, extra: { continueOn: all.slice(BEFORE) } });
    assertEquals(
      layout(await Deno.readFile(`${dir}/${name}.safetensors`)),
      layout(await Deno.readFile(committed(name))),
      name,
    );
  }
  await Deno.remove(dir, { recursive: true });
});
