/**
 * Schedule-Free AdamW (Defazio et al. 2024, "The Road Less Scheduled"), as the reference `AdamWScheduleFree` of
 * facebookresearch/schedule_free: no learning-rate schedule, an interpolation between an iterate z and its
 * weighted average x. Beyond PyTorch.
 *
 * @module
 */
import * as ir from "../backends/kernel_ir.ts";
import { zerosLike } from "../tensor/creation.ts";
import type { DType } from "../tensor/dtype.ts";
import { cachedKernel, copyInto, runKernelInto } from "../tensor/elementwise.ts";
import { empty } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { lerp } from "./lerp.ts";
import { check } from "./validation.ts";
import { Optimizer } from "./optimizer.ts";
import type { ParamGroup, Params, State } from "./state_dict.ts";

/** Schedule-Free AdamW's hyperparameters (the reference's defaults: lr 0.0025, betas [0.9, 0.999], eps 1e-8). */
export interface ScheduleFreeAdamWOptions {
  /** Learning rate (the peak: warmup ramps up to it, and no schedule brings it down). */
  lr: number;
  /** [β1, β2]: β1 interpolates between z and x (the momentum's role); β2 decays the second moment. */
  betas: [number, number];
  /** Added to the denominator √v̂ for numerical stability. */
  eps: number;
  /** Weight decay, evaluated at y and added to the normalized gradient. */
  weightDecay: number;
  /** Linear warmup of lr over this many steps. */
  warmupSteps: number;
  /** Polynomial weighting of the average: step k weighs k^r. */
  r: number;
  /** The average weighs each step by lrMax^weightLrPower (0: no weighting by lr). */
  weightLrPower: number;
}

/** The bookkeeping the reference keeps in every group (and so in the state dict's groups). */
export interface ScheduleFreeAdamWGroup extends ScheduleFreeAdamWOptions {
  /** Steps taken by this group. */
  k: number;
  /** Whether the parameters hold y (train mode) rather than x (eval mode). */
  trainMode: boolean;
  /** The sum of the weights of the steps so far. */
  weightSum: number;
  /** The largest (warmed-up) lr so far; −1 before the first step. */
  lrMax: number;
  /** The warmed-up lr of the last step (for logging). */
  scheduledLr: number;
}

/** Per group, the scalars of one step. */
interface StepScalars {
  lr: number;
  ckp1: number;
  biasCorrection2: number;
}

/**
 * The fused step, in the order of the reference's single-tensor path: v ← β2·v + (1−β2)·g·g;
 * ĝ = g / (√(v / bc2) + eps) (+ λ·y); y ← lerp(y, z, c); y ← y + lr·(β1·(1 − c) − 1)·ĝ; z ← z − lr·ĝ.
 */
function scheduleFreeKernel(p: Tensor, g: Tensor, decay: boolean): ir.Kernel {
  const t = p.dtype;
  return cachedKernel(`schedule-free-adamw:${t}:${g.dtype}:${decay}`, () =>
    ir.defineKernel(
      [t, g.dtype, t, t],
      [t, t, t, t, t, t, t, t],
      (
        [y, grad, z, v],
        [beta2, oneMinusBeta2, bc2, eps, weightDecay, ckp1, yStep, lr],
      ) => {
        const d = ir.cast(grad, t);
        const v2 = ir.add(ir.mul(v, beta2), ir.mul(ir.mul(oneMinusBeta2, d), d));
        let normalized = ir.div(d, ir.add(ir.sqrt(ir.div(v2, bc2)), eps));
        if (decay) normalized = ir.add(normalized, ir.mul(weightDecay, y));
        const y2 = ir.add(lerp(y, z, ckp1), ir.mul(yStep, normalized));
        return [y2, ir.sub(z, ir.mul(lr, normalized)), v2];
      },
    ));
}

/** `p ← lerp(p, z, w)`: the switch between y and x. */
function switchKernel(t: DType): ir.Kernel {
  return cachedKernel(
    `schedule-free-switch:${t}`,
    () => ir.defineKernel([t, t], [t], ([p, z], [w]) => [lerp(p, z, w)]),
  );
}

