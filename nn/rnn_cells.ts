/**
 * One time step of each recurrent cell, forward and back, as the few fused kernels the layer loop runs per step:
 * forward, one kernel from the gate pre-activations to the new state (the gate activations are written over the
 * input projection, where backward reads them); backward, one kernel over all gates at once, [B, G, H] with the
 * gate index as an operand, so the gate gradients land in the [B, G·H] row layout the weight gradients' matrix
 * products read, plus one small kernel for the state carried to the step before. Gate order and formulas are
 * PyTorch's: LSTM i, f, g, o; GRU r, z, n with the hidden bias of n inside r·(…).
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import type { Expr, Kernel } from "../backends/kernel_ir.ts";
import { cachedKernel, runKernelInto } from "../tensor/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** What one forward step reads and writes; every tensor is [B, H] unless said otherwise. */
export interface ForwardStep {
  /** The input projection of this step, [B, G·H] (with the biases the cell folds in); overwritten by the gates. */
  gates: Tensor;
  /** The previous hidden state's projection h·W_hhᵀ, [B, G·H]. */
  recurrent: Tensor;
  /** The hidden bias, [G·H], for a cell that adds it inside the step (GRU); null otherwise. */
  hiddenBias: Tensor | null;
  /** The previous hidden state (GRU reads it). */
  hPrev: Tensor;
  /** The previous cell state (LSTM). */
  cPrev: Tensor | null;
  /** Where the new hidden state goes (before the projection, with projSize). */
  h: Tensor;
  /** Where the new cell state goes (LSTM). */
  c: Tensor | null;
  /** Where the step's extra saved value goes (GRU: W_hn·h + b_hn). */
  extra: Tensor | null;
}

/** What one backward step reads and writes; every tensor is [B, H] unless said otherwise. */
export interface BackwardStep {
  /** Terms summing to the gradient of this step's hidden state (before the carry). */
  dh: readonly Tensor[];
  /** The gradient carried from the step after: LSTM dc·f, GRU dh·z; updated in place for the step before. */
  carry: Tensor | null;
  /** The gate activations the forward step saved, [B, G·H]. */
  gates: Tensor;
  /** This step's hidden state (RNN reads it). */
  h: Tensor;
  /** The previous hidden state (GRU). */
  hPrev: Tensor;
  /** This step's and the previous cell states (LSTM). */
  c: Tensor | null;
  cPrev: Tensor | null;
  /** The extra saved value (GRU). */
  extra: Tensor | null;
  /** Scratch for the cell-state gradient (LSTM). */
  dc: Tensor | null;
  /** The gate index 0…G−1, [1, G, 1]. */
  gateIndex: Tensor;
  /** Where the gradients of the input-side and hidden-side pre-activations go, [B, G·H] (one tensor but for GRU). */
  dInput: Tensor;
  dHidden: Tensor;
}

/**
 * Which recurrence a layer runs, PyTorch's `mode` of `nn.RNNBase`.
 *
 * @example
 * ```ts
 * import type { RNNMode } from "@gradstep/gradstep/nn";
 * const mode: RNNMode = "LSTM";
 * ```
 */
export type RNNMode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** A recurrent cell: its gate count, what it carries and saves, and its step kernels. */
export interface Cell {
  readonly name: RNNMode;
  /** Gates per hidden unit: 1, 4 or 3. */
  readonly gates: number;
  /** Whether it has a cell state (LSTM). */
  readonly hasCell: boolean;
  /** Whether the hidden bias is added inside the step rather than folded into the input projection (GRU). */
  readonly hiddenBiasInStep: boolean;
  /** Whether backward carries a hidden-state gradient besides the matrix product's (GRU's dh·z). */
  readonly carriesHidden: boolean;
  /** Whether the hidden-side pre-activation gradients differ from the input side's (GRU). */
  readonly splitGradients: boolean;
  forward(step: ForwardStep): void;
  backward(step: BackwardStep): void;
}

const F32 = "float32" as const;
const f32s = (n: number): "float32"[] => Array(n).fill(F32);
const one = (e: Expr): Expr => ir.sub(ir.constant(1, F32), e);
const sum = (terms: readonly Expr[]): Expr => terms.reduce((a, b) => ir.add(a, b));

/** The G gate columns of a [B, G·H] tensor, each [B, H]. */
function columns(t: Tensor, gates: number): Tensor[] {
  const h = t.shape[1] / gates;
  return Array.from({ length: gates }, (_, k) => t.narrow(1, k * h, h));
}

/** The G gate columns of a [B, G·H] tensor as [B, 1, H] views, to broadcast over the gate axis. */
function gateViews(t: Tensor, gates: number): Tensor[] {
  return columns(t, gates).map((c) => c.unsqueeze(1));
}

