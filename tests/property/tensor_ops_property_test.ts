/**
 * Property-based CPU vs WebGPU parity with fast-check: random programs of public tensor ops (arithmetic,
 * maximum, comparisons, where, sum and mean over dims, matmul, reshape/permute/transpose views, exp, log, tanh,
 * sigmoid, relu, dtype casts) over random shapes that mostly broadcast, in float32, int32 and bool (and float16
 * where the adapter has shader-f16), run on both devices. Every node of a program must agree: the same shape,
 * dtype and values (exactly for int32 and bool, within the parity tolerance for floats) — or, for an invalid
 * combination (shapes that do not broadcast, a dim out of range, a bad permutation or reshape), the same Error
 * message on both. Registered as ignored without a WebGPU adapter.
 *
 * A program is decoded from fast-check's numbers against the CPU's shapes as it runs (so a choice of 0 is the
 * simplest op and operand, and shrinking simplifies the program), then replayed step for step on WebGPU.
 *
 * @module
 */
import fc from "fast-check";
import { type Device, device, type DType, type Tensor, tensor, where } from "../../mod.ts";
import { TOLERANCE, type Tolerance } from "../helpers.ts";

/** fast-check's seed and the number of programs it runs. */
const SEED = 1803;
const RUNS = 300;
/** Ops per program. */
const STEPS = 6;

const cpu = await device("cpu");
const gpu: Device | undefined = await device("webgpu").catch(() => undefined);
const half = gpu?.features.has("shader-f16") ?? false;

/** float16 rounds to 11 significant bits: a few units in the last place of it, relative and absolute. */
const FLOAT16: Tolerance = { rtol: 2 ** -8, atol: 2 ** -10 };

const UNARY = ["exp", "log", "tanh", "sigmoid", "relu"] as const;
const BINARY = ["add", "sub", "mul", "div", "maximum"] as const;
const COMPARE = ["eq", "ne", "gt", "lt", "ge", "le"] as const;
const SCALARS = [2, -1, 0.5, 0] as const;
const DTYPES: readonly DType[] = half
  ? ["float32", "int32", "bool", "float16"]
  : ["float32", "int32", "bool"];

/** The second operand of a binary op: an earlier node or a number. */
type Operand = { node: number } | { scalar: number };

/** One op of a program, over earlier nodes (leaves first) by index: plain data, printed when a case fails. */
type Step =
  | { op: (typeof UNARY)[number]; x: number }
  | { op: (typeof BINARY)[number] | (typeof COMPARE)[number]; x: number; y: Operand }
  | { op: "where"; condition: number; x: number; y: Operand }
  | { op: "sum" | "mean"; x: number; dims: number[] | null; keepdim: boolean }
  | { op: "matmul"; x: number; y: number; transposeY: boolean }
  | { op: "reshape"; x: number; shape: number[] }
  | { op: "permute"; x: number; dims: number[] }
  | { op: "transpose"; x: number; dim0: number; dim1: number }
  | { op: "cast"; x: number; dtype: DType };

/** An input tensor: values are quarters in [-2, 2] (exact in float16), integers in [-8, 8] or v > 0. */
interface Leaf {
  shape: number[];
  dtype: DType;
  values: number[];
}

function makeLeaf(leaf: Leaf, dev: Device): Tensor {
  const n = leaf.shape.reduce((a, b) => a * b, 1);
  const scale = leaf.dtype === "float32" || leaf.dtype === "float16" ? 0.25 : 1;
  const values = Float32Array.from({ length: n }, (_, i) => {
    const v = leaf.values[i % leaf.values.length];
    return leaf.dtype === "bool" ? Number(v > 0) : v * scale;
  });
  return tensor(values, { shape: leaf.shape, dtype: leaf.dtype, device: dev });
}