/** The group entries that hold the schedule's state, which the constructor's options may not set. */
const SCHEDULE_STATE = ["k", "trainMode", "weightSum", "lrMax", "scheduledLr"] as const;

/**
 * Schedule-Free AdamW, as `AdamWScheduleFree` of facebookresearch/schedule_free (v1.3–1.4): the parameters hold
 * y = (1 − β1)·z + β1·x while training and x (the average, the one to evaluate) after `eval()`. Call `train()`
 * before training steps (it throws otherwise, as the reference) and `eval()` before evaluating or saving.
 * One fused kernel per parameter; unlike the reference, the gradient is left as it was.
 *
 * @example
 * ```ts
 * import { ScheduleFreeAdamW } from "@gradstep/gradstep/optim";
 * import { Linear } from "@gradstep/gradstep/nn";
 * const model = new Linear(784, 10);
 * const optimizer = new ScheduleFreeAdamW(model.parameters(), { lr: 2.5e-3, warmupSteps: 100 });
 * optimizer.train(); // before the training steps
 * // … zeroGrad, forward, backward, optimizer.step() …
 * optimizer.eval(); // before evaluating or saving: the parameters become x
 * ```
 */
export class ScheduleFreeAdamW extends Optimizer<ScheduleFreeAdamWGroup> {
  /** This step's scalars per group, computed when the step's first parameter is updated. */
  #scalars = new Map<ParamGroup<ScheduleFreeAdamWGroup>, StepScalars>();

  /** An optimizer of `params` with the given hyperparameters (the reference's defaults otherwise). */
  constructor(params: Params<ScheduleFreeAdamWOptions>, options: Partial<ScheduleFreeAdamWOptions> = {}) {
    const internal = SCHEDULE_STATE.find((key) => key in options);
    if (internal !== undefined) {
      throw new TypeError(`Unexpected option ${internal}: it is ScheduleFreeAdamW's own schedule state`);
    }
    super(params, {
      lr: 0.0025,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      warmupSteps: 0,
      r: 0,
      weightLrPower: 2,
      k: 0,
      trainMode: false,
      weightSum: 0,
      lrMax: -1,
      scheduledLr: 0,
    }, options);
  }

  /** Checks of the hyperparameters, worded as PyTorch's Adam words its own. */
  protected validate(group: ScheduleFreeAdamWGroup): void {
    check(group.lr >= 0, `Invalid learning rate: ${group.lr} (expected lr >= 0)`);
    check(group.eps >= 0, `Invalid epsilon value: ${group.eps} (expected eps >= 0)`);
    check(
      Array.isArray(group.betas) && group.betas.length === 2,
      `Invalid betas: ${group.betas} (expected two numbers)`,
    );
    group.betas.forEach((beta, i) =>
      check(beta >= 0 && beta < 1, `Invalid beta parameter at index ${i}: ${beta} (expected 0 <= beta < 1)`)
    );
    check(
      group.weightDecay >= 0,
      `Invalid weightDecay value: ${group.weightDecay} (expected weightDecay >= 0)`,
    );
    check(
      Number.isInteger(group.warmupSteps) && group.warmupSteps >= 0,
      `Invalid warmupSteps value: ${group.warmupSteps} (expected an integer >= 0)`,
    );
  }

  /** z starts at the parameter, the second moment at zeros. */
  protected initState(p: Tensor): State {
    return { z: copyInto(empty(p.shape, p), p), expAvgSq: zerosLike(p) };
  }