/** [B, H] as [B, 1, H]; [B, G·H] as [B, G, H]. */
const lift = (t: Tensor): Tensor => t.unsqueeze(1);
const asGates = (t: Tensor, gates: number): Tensor => t.reshape([t.shape[0], gates, t.shape[1] / gates]);

/** `where(k == 0, a, where(k == 1, b, …))` over the gate index `k`. */
function byGate(k: Expr, values: readonly Expr[]): Expr {
  return values.slice(0, -1).reduceRight<Expr>(
    (rest, v, i) => ir.where(ir.eq(k, ir.constant(i, F32)), v, rest),
    values[values.length - 1],
  );
}

function simpleCell(name: "RNN_TANH" | "RNN_RELU"): Cell {
  const relu = name === "RNN_RELU";
  const step = cachedKernel(`nn.rnn:${name}:fwd`, () =>
    ir.defineKernel(f32s(2), [], ([x, r]) => {
      const a = ir.add(x, r);
      return [relu ? ir.max(a, ir.constant(0, F32)) : ir.tanh(a)];
    }));
  const back = (terms: number): Kernel =>
    cachedKernel(`nn.rnn:${name}:bwd:${terms}`, () =>
      ir.defineKernel(f32s(terms + 1), [], (ins) => {
        const h = ins[terms];
        const dh = sum(ins.slice(0, terms));
        const slope = relu
          ? ir.where(ir.gt(h, ir.constant(0, F32)), ir.constant(1, F32), 0)
          : one(ir.mul(h, h));
        return [ir.mul(dh, slope)];
      }));
  return {
    name,
    gates: 1,
    hasCell: false,
    hiddenBiasInStep: false,
    carriesHidden: false,
    splitGradients: false,
    forward: ({ gates, recurrent, h }) => runKernelInto(step, [gates, recurrent], [h]),
    backward: ({ dh, h, dInput }) => runKernelInto(back(dh.length), [...dh, h], [dInput]),
  };
}

function lstmCell(): Cell {
  // i, f, g, o from the two projections; c = f·c' + i·g; h = o·tanh(c). Outputs: h, c, then the activations.
  const step = cachedKernel("nn.rnn:LSTM:fwd", () =>
    ir.defineKernel(f32s(9), [], (ins) => {
      const pre = (k: number): Expr => ir.add(ins[k], ins[4 + k]);
      const [i, f, g, o] = [ir.sigmoid(pre(0)), ir.sigmoid(pre(1)), ir.tanh(pre(2)), ir.sigmoid(pre(3))];
      const c = ir.add(ir.mul(f, ins[8]), ir.mul(i, g));
      return [ir.mul(o, ir.tanh(c)), c, i, f, g, o];
    }));
  // dc = carry + dh·o·(1 − tanh²c); the carry for the step before is dc·f. Inputs: dh terms, carry, f, o, c.
  const state = (terms: number): Kernel =>
    cachedKernel(`nn.rnn:LSTM:state:${terms}`, () =>
      ir.defineKernel(f32s(terms + 4), [], (ins) => {
        const [carry, f, o, c] = ins.slice(terms);
        const tc = ir.tanh(c);
        const dc = ir.add(carry, ir.mul(sum(ins.slice(0, terms)), ir.mul(o, one(ir.mul(tc, tc)))));
        return [dc, ir.mul(dc, f)];
      }));
  // Over [B, 4, H]: the pre-activation gradient of gate k. Inputs: dh terms, dc, i, f, g, o, c', c, k.
  const gates = (terms: number): Kernel =>
    cachedKernel(`nn.rnn:LSTM:gates:${terms}`, () =>
      ir.defineKernel(f32s(terms + 8), [], (ins) => {
        const [dc, i, f, g, o, cPrev, c, k] = ins.slice(terms);
        const dh = sum(ins.slice(0, terms));
        return [byGate(k, [
          ir.mul(ir.mul(dc, g), ir.mul(i, one(i))),
          ir.mul(ir.mul(dc, cPrev), ir.mul(f, one(f))),
          ir.mul(ir.mul(dc, i), one(ir.mul(g, g))),
          ir.mul(ir.mul(dh, ir.tanh(c)), ir.mul(o, one(o))),
        ])];
      }));
  return {
    name: "LSTM",
    gates: 4,
    hasCell: true,
    hiddenBiasInStep: false,
    carriesHidden: false,
    splitGradients: false,
    forward: (s) => {
      const acts = columns(s.gates, 4);
      runKernelInto(step, [...acts, ...columns(s.recurrent, 4), s.cPrev!], [s.h, s.c!, ...acts]);
    },
    backward: (s) => {
      const [, f, , o] = columns(s.gates, 4);
      runKernelInto(state(s.dh.length), [...s.dh, s.carry!, f, o, s.c!], [s.dc!, s.carry!]);
      runKernelInto(
        gates(s.dh.length),
        [...s.dh.map(lift), lift(s.dc!), ...gateViews(s.gates, 4), lift(s.cPrev!), lift(s.c!), s.gateIndex],
        [asGates(s.dInput, 4)],
      );
    },
  };
}

