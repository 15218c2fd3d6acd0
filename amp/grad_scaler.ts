/**
 * `GradScaler`: loss scaling for float16 training, as PyTorch 1.13's `torch.cuda.amp.GradScaler`, deciding on the
 * device.
 *
 * @module
 */
import { noGrad } from "../autograd/node.ts";
import { full, zeros } from "../tensor/creation.ts";
import { runKernelInto } from "../tensor/elementwise.ts";
import { keep } from "../tensor/memory.ts";
import { Tensor } from "../tensor/tensor.ts";
import { anything, boolean, checkOptions, number, shown } from "../tensor/validation.ts";
import { type AnyOptimizer, markOptimizerStepSkipped } from "../optim/lr_scheduler/step_order.ts";
import { ElementwiseOptimizer } from "../optim/elementwise_optimizer.ts";
import { Optimizer } from "../optim/optimizer.ts";
import { foundFrom, unscaleCountingNonFinite, updateScaleKernel } from "./amp_kernels.ts";

/** Options of {@link GradScaler} (PyTorch's defaults). */
export interface GradScalerOptions {
  /** The first scale (default 2¹⁶). */
  initScale?: number;
  /** The scale is multiplied by this after `growthInterval` steps in a row without inf/NaN (default 2). */
  growthFactor?: number;
  /** The scale is multiplied by this after a step with inf/NaN gradients (default 0.5). */
  backoffFactor?: number;
  /** Steps in a row without inf/NaN gradients before the scale grows (default 2000). */
  growthInterval?: number;
  /** When false, every method passes through: `scale` returns the loss, `step` calls `optimizer.step()`. */
  enabled?: boolean;
}

/** {@link GradScaler.stateDict}'s layout: PyTorch's keys in camelCase (`_growth_tracker` → `growthTracker`). */
export interface GradScalerStateDict {
  /** The current scale. */
  scale: number;
  /** See {@link GradScalerOptions.growthFactor}. */
  growthFactor: number;
  /** See {@link GradScalerOptions.backoffFactor}. */
  backoffFactor: number;
  /** See {@link GradScalerOptions.growthInterval}. */
  growthInterval: number;
  /** Steps without inf/NaN since the scale last changed. */
  growthTracker: number;
}

/** Where an optimizer is in the current iteration, as PyTorch's OptState. */
interface OptimizerStage {
  stage: "unscaled" | "stepped";
  /** 1 when a gradient was inf or NaN, else 0 (a 0-d float32 tensor on the device); null when none had a grad. */
  foundInf: Tensor | null;
}

const FIX = "This may indicate your script did not use scaler.scale(loss) earlier in the iteration.";

/**
 * Scales the loss so that float16 gradients do not underflow, unscales the gradients before the optimizer uses
 * them, skips steps whose gradients overflowed (inf/NaN), and adapts the scale: PyTorch 1.13's
 * `torch.cuda.amp.GradScaler`, with its defaults, its update rule and its errors.
 *
 * On WebGPU nothing is read back: the inf/NaN check, the skip (the update runs and is kept only where no gradient
 * overflowed, see `Optimizer.stepUnless`), the step counts and schedule numbers that updates read (Adam's bias
 * corrections, ASGD's eta and mu, NAdam's momentum product, …) and the new scale are all decided on the device, so
 * a training loop with a GradScaler reads device memory only where it asks to (`await getScale()`, metrics). On
 * the CPU the flag is read (it is host memory) and a skipped step is not run at all, exactly as PyTorch does; both
 * give PyTorch's numbers. Every optimizer with a per-parameter update skips on the device except
 * ScheduleFreeAdamW, whose float64 schedule over the lrs of the steps taken throws there (not on the CPU); LBFGS
 * (a closure) is refused as PyTorch refuses it. The growth and backoff factors are float32 on the device, where
 * PyTorch multiplies the float32 scale by a double: the same scales for factors exact in float32 (the defaults 2
 * and 0.5, any power of two), within one rounding otherwise.
 *
 * @example
 * ```ts
 * import { autocast, GradScaler } from "@gradstep/gradstep/amp";
 * import { CrossEntropyLoss, Linear } from "@gradstep/gradstep/nn";
 * import { Adam } from "@gradstep/gradstep/optim";
 * import { randn, tensor } from "@gradstep/gradstep";
 * const model = new Linear(16, 4);
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
 * const scaler = new GradScaler();
 * const criterion = new CrossEntropyLoss();
 * for (let step = 0; step < 3; step++) {
 *   optimizer.zeroGrad();
 *   const loss = autocast(() => criterion.forward(model.forward(randn([8, 16])), tensor([0, 1, 2, 3, 0, 1, 2, 3], { dtype: "int32" })));
 *   scaler.scale(loss).backward();
 *   scaler.step(optimizer);
 *   scaler.update();
 * }
 * console.log(await scaler.getScale()); // 65536
 * ```
 */