function apply(step: Step, nodes: Tensor[]): Tensor {
  const operand = (y: Operand): Tensor | number => ("node" in y ? nodes[y.node] : y.scalar);
  const x = nodes[step.x];
  switch (step.op) {
    case "exp":
    case "log":
    case "tanh":
    case "sigmoid":
    case "relu":
      return x[step.op]();
    case "add":
    case "sub":
    case "mul":
    case "div":
    case "maximum":
    case "eq":
    case "ne":
    case "gt":
    case "lt":
    case "ge":
    case "le":
      return x[step.op](operand(step.y));
    case "where":
      return where(nodes[step.condition], x, operand(step.y));
    case "sum":
    case "mean":
      return step.dims === null ? x[step.op]() : x[step.op](step.dims, { keepdim: step.keepdim });
    case "matmul": {
      const y = nodes[step.y];
      return x.matmul(step.transposeY ? y.transpose(-2, -1) : y);
    }
    case "reshape":
      return x.reshape(step.shape);
    case "permute":
      return x.permute(step.dims);
    case "transpose":
      return x.transpose(step.dim0, step.dim1);
    case "cast":
      return x.to(step.dtype) as Tensor;
  }
}

/** The nodes `step` reads. */
function inputsOf(step: Step): number[] {
  const inputs = [step.x];
  if ("condition" in step) inputs.push(step.condition);
  if ("y" in step) {
    if (typeof step.y === "number") inputs.push(step.y);
    else if ("node" in step.y) inputs.push(step.y.node);
  }
  return inputs;
}

/** What one node came to on one device. */
type Outcome = Tensor | Error;

function attempt(fn: () => Tensor): Outcome {
  try {
    return fn();
  } catch (error) {
    return error as Error;
  }
}

const maxAbs = (values: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(Number(values[i]));
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
};

/**
 * How a node's values are compared. Float rounding differs between the devices (WebGPU's exp, log, tanh and
 * division are not the CPU's, nor is its summation order or float16 arithmetic): a node computed from such
 * `rounded` values is compared within the tolerance times `scale`, the largest finite magnitude among it and its
 * inputs (what rounding errors grow with); a comparison or bool cast of rounded values can flip where its operands
 * are within rounding of each other, so its values, and those of everything computed from it, are not compared
 * (`unchecked`; shape, dtype and errors still are). Everything else — int32 and bool arithmetic, comparisons and
 * where over exact values, views, casts — must be identical.
 *
 * Known mismatch, left unchecked the same way: a float → int32 cast of NaN, ±Infinity or a value outside int32's
 * range. The CPU (`Math.trunc(x) | 0`) gives 0 for NaN and ±Infinity and wraps modulo 2³² (3e9 → -1294967296);
 * WGSL's i32() saturates (±Infinity and 3e9 → -2147483648 / 2147483520 for float32, ±65504 for float16) and NaN
 * is the driver's choice (-2147483648 on lavapipe). PyTorch leaves it undefined; the backends should agree on one
 * rule. Minimal case: `tensor([0]).log().int()` is [0] on the CPU, [-2147483648] on WebGPU.
 */
interface Check {
  scale: number;
  rounded: boolean;
  unchecked: boolean;
}

/** Ops whose float results round differently on the two devices. */
const ROUNDING = new Set<Step["op"]>(["add", "sub", "mul", "div", "sum", "mean", "matmul", ...UNARY]);
const DECIDING = new Set<Step["op"]>(COMPARE);

const INT32_MIN = -(2 ** 31);

/** Whether `step` casts a float value that is NaN, infinite or outside int32 to int32 (the known mismatch). */
function unrepresentable(step: Step, nodes: Outcome[]): boolean {
  if (step.op !== "cast" || step.dtype !== "int32") return false;
  const x = nodes[step.x] as Tensor;
  if (x.dtype !== "float32" && x.dtype !== "float16") return false;
  return x.dataSync().some((v) => !(v >= INT32_MIN && v < -INT32_MIN));
}

function checkOf(step: Step, out: Outcome, nodes: Outcome[], checks: Check[]): Check {
  const inputs = inputsOf(step).map((i) => checks[i]);
  const rounded = inputs.some((c) => c.rounded);
  const own = out instanceof Error ? 0 : maxAbs(out.dataSync());
  const float = !(out instanceof Error) && (out.dtype === "float32" || out.dtype === "float16");
  return {
    scale: Math.max(own, ...inputs.map((c) => c.scale)),
    rounded: rounded || (float && (ROUNDING.has(step.op) || (out as Tensor).dtype === "float16")),
    unchecked: inputs.some((c) => c.unchecked) || unrepresentable(step, nodes) ||
      (rounded && (DECIDING.has(step.op) || (step.op === "cast" && step.dtype === "bool"))),
  };
}

