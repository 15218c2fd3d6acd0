/**
 * Reading tensors out of the fixtures (made by tools/fixtures/*.py from a real PyTorch), and nn.json's layout.
 *
 * @module
 */
import { type Device, type Tensor, tensor } from "../../mod.ts";
import { loadFixture } from "../helpers.ts";

/** A tensor as the fixture scripts write it (`_common.py`'s `encode`). */
export interface Encoded {
  shape: number[];
  dtype: "float32" | "int32";
  data: number[];
}

/** The tensor `e` on `dev`. */
export function fromFixture(e: Encoded, dev: Device, requiresGrad = false): Tensor {
  const data = e.dtype === "int32" ? new Int32Array(e.data) : new Float32Array(e.data);
  return tensor(data, { shape: e.shape, dtype: e.dtype, device: dev, requiresGrad });
}

/** One Linear forward/backward case. */
export interface LinearCase {
  name: string;
  input: Encoded;
  weight: Encoded;
  bias?: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradInput: Encoded;
  gradWeight: Encoded;
  gradBias?: Encoded;
}

/** One loss case: value and input gradient, with `upstream` as the gradient of the output. */
export interface LossCase {
  kind: "crossEntropy" | "nll" | "mse";
  name: string;
  options: {
    reduction: "mean" | "sum" | "none";
    labelSmoothing?: number;
    ignoreIndex?: number;
    weight?: Encoded;
  };
  input: Encoded;
  target: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradInput: Encoded;
}

/** Everything in nn.json. */
export interface NNFixture {
  linear: LinearCase[];
  losses: LossCase[];
  seedModel: {
    input: Encoded;
    target: Encoded;
    loss: Encoded;
    parameters: Record<string, Encoded>;
    gradients: Record<string, Encoded>;
  };
  linearInit: {
    inFeatures: number;
    outFeatures: number;
    weightBound: number;
    biasBound: number;
    weightMaxAbs: number;
    biasMaxAbs: number;
  }[];
  moduleState: {
    netNames: string[];
    netModules: string[];
    netChildren: string[];
    names: string[];
    shapes: number[][];
    missingError: string;
    unexpectedError: string;
    mismatchError: string;
    nonStrict: { missingKeys: string[]; unexpectedKeys: string[] };
  };
}

let nn: NNFixture | undefined;

/** nn.json, parsed at the first call (the optim tests share {@link fromFixture} without it). */
export function nnFixture(): NNFixture {
  return nn ??= loadFixture<NNFixture>("nn");
}