export class GradScaler {
  #enabled: boolean;
  #initScale: number;
  #growthFactor: number;
  #backoffFactor: number;
  #growthInterval: number;
  #initGrowthTracker = 0;
  #scale: Tensor | null = null;
  #growthTracker: Tensor | null = null;
  #optimizers = new Map<AnyOptimizer, OptimizerStage>();

  /** A scaler with PyTorch's defaults unless `options` says otherwise. */
  constructor(options: GradScalerOptions = {}) {
    const spec = {
      initScale: number,
      growthFactor: number,
      backoffFactor: number,
      growthInterval: anything,
      enabled: boolean,
    };
    checkOptions("GradScaler", options, spec);
    const {
      initScale = 2 ** 16,
      growthFactor = 2,
      backoffFactor = 0.5,
      growthInterval = 2000,
      enabled = true,
    } = options;
    this.#enabled = enabled;
    checkFactors(growthFactor, backoffFactor, growthInterval);
    checkScale("initScale", initScale);
    this.#initScale = initScale;
    this.#growthFactor = growthFactor;
    this.#backoffFactor = backoffFactor;
    this.#growthInterval = growthInterval;
  }

  /**
   * Whether the scaler is on.
   *
   * @example
   * ```ts
   * import { GradScaler } from "@gradstep/gradstep/amp";
   * const scaler = new GradScaler({ enabled: Deno.args.includes("--amp") });
   * if (scaler.isEnabled()) console.log("mixed precision");
   * ```
   */
  isEnabled(): boolean {
    return this.#enabled;
  }

