/**
 * `torch.nn.utils`: gradient clipping.
 *
 * @module
 */
export {
  clipGradNorm,
  type ClipGradNormOptions,
  clipGradsWithNorm,
  clipGradValue,
  getTotalNorm,
  type TensorOrTensors,
  type TotalNormOptions,
} from "./clip_grad.ts";