  /**
   * Performs one step (see {@link Optimizer.step}); throws, as the reference, unless the optimizer is in train
   * mode. Every group's schedule advances, also where no parameter has a gradient.
   */
  override step(closure?: () => Tensor): Tensor | undefined {
    if (!this.paramGroups[0].trainMode) {
      throw new Error(
        "Optimizer was not in train mode when step is called. Please insert .train() and .eval() calls on the " +
          "optimizer (expected train() before the training steps)",
      );
    }
    this.#scalars.clear();
    const loss = super.step(closure);
    if (this.#scalars.size === 0) this.#advance();
    return loss;
  }

  /**
   * Throws: a `GradScaler` cannot skip a Schedule-Free step on the device. The group's schedule (the largest lr so
   * far and the sum of the steps' weights (k + 1)^r · lrMax^weightLrPower, which set ckp1) is float64 arithmetic
   * over the lrs of the steps taken; unlike a step count it is not a function of how many steps were taken once
   * the lr changes, and a device without float64 cannot carry it exactly. On the CPU a GradScaler reads the flag
   * and skips the step on the host, exactly.
   *
   * @example
   * ```ts
   * import { ScheduleFreeAdamW } from "@gradstep/gradstep/optim";
   * import { GradScaler } from "@gradstep/gradstep/amp";
   * import { Linear } from "@gradstep/gradstep/nn";
   * import { randn } from "@gradstep/gradstep";
   * // On the CPU a GradScaler reads the overflow flag and skips on the host; stepUnless itself throws.
   * const model = new Linear(4, 2);
   * const optimizer = new ScheduleFreeAdamW(model.parameters(), { lr: 1e-3 });
   * optimizer.train(); // Schedule-Free optimizers have train and eval modes
   * const scaler = new GradScaler();
   * scaler.scale(model.forward(randn([3, 4])).sum()).backward();
   * scaler.step(optimizer);
   * scaler.update();
   * ```
   */
  override stepUnless(_foundInf: Tensor): void {
    throw new Error(
      "ScheduleFreeAdamW cannot skip its step on the device: its schedule (ckp1, from the sum of float64 weights " +
        "of the lrs of the steps taken) would have to follow a decision made on the device, which has no " +
        "float64 to carry it exactly; train ScheduleFreeAdamW with a GradScaler on the CPU",
    );
  }

  /** Advances every group's schedule by one step, as the reference's step() does before its updates. */
  #advance(): void {
    for (const group of this.paramGroups) {
      const k = group.k;
      const sched = k < group.warmupSteps ? (k + 1) / group.warmupSteps : 1;
      const lr = group.lr * sched;
      group.scheduledLr = lr;
      group.lrMax = Math.max(lr, group.lrMax);
      const weight = (k + 1) ** group.r * group.lrMax ** group.weightLrPower;
      group.weightSum += weight;
      // The reference catches the division by zero (ckp1 = 0) when every weight so far was 0.
      const ckp1 = group.weightSum === 0 ? 0 : weight / group.weightSum;
      this.#scalars.set(group, { lr, ckp1, biasCorrection2: 1 - group.betas[1] ** (k + 1) });
      group.k = k + 1;
    }
  }

  /** One fused kernel: y (the parameter), z and the second moment updated in place. */
  protected update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<ScheduleFreeAdamWGroup>,
    state: State,
  ): void {
    if (this.#scalars.size === 0) this.#advance();
    const { lr, ckp1, biasCorrection2 } = this.#scalars.get(group)!;
    const [beta1, beta2] = group.betas;
    const [z, v] = [state.z as Tensor, state.expAvgSq as Tensor];
    runKernelInto(
      scheduleFreeKernel(p, grad, group.weightDecay !== 0),
      [p, grad, z, v],
      [p, z, v],
      [
        beta2,
        1 - beta2,
        biasCorrection2,
        group.eps,
        group.weightDecay,
        ckp1,
        lr * (beta1 * (1 - ckp1) - 1),
        lr,
      ],
    );
  }

  /** Switches the parameters from x to y = lerp(x, z, 1 − β1) for training; a no-op in train mode. */
  train(): void {
    this.#switch(true, (beta1) => 1 - beta1);
  }

  /** Switches the parameters from y to x = lerp(y, z, 1 − 1/β1) for evaluating or saving; a no-op in eval mode. */
  eval(): void {
    this.#switch(false, (beta1) => 1 - 1 / beta1);
  }

  #switch(toTrain: boolean, weight: (beta1: number) => number): void {
    for (const group of this.paramGroups) {
      if (group.trainMode === toTrain) continue;
      const w = weight(group.betas[0]);
      for (const p of group.params) {
        const z = this.state.get(p)?.z;
        if (z !== undefined) runKernelInto(switchKernel(p.dtype), [p, z as Tensor], [p], [w]);
      }
      group.trainMode = toTrain;
    }
  }
}
