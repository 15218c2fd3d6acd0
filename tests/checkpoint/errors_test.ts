import { assert, assertEquals, assertRejects } from "../../deps.ts";
import {
  cpu,
  DataLoader,
  Dropout,
  Linear,
  load,
  ReLU,
  save,
  Sequential,
  SGD,
  StepLR,
  TensorDataset,
} from "../../mod.ts";
import { makeRun, type Run, snapshot, train } from "./training.ts";
import { CHECKSUM_KEY, CHECKSUM_PLACEHOLDER, seal } from "../../checkpoint/checksum.ts";
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from "../../checkpoint/safetensors.ts";

/** A trained run saved to a fresh directory, and a second run (trained differently) to load into. */
async function setup(): Promise<{ dir: string; path: string; target: Run }> {
  const dir = await Deno.makeTempDir();
  const source = await makeRun(cpu);
  await train(source, 9);
  await save(`${dir}/run.safetensors`, source);
  const target = await makeRun(cpu);
  await train(target, 2);
  return { dir, path: `${dir}/run.safetensors`, target };
}

/** Asserts that loading into `target` rejects with an Error naming every fragment, and changes nothing. */
async function assertLoadFails(
  target: Run,
  path: string,
  fragments: string[],
  objects: Partial<Run> = {},
): Promise<void> {
  const before = await snapshot(target);
  const error = await assertRejects(() => load(path, { ...target, ...objects }), Error);
  for (const fragment of fragments) {
    assert(error.message.includes(fragment), `"${fragment}" not in the error:\n${error.message}`);
  }
  assertEquals(await snapshot(target), before, "the failed load changed nothing");
}

