/**
 * Packed storage for multi-tensor optimizer steps (PyTorch's foreach/fused kernels, FSDP's flat parameters): the
 * parameters of one group that share a device and dtype, each of their state tensors, and their gradients are laid
 * out end to end in one buffer per kind, so one kernel over a range of the buffers updates them all.
 *
 * Every parameter stays its own tensor of its own shape: at its first step a parameter that owns its memory moves
 * into the pack (it becomes a view of the pack's memory, as after `p.setData(view)`, or PyTorch's `p.data = view`),
 * so views of it taken before its first step, `p.detach()` or `module.stateDict()`'s, keep the values from before;
 * those taken later follow it. A parameter that is a view of a larger tensor keeps its memory (the larger tensor
 * sees its updates) and is copied into the pack before each kernel and back after. State tensors are views of the pack (`state.expAvg` has the parameter's shape; a state dict reads each
 * one alone). Gradients are copied into the pack before each kernel (a buffer-to-buffer copy on WebGPU, no
 * dispatch). A state tensor that is not the pack's view (a loaded state dict's) is copied in on the next step.
 *
 * @module
 */
import type { Device } from "../backends/device.ts";
import { zeros } from "../tensor/creation.ts";
import { bytesPerElement, type DType } from "../tensor/dtype.ts";
import { copyInto } from "../tensor/elementwise.ts";
import { keep, type Storage } from "../tensor/memory.ts";
import { isContiguous } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import type { State } from "./state_dict.ts";

/** Every slot starts at a multiple of these elements (4-byte copies of float16, whole SIMD vectors of float32). */
const ALIGN = 4;
/** The most bytes one buffer of a pack holds (WebGPU's default binding size), unless one tensor needs more. */
const PACK_BYTES = 1 << 27;

/** The storages of packs: a parameter living in one may move to another, as no user view can be relied on there. */
const packStorages = new WeakSet<Storage>();

/** The tensors of one pack over a range of its members: what one kernel reads and writes. */
export interface PackedRange {
  /** The parameters, end to end (1-d). */
  param: Tensor;
  /** Their gradients, end to end. */
  grad: Tensor;
  /** Each state tensor's values, end to end, by name. */
  state: Record<string, Tensor>;
}

/** Consecutive members of a pack, `first` to `last`, that one kernel updates, and their states. */
export interface PackRun {
  /** The first member's position. */
  first: number;
  /** The last member's position. */
  last: number;
  /** The members' states, in order. */
  states: State[];
  /** Whether this step created their state tensors. */
  fresh: boolean;
  /** Their gradients' dtype. */
  gradDtype: DType;
}

/** One buffer of a pack: a tensor per member at its slot, shaped as the member, and 1-d ranges. */
class Section {
  readonly #storage: Storage;
  /** One view per member, shaped as the member's parameter. */
  readonly views: readonly Tensor[];
  /** Whether each view still holds the zeros the buffer was made with (nothing was written to it). */
  readonly zeroed: boolean[];
  readonly #ranges = new Map<string, Tensor>();

