/**
 * What this machine's cores can do, measured in the same run as the report's workloads so each CPU figure can be
 * read against it: the memory copy bandwidth of one core (a plain `TypedArray.set` of 10M float32, 8 bytes moved
 * per element) and the float32 multiply-add peak of WebAssembly SIMD (twelve independent f32x4 relaxed
 * multiply-adds in registers, so nothing but the arithmetic units bounds it) on one core and, with the CPU
 * backend's helper thread running the same loop, on two.
 *
 * @module
 */
import { I32, moduleOf, op, seq, V128, whileBelow } from "../../backends/cpu/wasm_asm.ts";
import { sharedArena } from "../../backends/cpu/wasm_arena.ts";
import { moduleId, runSplit, sharedHelper } from "../../backends/cpu/wasm_helper.ts";
import { msPerRepetition } from "./timing.ts";

/** Independent accumulators of the peak loop: enough to cover the multiply-add's latency on two units. */
const CHAINS = 12;
/** Loop passes per call: 12 × 4 lanes × 2 FLOPs each, so 96 FLOPs a pass. */
const PASSES = 1 << 22;

/** The machine's figures: GB/s of a one-core copy, GFLOP/s of float32 SIMD multiply-adds on one and two cores. */
export interface Hardware {
  copyGBps: number;
  simdGflops: number;
  simdGflopsTwoCores: number | undefined;
}

/**
 * kernel(passes): `passes` times, acc[c] += m · m for each of the CHAINS accumulators, m loaded from the arena's
 * byte 0 (below its first block, so zero; loaded, so the compiler cannot fold it away) and the accumulators' sum
 * stored at byte 16 (also below every block), so the loop has an effect.
 */
function peakModule(): Uint8Array<ArrayBuffer> {
  const [PASS, M, ACC] = [1, 2, 3];
  const body = seq(
    ...Array.from(
      { length: CHAINS },
      (_, c) => seq(op.get(M), op.get(M), op.get(ACC + c), op.f32x4RelaxedMadd, op.set(ACC + c)),
    ),
  );
  const total = seq(
    op.get(ACC),
    ...Array.from({ length: CHAINS - 1 }, (_, c) => seq(op.get(ACC + c + 1), op.f32x4.add)),
  );
  return moduleOf(
    "kernel",
    1,
    [[1, I32], [CHAINS + 1, V128]],
    seq(
      seq(op.i32(0), op.v128Load32Splat(0), op.set(M)),
      seq(op.i32(0), op.set(PASS), whileBelow(PASS, 0, 1, body)),
      seq(op.i32(16), total, op.v128Store(0)),
    ),
  );
}

/**
 * The copy bandwidth and SIMD peak of this machine, each the best of a few timings.
 *
 * @example
 * ```ts ignore
 * import { measureHardware } from "./hardware.ts";
 * console.log(await measureHardware());
 * ```
 */
export async function measureHardware(): Promise<Hardware> {
  const n = 10_000_000;
  const [from, to] = [new Float32Array(n).fill(1), new Float32Array(n)];
  const copyMs = await msPerRepetition((k) => {
    for (let i = 0; i < k; i++) to.set(from);
  });
  const bytes = peakModule();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { mem: sharedArena().memory },
  });
  const run = instance.exports.kernel as (passes: number) => void;
  const flops = 96 * PASSES;
  const oneMs = await msPerRepetition((k) => {
    for (let i = 0; i < k; i++) run(PASSES);
  }, { minMs: 100 });
  const helper = sharedHelper();
  const kernel = { id: moduleId(), bytes, run: ([passes]: readonly number[]) => run(passes) };
  const twoMs = helper === null ? undefined : await msPerRepetition((k) => {
    for (let i = 0; i < k; i++) runSplit(helper, kernel, [PASSES], [PASSES], { reclaim: false });
  }, { minMs: 100 });
  return {
    copyGBps: (8 * n) / copyMs / 1e6,
    simdGflops: flops / oneMs / 1e6,
    simdGflopsTwoCores: twoMs === undefined ? undefined : (2 * flops) / twoMs / 1e6,
  };
}
