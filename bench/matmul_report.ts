/**
 * `deno task bench:matmul`: the report's two matrix products (512³ and 64×784×128, float32), in gradstep on the
 * WebGPU device and in tfjs-webgpu on the same adapter, in one process, alternating rounds; prints each round's
 * milliseconds and then the median per library and gradstep's ratio to tfjs-webgpu. On a loaded machine the
 * ratio within one run is the figure to trust, not the milliseconds.
 *
 *   deno task bench:matmul [--rounds 5] [--transposed yes] [--matmul direct|staged]
 *
 * `--matmul` runs gradstep with that family of matmul shaders instead of the one its adapter gets (matmul_plan.ts).
 * `--transposed yes` also times gradstep's `x @ w.T` (the weight read in place through its strides).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { parseArgs } from "../deps.ts";
import { Device, device, manualSeed, randn, type Tensor, tidy } from "../mod.ts";
import { WebGpuBackend } from "../backends/mod.ts";
import type { MatmulFamily } from "../backends/webgpu/matmul_plan.ts";
import { msPerRepetition } from "./report/timing.ts";

const args = parseArgs(Deno.args, { rounds: "5", transposed: "no", matmul: "" });
const rounds = Number(args.rounds);
const SHAPES = [[512, 512, 512], [64, 784, 128]] as const;

const opened = await device("webgpu");
const dev = args.matmul === "" ? opened : new Device(
  "webgpu",
  opened.name,
  opened.features,
  new WebGpuBackend((opened.backend as WebGpuBackend).gpu, {
    matmul: args.matmul as MatmulFamily,
  }),
);
if (!await tf.setBackend("webgpu")) throw new Error("tfjs backend webgpu did not start");
await tf.ready();
manualSeed(0);

/** One round: ms per product for each library and shape. */
async function round(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [m, k, n] of SHAPES) {
    const name = `${m}x${k} @ ${k}x${n}`;
    const x = randn([m, k], { device: dev }), y = randn([k, n], { device: dev });
    const yt = randn([n, k], { device: dev });
    const time = (step: () => Tensor) => async (reps: number): Promise<void> => {
      let last: Tensor | undefined;
      for (let i = 0; i < reps; i++) {
        last?.dispose();
        last = tidy(step);
      }
      await last!.reshape([-1]).narrow(0, 0, 1).data();
      last!.dispose();
    };
    out.set(`gradstep ${name}`, await msPerRepetition(time(() => x.matmul(y))));
    if (args.transposed === "yes") {
      out.set(
        `gradstep ${m}x${k} @ (${n}x${k}).T`,
        await msPerRepetition(time(() => x.matmul(yt.T))),
      );
    }
    x.dispose(), y.dispose(), yt.dispose();

    const tx = tf.randomNormal([m, k]), ty = tf.randomNormal([k, n]);
    out.set(
      `tfjs-webgpu ${name}`,
      await msPerRepetition(async (reps) => {
        let last: tf.Tensor | undefined;
        for (let i = 0; i < reps; i++) {
          last?.dispose();
          last = tf.matMul(tx, ty);
        }
        const one = tf.tidy(() => tf.slice(tf.reshape(last!, [-1]), 0, 1));
        await one.data();
        tf.dispose([one, last!]);
      }),
    );
    tf.dispose([tx, ty]);
  }
  return out;
}

const all = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  const res = await round();
  console.error(`round ${r + 1}: ${[...res].map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  for (const [k, v] of res) all.set(k, [...(all.get(k) ?? []), v]);
}
const median = (vs: number[]): number => {
  const s = [...vs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `\nadapter: ${dev.name}, matmul shaders ${
    args.matmul || "as chosen for it"
  }; ${rounds} rounds, median ms per product (ratio: gradstep ÷ tfjs-webgpu per round, median)\n`,
);
console.log("| product | gradstep webgpu | tfjs webgpu | ratio |");
console.log("|---|---:|---:|---:|");
for (const [m, k, n] of SHAPES) {
  const name = `${m}x${k} @ ${k}x${n}`;
  const g = all.get(`gradstep ${name}`)!, t = all.get(`tfjs-webgpu ${name}`)!;
  const ratios = g.map((v, i) => v / t[i]);
  console.log(
    `| ${name} | ${median(g).toFixed(2)} | ${median(t).toFixed(2)} | ${median(ratios).toFixed(2)}× |`,
  );
  const tr = all.get(`gradstep ${m}x${k} @ (${n}x${k}).T`);
  if (tr) {
    console.log(
      `| ${m}x${k} @ (${n}x${k}).T | ${median(tr).toFixed(2)} | — | ${
        median(tr.map((v, i) => v / t[i])).toFixed(2)
      }× |`,
    );
  }
}
