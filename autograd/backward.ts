/**
 * The backward pass: walks the tape from a root in reverse topological order, applies each node's rule, and
 * accumulates into the `.grad` of leaves (and of tensors that asked to retain theirs), exactly as PyTorch does.
 * Intermediate gradients are disposed when the pass ends.
 *
 * @module
 */
import { full } from "../tensor/creation.ts";
import { cast, copyInto } from "../tensor/elementwise.ts";
import { withAutocast } from "../tensor/autocast_policy.ts";
import { keep, onlyInInnermostScope, tidy } from "../tensor/memory.ts";
import { empty, isContiguous, sameShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { type Node, noGrad } from "./node.ts";
import { type NarrowedGradient, narrowGradient, type Rule, rules } from "./rules.ts";

/** Every node reachable from `root`, each after all nodes that consume its output. */
function reverseTopological(root: Node): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>([root]);
  const stack: [Node, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (node.released) {
      throw new Error(
        "Trying to backward through the graph a second time (or directly access saved tensors after they have " +
          "already been freed). Saved intermediate values of the graph are freed when you call .backward(). " +
          "Specify retainGraph: true if you need to backward through the graph a second time",
      );
    }
    if (i < node.inputs.length) {
      top[1]++;
      const next = node.inputs[i].gradFn;
      if (next !== null && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

function checkSeed(root: Tensor, gradient: Tensor | undefined): Tensor {
  if (gradient === undefined) {
    if (root.numel !== 1) {
      throw new Error(
        `grad can be implicitly created only for scalar outputs; this output has shape [${root.shape}]`,
      );
    }
    // Written from the host rather than filled by a kernel: an upload, no dispatch.
    return full(root.shape, 1, { dtype: root.dtype, device: root.device });
  }
  if (!sameShape(gradient.shape, root.shape)) {
    throw new Error(
      `Mismatch in shape: grad_output[0] has a shape of [${gradient.shape}] and output[0] has a shape of [${root.shape}]`,
    );
  }
  if (gradient.device !== root.device) {
    throw new Error(`Gradient is on ${gradient.device}, but the tensor is on ${root.device}`);
  }
  return cast(gradient, root.dtype);
}

/**
 * `g` as a gradient `t` may own: t's dtype, contiguous, in storage nothing else holds once the backward pass's
 * scope ends (a weight's gradient is a view of the product that made it, which the scope disposes).
 */
function owned(g: Tensor, t: Tensor, userGradient: Tensor | undefined, claimed: Set<unknown>): Tensor {
  const own = g !== userGradient && g.dtype === t.dtype && isContiguous(g) && g.offset === 0 &&
    g.numel === g.storage.length && (g.storage.refs === 1 || onlyInInnermostScope(g.storage)) &&
    !claimed.has(g.storage);
  const result = own ? g : copyInto(empty(t.shape, t), g);
  claimed.add(result.storage);
  return result;
}

function add(map: Map<unknown, Tensor>, key: unknown, g: Tensor): void {
  const prior = map.get(key);
  map.set(key, prior === undefined ? g : prior.add(g));
}

/** Applies the rules of `order` from the root's gradient; returns the gradients of leaves and retained tensors. */
function propagate(
  root: Tensor,
  seed: Tensor,
  order: readonly Node[],
  retainGraph: boolean,
): Map<Tensor, Tensor> {
  const nodeGrads = new Map<unknown, Tensor>();
  const finalGrads = new Map<unknown, Tensor>();
  /** Where `t`'s gradient is summed: by its node for a computed tensor, by the tensor itself for a leaf. */
  const slotOf = (t: Tensor): { map: Map<unknown, Tensor>; key: unknown } =>
    t.gradFn === null ? { map: finalGrads, key: t } : { map: nodeGrads, key: t.gradFn };
  // The gradients of views narrowed from one tensor (a split's pieces) wait here until every one has arrived, and
  // then make that tensor's gradient together: one kernel writes them all, and no sum of zero-padded pieces.
  const narrowed = new Map<unknown, { input: Tensor; pieces: NarrowedGradient[] }>();
  const settle = (key: unknown): void => {
    const pending = narrowed.get(key);
    if (pending === undefined) return;
    narrowed.delete(key);
    const { input, pieces } = pending;
    const [first] = pieces;
    const g = pieces.length === 1 &&
        sameShape(first.g.shape, input.shape.map((s, d) => (d === first.dim ? first.size : s)))
      ? rules.narrow(first.g, [input], input, first, [true], () => null)[0]!
      : narrowGradient(input, pieces);
    add(slotOf(input).map, key, g);
  };
  const defer = (node: Node, g: Tensor): void => {
    const [input] = node.inputs;
    const { key } = slotOf(input);
    const { dim, start } = node.args as { dim: number; start: number };
    const pending = narrowed.get(key) ?? { input, pieces: [] };
    pending.pieces.push({ dim, start, size: node.output!.shape[dim], g });
    narrowed.set(key, pending);
  };
  // A reshape of a narrowed view that nothing else reads passes its gradient straight to the narrow's input, to
  // be written through a view in the reshape's shape, instead of copying it into the view's shape first.
  const consumers = new Map<Node, number>();
  for (const node of order) {
    for (const t of node.inputs) {
      if (t.gradFn !== null) consumers.set(t.gradFn, (consumers.get(t.gradFn) ?? 0) + 1);
    }
  }
  const narrowBelow = (node: Node): Node | null => {
    const below = node.inputs[0]?.gradFn ?? null;
    const through = node.op === "reshape" && below !== null && below.op === "narrow" &&
      consumers.get(below) === 1 && !node.inputs[0].retainsGrad && below.inputs[0].requiresGrad;
    return through ? below : null;
  };
  const rootSlot = slotOf(root);
  add(rootSlot.map, rootSlot.key, seed);
  for (const node of order) {
    settle(node);
    const g = nodeGrads.get(node);
    const output = node.output!;
    if (g !== undefined && output.retainsGrad) add(finalGrads, output, g);
    const below = g === undefined ? null : narrowBelow(node);
    if (g !== undefined && below !== null) defer(below, g);
    else if (g !== undefined && node.op === "narrow" && node.inputs[0].requiresGrad) defer(node, g);
    else if (g !== undefined) {
      const needed = node.inputs.map((t) => t.requiresGrad);
      const takeAccumulated = (i: number): Tensor | null => {
        const input = node.inputs[i];
        if (!needed[i] || node.inputs.indexOf(input) !== node.inputs.lastIndexOf(input)) return null;
        const { map, key } = slotOf(input);
        const prior = map.get(key);
        if (prior === undefined) return null;
        map.delete(key);
        return prior;
      };
      const grads = (rules[node.op] as Rule<unknown>)(
        g,
        node.inputs,
        output,
        node.args,
        needed,
        takeAccumulated,
      );
      node.inputs.forEach((input, i) => {
        const gi = grads[i];
        if (!input.requiresGrad || gi === null || gi === undefined) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new Error(
            `The rule of ${
              node.op === "fused" ? (node.args as { name: string }).name : node.op
            } gave a gradient of shape [${gi.shape}] for an input of shape [${input.shape}]`,
          );
        }
        // A gradient takes its input's dtype (a float16 product added to a float32 residual under autocast gets
        // a float32 gradient from the add), as PyTorch's engine casts it.
        const typed = gi.dtype === input.dtype ? gi : cast(gi, input.dtype);
        const { map, key } = slotOf(input);
        add(map, key, typed);
      });
    }
    if (!retainGraph) {
      node.released = true;
      node.inputs = [];
      node.output = null;
    }
  }
  for (const key of [...narrowed.keys()]) settle(key);
  return finalGrads as Map<Tensor, Tensor>;
}

/**
 * Runs backward from `root` (seeded with `gradient`, or 1 for a one-element root) and frees the graph unless
 * `retainGraph`.
 */
export function backward(root: Tensor, gradient: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new Error("element 0 of tensors does not require grad and does not have a grad_fn");
  }
  // Gradients run in the forward pass's dtypes: autocast is off during backward, as in PyTorch.
  const created = withAutocast(false, () =>
    noGrad(() =>
      tidy(() => {
        const seed = checkSeed(root, gradient);
        const order = root.gradFn === null ? [] : reverseTopological(root.gradFn);
        const claimed = new Set<unknown>();
        const fresh: Tensor[] = [];
        for (const [t, g] of propagate(root, seed, order, retainGraph)) {
          if (t.grad === null) fresh.push(t.grad = owned(g, t, gradient, claimed));
          else t.grad.add_(g);
        }
        return fresh;
      })
    ));
  for (const g of created) keep(g);
}
