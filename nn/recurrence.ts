/**
 * One recurrent layer in one direction as one fused node, with its hand-written backpropagation through time.
 * Forward: the input projection of every step as one matrix product, then per step one product h·W_hhᵀ and the
 * cell's step kernel (plus h·W_hrᵀ with a projection). Backward: per step the cell's two kernels and one product
 * with W_hh; the weight and bias gradients are then one product (or column sum) over all steps at once.
 *
 * The node's output packs the output sequence [T, B, P] and, for LSTM, the final cell state [B, H] into one flat
 * tensor; the final hidden state is a view of the output's last step, so gradients reach the node through views.
 *
 * @module
 */
import { fusedOp } from "../autograd/function.ts";
import * as ir from "../backends/kernel_ir.ts";
import { ones, tensor, zeros } from "../tensor/creation.ts";
import { cachedKernel, copyInto, runKernelInto } from "../tensor/elementwise.ts";
import { empty } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { Cell } from "./rnn_cells.ts";

/** One layer's parameters in one direction, PyTorch's `weight_ih_l{k}` and so on. */
export interface LayerWeights {
  /** [G·H, I] */
  wIh: Tensor;
  /** [G·H, P] */
  wHh: Tensor;
  /** [G·H] or null */
  bIh: Tensor | null;
  /** [G·H] or null */
  bHh: Tensor | null;
  /** [P, H] with projSize, else null */
  wHr: Tensor | null;
}

/** A layer direction's results. */
export interface LayerResult {
  /** [T, B, P] */
  output: Tensor;
  /** [B, P]: the state after the last step processed (the first for the reverse direction). */
  hN: Tensor;
  /** [B, H] for LSTM, else null. */
  cN: Tensor | null;
}

const addInPlace = (terms: number) =>
  cachedKernel(
    `nn.rnn:add:${terms}`,
    () => ir.defineKernel(Array(terms).fill("float32"), [], (ins) => [ins.reduce((a, b) => ir.add(a, b))]),
  );

/** The column sums of a [rows, n] tensor as [n], by a product with a row of ones (faster than a reduction). */
function columnSums(t: Tensor): Tensor {
  return ones([1, t.shape[0]], { device: t.device }).matmul(t).reshape([t.shape[1]]);
}

/**
 * Runs `cell` over `input` [T, B, I] from `h0` [B, P] (and `c0` [B, H] for LSTM), forward in time or, with
 * `reverse`, backward, as one recorded node.
 */