  /** `loss` multiplied by the scale (on the loss's device; the scale is created there on first use). */
  scale(loss: Tensor): Tensor {
    if (!this.#enabled) return loss;
    if (!(loss instanceof Tensor)) {
      throw new TypeError(`GradScaler.scale() expected a Tensor, got ${typeof loss}`);
    }
    if (this.#scale === null) {
      this.#scale = keep(full([], this.#initScale, { dtype: "float32", device: loss.device }));
      this.#growthTracker = keep(full([], this.#initGrowthTracker, { dtype: "int32", device: loss.device }));
    }
    return loss.mul(this.#scale);
  }

  #checkScale(funcname: string): Tensor {
    if (this.#scale === null) throw new Error(`Attempted ${funcname} but _scale is None.  ${FIX}`);
    return this.#scale;
  }

  /**
   * Divides `optimizer`'s gradients by the scale in place (e.g. before clipping them) and records, on the device,
   * whether any was inf or NaN. At most once per optimizer between `update()`s, as in PyTorch.
   *
   * @example
   * ```ts
   * import { clipGradNorm } from "@gradstep/gradstep/nn";
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * import { GradScaler } from "@gradstep/gradstep/amp";
   * const model = new Linear(4, 2);
   * const optimizer = new SGD(model.parameters(), { lr: 0.1 });
   * const scaler = new GradScaler();
   * scaler.scale(model.forward(randn([3, 4])).sum()).backward();
   * scaler.unscale(optimizer); // the true gradients, to clip
   * clipGradNorm(model.parameters(), 1.0);
   * scaler.step(optimizer); // does not unscale again
   * scaler.update();
   * ```
   */
  unscale(optimizer: AnyOptimizer): void {
    if (!this.#enabled) return;
    const scale = this.#checkScale("unscale_");
    const stage = this.#optimizers.get(optimizer)?.stage;
    if (stage === "unscaled") {
      throw new Error("unscale_() has already been called on this optimizer since the last update().");
    }
    if (stage === "stepped") throw new Error("unscale_() is being called after step().");
    const grads = optimizer.paramGroups.flatMap((g) => g.params).map((p) => p.grad).filter((g) => g !== null);
    if (grads.some((g) => g.dtype === "float16")) {
      throw new TypeError("Attempting to unscale FP16 gradients.");
    }
    if (grads.length === 0) {
      this.#optimizers.set(optimizer, { stage: "unscaled", foundInf: null });
      return;
    }
    const foundInf = noGrad(() => {
      const invScale = scale.pow(-1);
      let acc = zeros([], { device: scale.device });
      for (const g of grads) {
        const flag = unscaleCountingNonFinite(g, invScale);
        const next = acc.add(flag);
        acc.dispose();
        flag.dispose();
        acc = next;
      }
      invScale.dispose();
      const found = foundFrom(acc);
      acc.dispose();
      return found;
    });
    this.#optimizers.set(optimizer, { stage: "unscaled", foundInf: keep(foundInf) });
  }

  /**
   * Unscales the gradients (unless `unscale` already did) and steps `optimizer` unless a gradient is inf or NaN.
   * An elementwise optimizer (SGD, Adam, RMSprop, …) decides on the device on every backend, reading nothing, as
   * PyTorch's fused optimizers do; so does every other optimizer on WebGPU, which cannot read synchronously. Any
   * other optimizer on the CPU reads the flag, as PyTorch's `GradScaler` does, and a skipped step is not run and
   * is reported to the schedulers with `markOptimizerStepSkipped`. Once per optimizer between `update()`s.
   */
  step(optimizer: AnyOptimizer): void {
    if (!(optimizer instanceof Optimizer)) {
      throw new Error("Closure use is not currently supported if GradScaler is enabled.");
    }
    if (!this.#enabled) {
      optimizer.step();
      return;
    }
    this.#checkScale("step");
    if (this.#optimizers.get(optimizer)?.stage === "stepped") {
      throw new Error("step() has already been called since the last update().");
    }
    if (this.#optimizers.get(optimizer) === undefined) this.unscale(optimizer);
    const state = this.#optimizers.get(optimizer)!;
    const foundInf = state.foundInf;
    if (foundInf === null) throw new Error("No inf checks were recorded for this optimizer.");
    const readable = foundInf.device.backend.readSync !== undefined;
    if (optimizer instanceof ElementwiseOptimizer || !readable) optimizer.stepUnless(foundInf);
    else if (foundInf.dataSync()[0] === 0) optimizer.step();
    else markOptimizerStepSkipped(optimizer);
    state.stage = "stepped";
  }

  /**
   * Updates the scale for the next iteration from whether any optimizer's gradients had inf/NaN (PyTorch's
   * `_amp_update_scale_`, on the device), or sets it to `newScale`.
   */
  update(newScale?: number | Tensor): void {
    if (!this.#enabled) return;
    const scale = this.#checkScale("update");
    const tracker = this.#growthTracker!;
    noGrad(() => {
      if (newScale !== undefined) {
        if (typeof newScale === "number") {
          checkScale("newScale", newScale);
          scale.fill_(newScale);
        } else {
          if (!(newScale instanceof Tensor) || newScale.numel !== 1 || newScale.requiresGrad) {
            throw new TypeError(
              "new_scale should be a number or a 1-element float32 Tensor with requiresGrad false.",
            );
          }
          scale.copy_(newScale.reshape([]));
        }
        return;
      }
      const found = [...this.#optimizers.values()].map((s) => s.foundInf).filter((f) => f !== null);
      if (found.length === 0) throw new Error("No inf checks were recorded prior to update.");
      const combined = found.slice(1).reduce((a, b) => a.add(b), found[0]);
      runKernelInto(updateScaleKernel(), [scale, tracker, combined], [scale, tracker], [
        this.#growthFactor,
        this.#backoffFactor,
        this.#growthInterval,
      ]);
      if (combined !== found[0]) combined.dispose();
    });
    for (const s of this.#optimizers.values()) s.foundInf?.dispose();
    this.#optimizers.clear();
  }

  /** Resolves to the current scale (reads it from the device); 1 when disabled, `initScale` before first use. */
  async getScale(): Promise<number> {
    if (!this.#enabled) return 1;
    return this.#scale === null ? this.#initScale : await this.#scale.item();
  }

  /**
   * Resolves to the scaler's state in PyTorch's layout (camelCase keys); `{}` when disabled.
   *
   * @example
   * ```ts
   * import { SGD } from "@gradstep/gradstep/optim";
   * import { Linear } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * import { GradScaler } from "@gradstep/gradstep/amp";
   * const model = new Linear(4, 2);
   * const optimizer = new SGD(model.parameters(), { lr: 0.1 });
   * const scaler = new GradScaler();
   * scaler.scale(model.forward(randn([3, 4])).sum()).backward();
   * scaler.step(optimizer);
   * scaler.update();
   * const saved = await scaler.stateDict(); // { scale: 65536, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000, growthTracker: 1 }
   * ```
   */
  async stateDict(): Promise<GradScalerStateDict | Record<string, never>> {
    if (!this.#enabled) return {};
    return {
      scale: await this.getScale(),
      growthFactor: this.#growthFactor,
      backoffFactor: this.#backoffFactor,
      growthInterval: this.#growthInterval,
      growthTracker: this.#growthTracker === null
        ? this.#initGrowthTracker
        : await this.#growthTracker.item(),
    };
  }

  /**
   * Restores a {@link GradScaler.stateDict}; throws, changing nothing, when it does not fit.
   *
   * @example
   * ```ts
   * import { GradScaler } from "@gradstep/gradstep/amp";
   * const saved = await new GradScaler({ initScale: 1024 }).stateDict();
   * const scaler = new GradScaler();
   * scaler.loadStateDict(saved); // await scaler.getScale(): 1024
   * ```
   */
  loadStateDict(stateDict: GradScalerStateDict | Record<string, never>): void {
    if (!this.#enabled) return;
    if (Object.keys(stateDict).length === 0) {
      throw new Error(
        "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.",
      );
    }
    const sd = stateDict as GradScalerStateDict;
    for (
      const key of ["scale", "growthFactor", "backoffFactor", "growthInterval", "growthTracker"] as const
    ) {
      if (typeof sd[key] !== "number") {
        throw new TypeError(`GradScaler state dict: expected ${key} to be a number, got ${typeof sd[key]}`);
      }
    }
    checkFactors(sd.growthFactor, sd.backoffFactor, sd.growthInterval);
    checkScale("scale", sd.scale);
    if (!(Number.isInteger(sd.growthTracker) && sd.growthTracker >= 0)) {
      throw new RangeError(
        `GradScaler state dict: growthTracker must be an integer >= 0, got ${sd.growthTracker}`,
      );
    }
    this.#initScale = sd.scale;
    this.#growthFactor = sd.growthFactor;
    this.#backoffFactor = sd.backoffFactor;
    this.#growthInterval = sd.growthInterval;
    this.#initGrowthTracker = sd.growthTracker;
    noGrad(() => {
      this.#scale?.fill_(sd.scale);
      this.#growthTracker?.fill_(sd.growthTracker);
    });
  }
}

/**
 * PyTorch's checks of the factors (and that the backoff factor is > 0, which would otherwise zero or flip the
 * scale), and that the interval is a positive integer.
 */
function checkFactors(growthFactor: number, backoffFactor: number, growthInterval: number): void {
  if (!(growthFactor > 1)) throw new RangeError(`The growth factor must be > 1.0, got ${growthFactor}.`);
  if (!(backoffFactor < 1)) throw new RangeError(`The backoff factor must be < 1.0, got ${backoffFactor}.`);
  if (!(backoffFactor > 0)) throw new RangeError(`The backoff factor must be > 0, got ${backoffFactor}.`);
  if (!(typeof growthInterval === "number" && Number.isInteger(growthInterval) && growthInterval > 0)) {
    throw new RangeError(`growthInterval must be a positive integer, got ${shown(growthInterval)}`);
  }
}

/** Throws unless `value`, a scale, is a finite number > 0. */
function checkScale(name: string, value: number): void {
  if (!(value > 0 && Number.isFinite(value))) {
    throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
  }
}