/**
 * Decodes a program from `choices` while running it on the CPU: each choice read picks among what the CPU's
 * current nodes allow (an op, an earlier node, a dim in or just out of range, a permutation), so invalid
 * combinations come up too. Returns the steps, the CPU's outcomes (leaves first) and how to compare each node.
 */
function decode(leaves: Leaf[], choices: number[]): { steps: Step[]; outcomes: Outcome[]; checks: Check[] } {
  let cursor = 0;
  const pick = (n: number): number => (n <= 1 ? 0 : choices[cursor++ % choices.length] % n);
  const outcomes: Outcome[] = leaves.map((leaf) => makeLeaf(leaf, cpu));
  const checks: Check[] = outcomes.map((t, i) => ({
    scale: maxAbs((t as Tensor).dataSync()),
    rounded: leaves[i].dtype === "float16",
    unchecked: false,
  }));
  const steps: Step[] = [];
  for (let s = 0; s < STEPS; s++) {
    const pool = outcomes.flatMap((o, i) => (o instanceof Error ? [] : [i]));
    const node = (): number => pool[pick(pool.length)];
    const operand = (): Operand =>
      pick(4) === 0 ? { scalar: SCALARS[pick(SCALARS.length)] } : { node: node() };
    const x = node();
    const shape = (outcomes[x] as Tensor).shape;
    const rank = shape.length;
    const dim = (): number => pick(2 * rank + 3) - rank - 1;
    let step: Step;
    switch (pick(11)) {
      case 0:
        step = { op: BINARY[pick(BINARY.length)], x, y: operand() };
        break;
      case 1:
        step = { op: UNARY[pick(UNARY.length)], x };
        break;
      case 2:
        step = { op: COMPARE[pick(COMPARE.length)], x, y: operand() };
        break;
      case 3: {
        const bools = pool.filter((i) => (outcomes[i] as Tensor).dtype === "bool");
        const condition = bools.length > 0 && pick(4) !== 0 ? bools[pick(bools.length)] : node();
        step = { op: "where", condition, x, y: operand() };
        break;
      }
      case 4: {
        const mode = pick(3);
        const dims = mode === 0 ? null : mode === 1 ? [dim()] : [dim(), dim()];
        step = { op: pick(2) === 0 ? "sum" : "mean", x, dims, keepdim: pick(2) === 1 };
        break;
      }
      case 5:
        step = { op: "matmul", x, y: node(), transposeY: pick(2) === 1 };
        break;
      case 6: {
        const n = shape.reduce((a, b) => a * b, 1);
        const targets = [
          [-1],
          [...shape].reverse(),
          [1, ...shape],
          rank >= 2 ? [shape[0] * shape[1], ...shape.slice(2)] : [-1, 1],
          [n + 1],
        ];
        step = { op: "reshape", x, shape: targets[pick(targets.length)] };
        break;
      }
      case 7: {
        const dims = Array.from({ length: rank }, (_, i) => i);
        for (let i = rank - 1; i > 0; i--) {
          const j = pick(i + 1);
          [dims[i], dims[j]] = [dims[j], dims[i]];
        }
        const bad = pick(5);
        if (bad === 3) dims.push(0);
        if (bad === 4 && rank >= 2) dims[0] = dims[rank - 1];
        step = { op: "permute", x, dims };
        break;
      }
      case 8:
        step = { op: "transpose", x, dim0: dim(), dim1: dim() };
        break;
      default:
        step = { op: "cast", x, dtype: DTYPES[pick(DTYPES.length)] };
    }
    steps.push(step);
    const outcome = attempt(() => apply(step, outcomes as Tensor[]));
    outcomes.push(outcome);
    checks.push(checkOf(step, outcome, outcomes, checks));
  }
  return { steps, outcomes, checks };
}

/** Replays `steps` on `dev`; a node whose CPU outcome was an Error is attempted too (it must throw the same). */
function replay(leaves: Leaf[], steps: Step[], dev: Device): Outcome[] {
  const outcomes: Outcome[] = leaves.map((leaf) => makeLeaf(leaf, dev));
  for (const step of steps) outcomes.push(attempt(() => apply(step, outcomes as Tensor[])));
  return outcomes;
}