  constructor(
    members: readonly Tensor[],
    offsets: readonly number[],
    length: number,
    dtype: DType,
    device: Device,
  ) {
    const root = zeros([length], { dtype, device });
    this.#storage = root.storage;
    packStorages.add(this.#storage);
    this.views = members.map((p, i) => keep(new Tensor(this.#storage, p.shape, undefined, offsets[i])));
    this.zeroed = members.map(() => true);
    root.dispose();
  }

  /** The elements from `start` to `end` as one 1-d tensor (made once per range). */
  range(start: number, end: number): Tensor {
    const key = `${start}:${end}`;
    let view = this.#ranges.get(key);
    if (view === undefined) {
      this.#ranges.set(key, view = keep(new Tensor(this.#storage, [end - start], [1], start)));
    }
    return view;
  }
}

/**
 * The parameters of one group on one device in one dtype (or a share of them below {@link PACK_BYTES}), with
 * `names`' state tensors, packed.
 *
 * @example
 * ```ts
 * import { tensor } from "@gradstep/gradstep";
 * import { ParamPack } from "./param_pack.ts";
 * const [w, b] = [tensor([[1, 2], [3, 4]]).requiresGrad_(), tensor([5, 6]).requiresGrad_()];
 * [w.grad, b.grad] = [tensor([[1, 1], [1, 1]]), tensor([1, 1])];
 * const pack = new ParamPack([w, b], ["momentumBuffer"]);
 * const [run] = pack.runs(() => ({}), () => 0); // w and b moved in, their buffers made: one run
 * const range = pack.gather(run.first, run.last, "float32"); // range.param: [1, 2, 3, 4, 5, 6]
 * range.param.sub_(range.grad.mul(0.5)); // both parameters updated by one kernel
 * pack.scatter(run.first, run.last);
 * ```
 */
export class ParamPack {
  /** The parameters, in the group's order. */
  readonly members: readonly Tensor[];
  /** The state tensors packed, by name, in the optimizer's order. */
  readonly names: readonly string[];
  readonly #offsets: number[];
  readonly #params: Section;
  readonly #states: Record<string, Section>;
  readonly #grads = new Map<DType, Section>();
  /** Makes the gradients' buffer of a dtype, on the first step with gradients of that dtype. */
  readonly #grad: (dtype: DType) => Section;
  /** Whether each member lives in the pack this step (else it is copied in before the kernel and out after). */
  readonly #resident: boolean[];

  constructor(members: readonly Tensor[], names: readonly string[]) {
    this.members = members;
    this.names = names;
    let length = 0;
    this.#offsets = members.map((p) => {
      const at = length;
      length += Math.ceil(p.numel / ALIGN) * ALIGN;
      return at;
    });
    const { dtype, device } = members[0];
    const section = (t: DType): Section => new Section(members, this.#offsets, length, t, device);
    this.#params = section(dtype);
    this.#states = Object.fromEntries(names.map((n) => [n, section(dtype)]));
    this.#grad = section;
    this.#resident = members.map(() => false);
  }

  /** Whether every member is still on the pack's device in its dtype (`setData` may move one elsewhere). */
  fits(): boolean {
    const { dtype, device } = this.#params.views[0];
    return this.members.every((p) => p.dtype === dtype && p.device === device);
  }

  /**
   * Puts member `i`'s parameter and its `state` tensors in the pack, where they are not already: the parameter
   * moves in when it owns its memory (or its memory is another pack's); a state tensor missing from `state` starts at `initial`'s
   * value. Returns whether a state tensor was created.
   */
  adopt(i: number, state: State, initial: (name: string) => number): boolean {
    const p = this.members[i];
    const slot = this.#params.views[i];
    if (p.storage !== slot.storage || p.offset !== slot.offset) {
      const movable = packStorages.has(p.storage) || (p.numel === p.storage.length && isContiguous(p));
      if (movable) {
        copyInto(slot, p);
        p.setData(slot);
        keep(p);
      }
      this.#resident[i] = movable;
    } else {
      this.#resident[i] = true;
    }
    let fresh = false;
    for (const name of this.names) {
      const section = this.#states[name];
      const view = section.views[i];
      const current = state[name];
      if (current === view) continue;
      if (current instanceof Tensor) copyInto(view, current);
      else {
        const value = initial(name);
        if (value !== 0 || !section.zeroed[i]) view.fill_(value);
        fresh = true;
      }
      section.zeroed[i] = false;
      state[name] = view;
    }
    return fresh;
  }

  /**
   * The members that have gradients, each put in the pack ({@link ParamPack.adopt}) with its state from `stateOf`,
   * in runs that one kernel updates: consecutive members whose gradients share a dtype and whose states share a
   * step count and freshness.
   */
  runs(stateOf: (p: Tensor) => State, initial: (name: string) => number): PackRun[] {
    const runs: PackRun[] = [];
    let run: PackRun | undefined;
    this.members.forEach((p, i) => {
      if (p.grad === null) return void (run = undefined);
      const state = stateOf(p);
      const fresh = this.adopt(i, state, initial);
      const gradDtype = p.grad.dtype;
      const joins = run !== undefined && run.fresh === fresh && run.gradDtype === gradDtype &&
        run.states[0].step === state.step;
      if (joins) {
        run!.last = i;
        run!.states.push(state);
      } else runs.push(run = { first: i, last: i, states: [state], fresh, gradDtype });
    });
    return runs;
  }

  /** The packed tensors of members `first` to `last`, with their gradients (of `gradDtype`) copied in. */
  gather(first: number, last: number, gradDtype: DType): PackedRange {
    let grads = this.#grads.get(gradDtype);
    if (grads === undefined) this.#grads.set(gradDtype, grads = this.#grad(gradDtype));
    for (let i = first; i <= last; i++) {
      copyInto(grads.views[i], this.members[i].grad!);
      if (!this.#resident[i]) copyInto(this.#params.views[i], this.members[i]);
    }
    const start = this.#offsets[first];
    const end = this.#offsets[last] + this.members[last].numel;
    return {
      param: this.#params.range(start, end),
      grad: grads.range(start, end),
      state: Object.fromEntries(this.names.map((n) => [n, this.#states[n].range(start, end)])),
    };
  }

  /** Copies the members from `first` to `last` that do not live in the pack back to their own memory. */
  scatter(first: number, last: number): void {
    for (let i = first; i <= last; i++) {
      if (!this.#resident[i]) copyInto(this.members[i], this.#params.views[i]);
    }
  }
}

/**
 * `params` packed with `names`' state tensors: one pack per device and dtype, in order, each below
 * {@link PACK_BYTES} per buffer (a parameter larger than that alone); a parameter listed again goes to another.
 *
 * @example
 * ```ts
 * import { zeros } from "@gradstep/gradstep";
 * import { packParams } from "./param_pack.ts";
 * const params = [zeros([3]), zeros([2], { dtype: "float16" }), zeros([4])];
 * const packs = packParams(params, ["expAvg", "expAvgSq"]); // two: the float32 tensors, the float16 one
 * ```
 */
export function packParams(params: readonly Tensor[], names: readonly string[]): ParamPack[] {
  // A parameter listed twice (PyTorch warns, and steps it twice) goes to a second pack: one kernel cannot
  // update one tensor twice.
  const kinds: { occurrence: number; members: Tensor[] }[] = [];
  const seen = new Map<Tensor, number>();
  for (const p of params) {
    const times = seen.get(p) ?? 0;
    seen.set(p, times + 1);
    const kind = kinds.find(({ occurrence, members: [q] }) =>
      occurrence === times && q.device === p.device && q.dtype === p.dtype
    );
    if (kind === undefined) kinds.push({ occurrence: times, members: [p] });
    else kind.members.push(p);
  }
  const packs: ParamPack[] = [];
  for (const { members: list } of kinds) {
    let members: Tensor[] = [];
    let bytes = 0;
    for (const p of list) {
      const size = Math.ceil(p.numel / ALIGN) * ALIGN * Math.max(bytesPerElement(p.dtype), 4);
      if (members.length > 0 && bytes + size > PACK_BYTES) {
        packs.push(new ParamPack(members, names));
        [members, bytes] = [[], 0];
      }
      members.push(p);
      bytes += size;
    }
    if (members.length > 0) packs.push(new ParamPack(members, names));
  }
  return packs;
}
