/**
 * Mixed precision: `autocast` runs matrix products in float16 and keeps the ops that need range in float32;
 * `GradScaler` scales the loss so float16 gradients do not underflow and skips steps whose gradients overflowed,
 * deciding on the device. PyTorch's `torch.autocast` and `torch.cuda.amp.GradScaler`.
 *
 * @example
 * ```ts
 * import { autocast, GradScaler } from "@gradstep/gradstep/amp";
 * import { Linear, mseLoss } from "@gradstep/gradstep/nn";
 * import { SGD } from "@gradstep/gradstep/optim";
 * import { randn } from "@gradstep/gradstep";
 * const model = new Linear(4, 1);
 * const optimizer = new SGD(model.parameters(), { lr: 0.01 });
 * const scaler = new GradScaler();
 * const loss = autocast(() => mseLoss(model.forward(randn([8, 4])), randn([8, 1])));
 * scaler.scale(loss).backward();
 * scaler.step(optimizer);
 * scaler.update();
 * ```
 *
 * @module
 */
export { autocast, type AutocastOptions } from "./autocast.ts";
export { GradScaler, type GradScalerOptions, type GradScalerStateDict } from "./grad_scaler.ts";