export function recurrentLayer(
  cell: Cell,
  input: Tensor,
  weights: LayerWeights,
  state: { h0: Tensor; c0: Tensor | null },
  reverse: boolean,
): LayerResult {
  const { wIh, wHh, bIh, bHh, wHr } = weights;
  const [T, B, I] = input.shape;
  const G = cell.gates;
  const H = wIh.shape[0] / G;
  const P = state.h0.shape[1];
  const device = input.device;
  const order = Array.from({ length: T }, (_, i) => reverse ? T - 1 - i : i);
  // The node's inputs are the operands present; `slot` maps each operand's role to its position there.
  const operands = { input, wIh, wHh, bIh, bHh, wHr, h0: state.h0, c0: state.c0 };
  type Role = keyof typeof operands;
  const roles = (Object.keys(operands) as Role[]).filter((r) => operands[r] !== null);
  const present = roles.map((r) => operands[r]!);
  const slot = (r: Role): number => roles.indexOf(r);
  const stepOf = <X extends Tensor | null>(all: X, t: number): X =>
    (all === null ? null : all.narrow(0, t, 1).reshape(all.shape.slice(1))) as X;
  const seqLength = T * B * P;

  const packed = fusedOp(cell.name.toLowerCase(), present, () => {
    const gates = input.reshape([T * B, I]).matmul(wIh.T);
    const biases = [bIh, cell.hiddenBiasInStep ? null : bHh].filter((t): t is Tensor => t !== null);
    if (biases.length > 0) runKernelInto(addInPlace(1 + biases.length), [gates, ...biases], [gates]);
    const acts = gates.reshape([T, B, G * H]);
    const y = empty([seqLength + (cell.hasCell ? B * H : 0)], { dtype: "float32", device }, false);
    const out = y.narrow(0, 0, seqLength).reshape([T, B, P]);
    const cAll = cell.hasCell ? empty([T, B, H], y, false) : null;
    const raw = wHr === null ? null : empty([T, B, H], y, false);
    const extra = cell.name === "GRU" ? empty([T, B, H], y, false) : null;
    let [hPrev, cPrev] = [state.h0, state.c0];
    for (const t of order) {
      const recurrent = hPrev.matmul(wHh.T);
      const h = stepOf(raw ?? out, t);
      cell.forward({
        gates: stepOf(acts, t),
        recurrent,
        hiddenBias: cell.hiddenBiasInStep ? bHh : null,
        hPrev,
        cPrev,
        h,
        c: stepOf(cAll, t),
        extra: stepOf(extra, t),
      });
      recurrent.dispose();
      if (wHr !== null) {
        const projected = h.matmul(wHr.T);
        copyInto(stepOf(out, t), projected);
        projected.dispose();
      }
      [hPrev, cPrev] = [stepOf(out, t), stepOf(cAll, t)];
    }
    if (cAll !== null) copyInto(y.narrow(0, seqLength, B * H).reshape([B, H]), stepOf(cAll, order[T - 1]));
    const saved = [acts, cAll, raw, extra].filter((t): t is Tensor => t !== null);
    return { output: y, saved };
  }, (g, { saved, needed, output }) => {
    const [acts, ...rest] = saved;
    const cAll = cell.hasCell ? rest.shift()! : null;
    const raw = wHr !== null ? rest.shift()! : null;
    const extra = cell.name === "GRU" ? rest.shift()! : null;
    const out = output.narrow(0, 0, seqLength).reshape([T, B, P]);
    const gOut = g.narrow(0, 0, seqLength).reshape([T, B, P]);
    const dInput = empty([T, B, G * H], acts, false);
    const dHidden = cell.splitGradients ? empty([T, B, G * H], acts, false) : dInput;
    const carry = cell.hasCell
      ? copyInto(empty([B, H], acts, false), g.narrow(0, seqLength, B * H).reshape([B, H]))
      : cell.carriesHidden
      ? zeros([B, H], { device })
      : null;
    const dc = cell.hasCell ? empty([B, H], acts, false) : null;
    const dhAll = wHr === null ? null : empty([T, B, P], acts, false);
    const gateIndex = tensor(Array.from({ length: G }, (_, k) => k), { dtype: "float32", device }).reshape([
      1,
      G,
      1,
    ]);
    let fromNext: Tensor | null = null;
    for (let s = T - 1; s >= 0; s--) {
      const t = order[s];
      const prev = s === 0 ? null : order[s - 1];
      let dh = [stepOf(gOut, t), ...(fromNext === null ? [] : [fromNext])];
      if (dhAll !== null) {
        const total = stepOf(dhAll, t);
        runKernelInto(addInPlace(dh.length), dh, [total]);
        dh = [total.matmul(wHr!)];
      }
      cell.backward({
        dh,
        carry,
        gates: stepOf(acts, t),
        h: stepOf(out, t),
        hPrev: prev === null ? state.h0 : stepOf(out, prev),
        c: stepOf(cAll, t),
        cPrev: prev === null ? state.c0 : stepOf(cAll, prev),
        extra: stepOf(extra, t),
        dc,
        gateIndex,
        dInput: stepOf(dInput, t),
        dHidden: stepOf(dHidden, t),
      });
      if (dhAll !== null) dh[0].dispose();
      fromNext?.dispose();
      fromNext = stepOf(dHidden, t).matmul(wHh);
    }
    const grads: (Tensor | null)[] = present.map(() => null);
    const set = (r: Role, grad: () => Tensor): void => {
      if (slot(r) >= 0 && needed[slot(r)]) grads[slot(r)] = grad();
    };
    const rowsIn = dInput.reshape([T * B, G * H]);
    const rowsHidden = dHidden.reshape([T * B, G * H]);
    set("input", () => rowsIn.matmul(wIh).reshape([T, B, I]));
    set("wIh", () => rowsIn.T.matmul(input.reshape([T * B, I])));
    set("wHh", () => {
      // Step s read the state of step s − 1 (h0 at s = 0): in time order, forward reads out[t − 1], reverse out[t + 1].
      const first = order[0];
      const fromH0 = stepOf(dHidden, first).T.matmul(state.h0);
      if (T === 1) return fromH0;
      const later = dHidden.narrow(0, reverse ? 0 : 1, T - 1).reshape([(T - 1) * B, G * H]);
      const states = out.narrow(0, reverse ? 1 : 0, T - 1).reshape([(T - 1) * B, P]);
      return later.T.matmul(states).add(fromH0);
    });
    set("bIh", () => columnSums(rowsIn));
    set("bHh", () => columnSums(rowsHidden));
    set("wHr", () => dhAll!.reshape([T * B, P]).T.matmul(raw!.reshape([T * B, H])));
    set("h0", () => (cell.carriesHidden ? fromNext!.add(carry!) : fromNext!));
    set("c0", () => carry!);
    return grads;
  });
  const output = packed.narrow(0, 0, seqLength).reshape([T, B, P]);
  const hN = output.narrow(0, order[T - 1], 1).reshape([B, P]);
  const cN = cell.hasCell ? packed.narrow(0, seqLength, B * H).reshape([B, H]) : null;
  return { output, hN, cN };
}
