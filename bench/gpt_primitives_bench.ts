/**
 * `deno bench bench/gpt_primitives_bench.ts`: the primitives of nanoGPT's character-level training step (B=12,
 * T=64, C=128, 4 heads, vocabulary 65) at its shapes, per device present: the Linear layers' products and their
 * backward forms (x @ wᵀ read through the transpose's strides, gᵀ @ x), attention's batched products, softmax and
 * logSoftmax over rows of 64 and 65, LayerNorm's row statistics and its gradients' sums over the leading dimension,
 * the transcendentals of GELU and attention on [768, 512], and the cross-entropy of [768, 65] logits. Each
 * repetition ends with a one-element readback so that queued WebGPU work finishes inside the measurement (free on
 * the CPU).
 *
 * @module
 */
import { crossEntropy } from "../nn/mod.ts";
import { device, erf, randn, type Tensor, tensor, tidy } from "../mod.ts";

/** Waits for queued device work by reading one element of `t`. */
async function finish(t: Tensor): Promise<void> {
  if (t.device.type !== "cpu") await t.reshape([-1]).narrow(0, 0, 1).data();
}

for (const kind of ["cpu", "webgpu"] as const) {
  const dev = await device(kind).catch(() => undefined);
  if (dev === undefined) continue;
  const label = `[${dev.type}: ${dev.name}]`;
  const opts = { device: dev };
  /** Benchmarks `fn` (which returns the tensor to wait for) as `name` in `group`. */
  const bench = (group: string, name: string, fn: () => Tensor): void =>
    Deno.bench({
      name: `${name} ${label}`,
      group: `${group} ${label}`,
      fn: async () => {
        const out = tidy(fn);
        await finish(out);
        out.dispose();
      },
    });

  // Linear layers on the 768 tokens: y = x @ wᵀ (w as nn.Linear keeps it, [out, in]), dx = g @ w, dw = gᵀ @ x.
  const x = randn([768, 128], opts), h = randn([768, 512], opts);
  for (const out of [384, 512, 128, 65]) {
    const w = randn([out, 128], opts), g = randn([768, out], opts);
    bench("linear", `x @ w.T 768x128 @ 128x${out}`, () => x.matmul(w.T));
    bench("linear", `g @ w 768x${out} @ ${out}x128`, () => g.matmul(w));
    bench("linear", `g.T @ x ${out}x768 @ 768x128`, () => g.T.matmul(x));
  }
  const w2 = randn([128, 512], opts), g2 = randn([768, 128], opts);
  bench("linear", "h @ w.T 768x512 @ 512x128", () => h.matmul(w2.T));
  bench("linear", "g.T @ h 128x768 @ 768x512", () => g2.T.matmul(h));

  // Attention per head: [B·H, T, D] = [48, 64, 32].
  const q = randn([48, 64, 32], opts), k = randn([48, 64, 32], opts), att = randn([48, 64, 64], opts);
  bench("attention", "q @ k.T 48 x 64x32 @ 32x64", () => q.matmul(k.transpose(-2, -1)));
  bench("attention", "att @ v 48 x 64x64 @ 64x32", () => att.matmul(q));
  const scores = randn([12, 4, 64, 64], opts), logits = randn([768, 65], opts);
  bench("attention", "softmax [12,4,64,64] over 64", () => scores.softmax(-1));
  bench("attention", "logSoftmax [768,65] over 65", () => logits.logSoftmax(-1));

  // LayerNorm's statistics and its weight gradient's sum over the tokens.
  bench("rows", "mean [768,128] over 128", () => x.mean(-1, { keepdim: true }));
  bench("rows", "var [768,128] over 128", () => x.var(-1, { keepdim: true }));
  bench("rows", "sum [768,128] over 128", () => x.sum(-1, { keepdim: true }));
  bench("rows", "sum [768,128] over 768", () => x.sum(0));
  bench("rows", "max [12,4,64,64] over 64", () => scores.max(-1, { keepdim: true }));

  // Elementwise on GELU's [768, 512].
  bench("elementwise", "mul [768,512]", () => h.mul(h));
  bench("elementwise", "exp [768,512]", () => h.exp());
  bench("elementwise", "tanh [768,512]", () => h.tanh());
  bench("elementwise", "erf [768,512]", () => erf(h));

  const targets = tensor(Int32Array.from({ length: 768 }, (_, i) => (i * 7) % 65), {
    dtype: "int32",
    device: dev,
  });
  bench("loss", "crossEntropy [768,65]", () => crossEntropy(logits, targets));
}