Deno.test("load() of a truncated checkpoint says so and changes nothing", async () => {
  const { dir, path, target } = await setup();
  const bytes = await Deno.readFile(path);
  const cuts: [number, string][] = [
    [4, "too short for safetensors"],
    [100, "the file is truncated or not safetensors"],
    [bytes.length - 1, "the file is truncated"],
  ];
  for (const [length, fragment] of cuts) {
    await Deno.writeFile(`${dir}/cut.safetensors`, bytes.subarray(0, length));
    await assertLoadFails(target, `${dir}/cut.safetensors`, [`Checkpoint ${dir}/cut.safetensors`, fragment]);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("load() of a checkpoint whose tensor data was changed fails its SHA-256 and changes nothing", async () => {
  const { dir, path, target } = await setup();
  const bytes = await Deno.readFile(path);
  bytes[bytes.length - 3] ^= 0x40;
  await Deno.writeFile(path, bytes);
  await assertLoadFails(target, path, [
    "its SHA-256 is",
    "the file was changed or damaged after it was written",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("load() of another model's checkpoint lists missing and unexpected keys and shape mismatches", async () => {
  const { dir, path, target } = await setup();
  const other = new Sequential(
    new Linear(6, 16),
    new ReLU(),
    new Linear(16, 4),
    new ReLU(),
    new Linear(4, 3),
  );
  const fresh = other.stateDict();
  const before = await Promise.all(Object.values(fresh).map((t) => t.data()));
  const error = await assertRejects(() => load(path, { model: other }), Error);
  for (
    const fragment of [
      `Checkpoint ${path} does not fit (nothing was loaded)`,
      'model: missing key(s) "2.weight", "2.bias", "4.weight", "4.bias"',
      'model: unexpected key(s) "3.weight", "3.bias"',
    ]
  ) assert(error.message.includes(fragment), `"${fragment}" not in:\n${error.message}`);
  assertEquals(await Promise.all(Object.values(fresh).map((t) => t.data())), before);

  const wide = new Sequential(new Linear(6, 16), new ReLU(), new Dropout(0.25), new Linear(16, 5));
  await assertLoadFails(target, path, [
    "model: size mismatch for 3.weight: [3,16] in the checkpoint, [5,16] in the model",
    "model: size mismatch for 3.bias: [3] in the checkpoint, [5] in the model",
  ], { model: wide as Sequential, optimizer: target.optimizer });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("load() names a state of another class, or a state the checkpoint lacks, and changes nothing", async () => {
  const { dir, path, target } = await setup();
  const sgd = new SGD(target.model.parameters(), { lr: 0.1, momentum: 0.9 });
  await assertLoadFails(target, path, ["optimizer: the checkpoint holds Adam state, the optimizer is SGD"], {
    optimizer: sgd as unknown as Run["optimizer"],
  });
  await save(`${dir}/model_only.safetensors`, { model: target.model });
  await assertLoadFails(target, `${dir}/model_only.safetensors`, [
    "optimizer: the checkpoint holds no optimizer state",
    "scheduler: the checkpoint holds no scheduler state",
    "dataLoader: the checkpoint holds no dataLoader state",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("load() that fails on the data loader after the optimizer loaded puts the optimizer back", async () => {
  const { dir, path, target } = await setup();
  const [x, y] = (target.dataLoader.dataset as TensorDataset).tensors;
  const other = new DataLoader(new TensorDataset(x, y), { batchSize: 4, shuffle: true });
  await assertLoadFails(target, path, [
    "dataLoader: DataLoader.loadStateDict(): batchSize is 8, expected this loader's 4",
  ], {
    dataLoader: other,
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("load() with strict: false loads the keys that match and skips absent states", async () => {
  const { dir, path } = await setup();
  const source = await makeRun(cpu);
  await load(path, source);
  const model = new Sequential(
    new Linear(6, 16),
    new ReLU(),
    new Dropout(0.25),
    new Linear(16, 3),
    new ReLU(),
  );
  const extraLayer = new Linear(3, 3);
  (model as unknown as Record<string, unknown>)["5"] = extraLayer;
  const before = await extraLayer.weight.data();
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  await load(path, { model }, { strict: false });
  for (const [name, t] of Object.entries(source.model.stateDict())) {
    assertEquals(await model.stateDict()[name].data(), await t.data(), name);
  }
  assertEquals(await extraLayer.weight.data(), before, "a key the checkpoint lacks is left as it was");
  await assertRejects(
    () => load(path, { model, optimizer }, { strict: false }),
    Error,
    "the optimizer is SGD",
  );
  const scheduler = new StepLR(optimizer, { stepSize: 3 });
  await save(`${dir}/model_only.safetensors`, { model });
  await load(`${dir}/model_only.safetensors`, { model, scheduler }, { strict: false });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("load() of a safetensors file that gradstep did not write says it is not a gradstep checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  const header = new TextEncoder().encode('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
  const bytes = new Uint8Array(8 + header.length + 4);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  await Deno.writeFile(`${dir}/plain.safetensors`, bytes);
  const model = new Linear(1, 1);
  await assertRejects(
    () => load(`${dir}/plain.safetensors`, { model }),
    Error,
    "its metadata has no gradstep.version: it is not a gradstep checkpoint",
  );
  await assertRejects(() => load(`${dir}/absent.safetensors`, { model }), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

/** The checkpoint at `path` rewritten by `edit` (of its tensors and metadata) and sealed with a fresh checksum. */
async function resealed(
  path: string,
  edit: (tensors: Map<string, StoredTensor>, metadata: Record<string, string>) => void,
): Promise<string> {
  const { tensors, metadata } = decodeSafetensors(await Deno.readFile(path), path);
  edit(tensors, metadata);
  const bytes = encodeSafetensors([...tensors], { ...metadata, [CHECKSUM_KEY]: CHECKSUM_PLACEHOLDER });
  await seal(bytes);
  const out = `${path}.edited.safetensors`;
  await Deno.writeFile(out, bytes);
  return out;
}

/** An edit of the checkpoint's optimizer metadata (PyTorch's layout). */
function optimizerEdit(
  change: (record: { state: Record<string, unknown>; param_groups: Record<string, unknown>[] }) => void,
): Parameters<typeof resealed>[1] {
  return (_, metadata) => {
    const record = JSON.parse(metadata.optimizer);
    change(record);
    metadata.optimizer = JSON.stringify(record);
  };
}

Deno.test("load() of a checkpoint edited after writing and sealed again still names what does not fit", async () => {
  const { dir, path, target } = await setup();
  const cases: [string, Parameters<typeof resealed>[1]][] = [
    ['its metadata has unknown key(s) "note"', (_, metadata) => (metadata.note = "hello")],
    [
      "it is format version 2; this gradstep reads version 1",
      (_, metadata) => (metadata["gradstep.version"] = "2"),
    ],
    ["its metadata rng is", (_, metadata) => (metadata.rng = '{"seed":-1,"offset":0}')],
    ["its metadata optimizer is not JSON", (_, metadata) => (metadata.optimizer = "{")],
    [
      'names the tensor "optimizer.state.0.exp_avg", which the file lacks',
      (tensors) => tensors.delete("optimizer.state.0.exp_avg"),
    ],
    ['unexpected tensor(s) "optimizer.state.9.exp_avg"', (tensors) => {
      tensors.set("optimizer.state.9.exp_avg", tensors.get("optimizer.state.0.exp_avg")!);
    }],
    [
      "its optimizer state names parameter(s) 9 that no param group holds",
      optimizerEdit((record) => {
        record.state["9"] = record.state["0"];
      }),
    ],
    [
      "optimizer param_groups[0] is not a group",
      optimizerEdit((record) => (record.param_groups[0].params = "all")),
    ],
    ["Invalid learning rate", optimizerEdit((record) => (record.param_groups[0].lr = -1))],
    ["size mismatch for optimizer state 0.expAvg: [96] in the checkpoint, [16,6]", (tensors) => {
      const t = tensors.get("optimizer.state.0.exp_avg")!;
      tensors.set("optimizer.state.0.exp_avg", { ...t, shape: [96] });
    }],
  ];
  for (const [fragment, edit] of cases) {
    await assertLoadFails(target, await resealed(path, edit), [fragment]);
  }
  await Deno.remove(dir, { recursive: true });
});