function gruCell(withBias: boolean): Cell {
  // r = σ(x_r + h_r + b_r), z likewise, n = tanh(x_n + r·(h_n + b_n)), h = (1 − z)·n + z·h'.
  // Inputs: x_r, x_z, x_n, h_r, h_z, h_n, [b_r, b_z, b_n], h'. Outputs: h, r, z, n, h_n + b_n.
  const step = cachedKernel(
    `nn.rnn:GRU:fwd:${withBias}`,
    () =>
      ir.defineKernel(f32s(withBias ? 10 : 7), [], (ins) => {
        const hidden = (k: number): Expr => withBias ? ir.add(ins[3 + k], ins[6 + k]) : ins[3 + k];
        const r = ir.sigmoid(ir.add(ins[0], hidden(0)));
        const z = ir.sigmoid(ir.add(ins[1], hidden(1)));
        const hn = hidden(2);
        const n = ir.tanh(ir.add(ins[2], ir.mul(r, hn)));
        const hPrev = ins[ins.length - 1];
        return [ir.add(ir.mul(one(z), n), ir.mul(z, hPrev)), r, z, n, hn];
      }),
  );
  // The carry for the step before: (dh terms + carry)·z. Inputs: dh terms, carry, z.
  const state = (terms: number): Kernel =>
    cachedKernel(`nn.rnn:GRU:state:${terms}`, () =>
      ir.defineKernel(f32s(terms + 2), [], (ins) => {
        const [carry, z] = ins.slice(terms);
        return [ir.mul(ir.add(sum(ins.slice(0, terms)), carry), z)];
      }));
  // Over [B, 3, H]: the input-side and hidden-side pre-activation gradients of gate k (they differ for n).
  // Inputs: dh terms, carry, r, z, n, h_n + b_n, h', k.
  const gates = (terms: number): Kernel =>
    cachedKernel(`nn.rnn:GRU:gates:${terms}`, () =>
      ir.defineKernel(f32s(terms + 7), [], (ins) => {
        const [carry, r, z, n, hn, hPrev, k] = ins.slice(terms);
        const dh = ir.add(sum(ins.slice(0, terms)), carry);
        const dn = ir.mul(ir.mul(dh, one(z)), one(ir.mul(n, n)));
        const dz = ir.mul(ir.mul(dh, ir.sub(hPrev, n)), ir.mul(z, one(z)));
        const dr = ir.mul(ir.mul(dn, hn), ir.mul(r, one(r)));
        return [byGate(k, [dr, dz, dn]), byGate(k, [dr, dz, ir.mul(dn, r)])];
      }));
  return {
    name: "GRU",
    gates: 3,
    hasCell: false,
    hiddenBiasInStep: true,
    carriesHidden: true,
    splitGradients: true,
    forward: (s) => {
      const acts = columns(s.gates, 3);
      const bias = s.hiddenBias === null
        ? []
        : [0, 1, 2].map((k) => s.hiddenBias!.narrow(0, k * s.h.shape[1], s.h.shape[1]));
      runKernelInto(step, [...acts, ...columns(s.recurrent, 3), ...bias, s.hPrev], [s.h, ...acts, s.extra!]);
    },
    backward: (s) => {
      const [, z] = columns(s.gates, 3);
      runKernelInto(
        gates(s.dh.length),
        [
          ...s.dh.map(lift),
          lift(s.carry!),
          ...gateViews(s.gates, 3),
          lift(s.extra!),
          lift(s.hPrev),
          s.gateIndex,
        ],
        [asGates(s.dInput, 3), asGates(s.dHidden, 3)],
      );
      runKernelInto(state(s.dh.length), [...s.dh, s.carry!, z], [s.carry!]);
    },
  };
}

/** The cell for a mode; `hiddenBias` says whether a GRU has the hidden bias its step adds. */
export function cellFor(mode: RNNMode, hiddenBias: boolean): Cell {
  if (mode === "LSTM") return lstmCell();
  if (mode === "GRU") return gruCell(hiddenBias);
  return simpleCell(mode);
}
