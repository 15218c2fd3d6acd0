/**
 * Scheduler state dicts: every plain value a scheduler holds in its own fields (numbers, strings, booleans, null
 * and arrays or plain objects of them), as PyTorch's `state_dict()` holds every attribute but the optimizer.
 * Functions (lambdas, scale functions) and the optimizer are not state; neither are `#private` fields.
 *
 * @module
 */

/** A value a scheduler state dict holds: JSON-like data. */
export type StateValue = number | string | boolean | null | StateValue[] | { [key: string]: StateValue };

/** A scheduler's state, by field name (PyTorch's attribute names in camelCase: `lastEpoch`, `baseLrs`, …). */
export type SchedulerStateDict = Record<string, StateValue>;

function isStateValue(value: unknown): value is StateValue {
  if (value === null || ["number", "string", "boolean"].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isStateValue);
  return typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype &&
    Object.values(value as object).every(isStateValue);
}

/** A copy of the plain values among `owner`'s own fields. */
export function stateOf(owner: object): SchedulerStateDict {
  return structuredClone(Object.fromEntries(Object.entries(owner).filter(([, v]) => isStateValue(v))));
}

/** What kind of state value `value` is: null, an array, or its `typeof`. */
function kind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/**
 * Writes `state` (a copy) into `owner`'s fields; throws, changing nothing, when `state` is not an object, a key is
 * not one of its state fields, or a value is of another kind (a string for a number, …) than the field holds
 * (null, where a field may be unset, goes either way).
 */
export function loadState(owner: object, state: SchedulerStateDict): void {
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw new TypeError(
      `${owner.constructor.name}.loadStateDict expects a state dict object, got ${kind(state)}`,
    );
  }
  const current = stateOf(owner);
  const keys = Object.keys(current);
  for (const [key, value] of Object.entries(state)) {
    if (!keys.includes(key)) {
      throw new Error(
        `Unexpected key "${key}" in the state dict of ${owner.constructor.name}: expected some of ${
          keys.join(", ")
        }`,
      );
    }
    const [want, got] = [kind(current[key]), kind(value)];
    if (want !== got && want !== "null" && got !== "null") {
      throw new TypeError(
        `Invalid "${key}" in the state dict of ${owner.constructor.name}: expected a ${want}, got a ${got}`,
      );
    }
  }
  Object.assign(owner, structuredClone(state));
}

/** Anything with a state dict. */
export interface Stateful {
  /** Its state. */
  stateDict(): SchedulerStateDict;
  /** Restores its state. */
  loadStateDict(state: SchedulerStateDict): void;
}

/** A state dict with the wrapped schedulers' state dicts under `schedulers`. */
export function withChildren(owner: object, children: readonly Stateful[]): SchedulerStateDict {
  return { ...stateOf(owner), schedulers: children.map((s) => s.stateDict()) };
}

/** Restores {@link withChildren}'s state dict into `owner` and its wrapped schedulers. */
export function loadWithChildren(
  owner: object,
  children: readonly Stateful[],
  state: SchedulerStateDict,
): void {
  const { schedulers, ...own } = state;
  if (!Array.isArray(schedulers) || schedulers.length !== children.length) {
    throw new Error(
      `The state dict of ${owner.constructor.name} holds ${
        Array.isArray(schedulers) ? schedulers.length : "no"
      } scheduler states under "schedulers", expected ${children.length}`,
    );
  }
  loadState(owner, own);
  children.forEach((child, i) => child.loadStateDict(schedulers[i] as SchedulerStateDict));
}
