/**
 * The report's workloads in TensorFlow.js (npm @tensorflow/tfjs 4.22, which bundles its cpu backend, with
 * @tensorflow/tfjs-backend-wasm and -webgpu): the same work as gradstep_work.ts — tfjs's own ops, its
 * `tf.train.adam`, and the seed's model written with tfjs variables and trained by `optimizer.minimize`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-webgpu";
import { msPerRepetition, type Timing } from "./timing.ts";

/** The tfjs backends the report compares with. */
export const TFJS_BACKENDS = ["cpu", "wasm", "webgpu"] as const;

/** Waits for the backend's queued work by reading `t` (a small tensor). */
async function finish(t: tf.Tensor): Promise<void> {
  await t.data();
}

function repeated(step: () => tf.Tensor): (n: number) => Promise<void> {
  return async (n) => {
    let last: tf.Tensor | undefined;
    for (let i = 0; i < n; i++) {
      last?.dispose();
      last = tf.tidy(step);
    }
    await finish(tf.tidy(() => tf.slice(tf.reshape(last!, [-1]), 0, 1)));
    last!.dispose();
  };
}

/**
 * Every workload on the tfjs `backend`, in the report's order; rejects when the backend does not start.
 *
 * @example
 * ```ts ignore
 * import { tfjsWork } from "./tfjs_work.ts";
 * console.table(await tfjsWork("wasm"));
 * ```
 */
export async function tfjsWork(backend: typeof TFJS_BACKENDS[number]): Promise<Timing[]> {
  if (!await tf.setBackend(backend)) throw new Error(`tfjs backend ${backend} did not start`);
  await tf.ready();
  const out: Timing[] = [];
  const time = async (work: string, run: (n: number) => Promise<void>): Promise<void> => {
    out.push({ work, ms: await msPerRepetition(run) });
  };
  const n = 10_000_000;
  const a = tf.randomNormal([n]), b = tf.randomNormal([n]);
  out.push({ work: "copy 10M float32", ms: undefined }); // tfjs-core has no copy into an existing tensor
  await time("add 10M float32", repeated(() => tf.add(a, b)));
  await time("sum 10M float32", repeated(() => tf.sum(a)));
  tf.dispose([a, b]);

  for (const [m, k, nn] of [[512, 512, 512], [64, 784, 128]]) {
    const x = tf.randomNormal([m, k]), y = tf.randomNormal([k, nn]);
    await time(`matmul ${m}x${k} @ ${k}x${nn}`, repeated(() => tf.matMul(x, y)));
    tf.dispose([x, y]);
  }

  for (const size of [1_000_000, 10_000_000]) {
    const p = tf.variable(tf.randomNormal([size]), true, `p${size}`);
    const g = tf.randomNormal([size]);
    const opt = tf.train.adam(1e-3);
    await time(`Adam step ${size / 1e6}M`, async (k) => {
      for (let i = 0; i < k; i++) opt.applyGradients([{ name: p.name, tensor: g }]);
      await finish(tf.tidy(() => tf.slice(p, 0, 1)));
    });
    opt.dispose();
    tf.dispose([p, g]);
  }

  const w1 = tf.variable(tf.randomUniform([784, 128], -1 / 28, 1 / 28));
  const b1 = tf.variable(tf.zeros([128]));
  const w2 = tf.variable(tf.randomUniform([128, 10], -1 / Math.sqrt(128), 1 / Math.sqrt(128)));
  const b2 = tf.variable(tf.zeros([10]));
  const images = tf.randomNormal([64, 1, 28, 28]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "int32"), 10);
  const opt = tf.train.adam(1e-3);
  await time(
    "MNIST training step",
    repeated(() => {
      const loss = opt.minimize(() => {
        const hidden = tf.relu(tf.add(tf.matMul(tf.reshape(images, [64, 784]), w1), b1));
        const logits = tf.add(tf.matMul(hidden, w2), b2);
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      }, true);
      return loss!;
    }),
  );
  opt.dispose();
  tf.dispose([w1, b1, w2, b2, images, labels]);
  return out;
}