/** Why the WebGPU outcome of a node differs from the CPU's, or undefined when they agree. */
async function difference(want: Outcome, got: Outcome, check: Check): Promise<string | undefined> {
  if (want instanceof Error || got instanceof Error) {
    const [w, g] = [want, got].map((
      o,
    ) => (o instanceof Error ? `Error "${o.message}"` : `a [${o.shape}] tensor`));
    return w === g ? undefined : `the CPU gives ${w}, WebGPU ${g}`;
  }
  if (want.dtype !== got.dtype || want.shape.join() !== got.shape.join()) {
    return `the CPU gives [${want.shape}] ${want.dtype}, WebGPU [${got.shape}] ${got.dtype}`;
  }
  if (check.unchecked) return undefined;
  const [e, a] = [await want.data(), await got.data()];
  const exact = !check.rounded;
  const { rtol, atol } = want.dtype === "float16" ? FLOAT16 : TOLERANCE.composite;
  const grow = Math.max(1, check.scale);
  for (let i = 0; i < e.length; i++) {
    const [ei, ai] = [Number(e[i]), Number(a[i])];
    if (ei === ai || (Number.isNaN(ei) && Number.isNaN(ai))) continue;
    if (!exact && Math.abs(ai - ei) <= (atol + rtol * Math.abs(ei)) * grow) continue;
    return `element ${i}: the CPU gives ${ei}, WebGPU ${ai} (CPU values ${[...e]}, WebGPU ${[...a]})`;
  }
  return undefined;
}

const dimArb = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 4 }), weight: 9 }, {
  arbitrary: fc.constant(0),
  weight: 1,
});
const shapeArb = fc.array(dimArb, { maxLength: 3 });
/** A shape that broadcasts with `base` (some leading dims dropped, some set to 1), or now and then any shape. */
const leafShapeArb = (base: number[]): fc.Arbitrary<number[]> =>
  fc.oneof(
    {
      arbitrary: fc.tuple(fc.nat(base.length), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 })).map((
        [drop, ones],
      ) => base.slice(drop).map((d, i) => (ones[i] ? 1 : d))),
      weight: 4,
    },
    { arbitrary: shapeArb, weight: 1 },
  );
const dtypeArb = fc.oneof(
  { arbitrary: fc.constant<DType>("float32"), weight: 5 },
  ...DTYPES.slice(1).map((d) => ({ arbitrary: fc.constant(d), weight: 1 })),
);
const caseArb = shapeArb.chain((base) =>
  fc.record({
    leaves: fc.array(
      fc.record({
        shape: leafShapeArb(base),
        dtype: dtypeArb,
        values: fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 64, maxLength: 64 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    choices: fc.array(fc.nat(1000), { minLength: 1, maxLength: 48 }),
  })
);

Deno.test({
  name: `${RUNS} random op programs (fast-check seed ${SEED}) agree on the CPU and WebGPU, errors included`,
  ignore: gpu === undefined,
  fn: async () => {
    const started = performance.now();
    let nodes = 0;
    let errors = 0;
    let unchecked = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ leaves, choices }) => {
        const { steps, outcomes, checks } = decode(leaves, choices);
        const onGpu = replay(leaves, steps, gpu!);
        for (let i = 0; i < outcomes.length; i++) {
          const why = await difference(outcomes[i], onGpu[i], checks[i]);
          if (why !== undefined) {
            const short = leaves.map(({ shape, dtype, values }) => ({
              shape,
              dtype,
              values: values.slice(0, shape.reduce((a, b) => a * b, 1)),
            }));
            throw new Error(
              `node ${i} differs: ${why}\nleaves ${JSON.stringify(short)}\nsteps ${JSON.stringify(steps)}`,
            );
          }
          nodes++;
          if (outcomes[i] instanceof Error) errors++;
          else if (checks[i].unchecked) unchecked++;
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `fast-check seed ${SEED}: ${RUNS} programs, ${nodes} nodes compared (${errors} of them the same Error on ` +
        `both, ${unchecked} compared in shape and dtype only) in ${seconds.toFixed(1)} s ` +
        `on ${gpu!.name}${half ? ", float16 included" : ""}`,
    );
  },
});
