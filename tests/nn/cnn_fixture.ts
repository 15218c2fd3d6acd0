/**
 * cnn.json's layout (made by tools/fixtures/cnn.py from a real PyTorch), parsed on first use.
 *
 * @module
 */
import { loadFixture } from "../helpers.ts";
import type { Encoded } from "./fixture.ts";

/** One Conv2d forward/backward case; options are Conv2d's, in gradstep's names. */
export interface ConvCase {
  name: string;
  inChannels: number;
  outChannels: number;
  kernelSize: number | [number, number];
  options: {
    stride: number | [number, number];
    padding: number | [number, number] | "same" | "valid";
    dilation: number | [number, number];
    groups: number;
    bias: boolean;
    paddingMode: "zeros" | "reflect" | "replicate" | "circular";
  };
  input: Encoded;
  weight: Encoded;
  bias?: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradInput: Encoded;
  gradWeight: Encoded;
  gradBias?: Encoded;
}

/** PyTorch's Conv2d initialisation bounds and the extremes it drew. */
export interface ConvInitCase {
  inChannels: number;
  outChannels: number;
  kernelSize: number | [number, number];
  groups: number;
  weightShape: number[];
  weightBound: number;
  biasBound: number;
  weightMaxAbs: number;
  biasMaxAbs: number;
}

/** One pooling forward/backward case. */
export interface PoolCase {
  kind: "max" | "avg";
  name: string;
  options: {
    kernelSize: number | [number, number];
    stride: number | [number, number];
    padding: number | [number, number];
    dilation?: number | [number, number];
    ceilMode: boolean;
    countIncludePad?: boolean;
    divisorOverride?: number | null;
  };
  input: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradInput: Encoded;
}

/** One forward/backward of a batch-norm layer, with its running statistics afterwards. */
export interface BatchNormStep {
  training: boolean;
  input: Encoded;
  output: Encoded;
  upstream: Encoded;
  gradInput: Encoded;
  gradWeight?: Encoded;
  gradBias?: Encoded;
  runningMean?: Encoded;
  runningVar?: Encoded;
  numBatchesTracked?: number;
}

/** A batch-norm layer run through several training and evaluation steps. */
export interface BatchNormCase {
  name: string;
  layer: "BatchNorm1d" | "BatchNorm2d";
  numFeatures: number;
  options: { eps: number; momentum: number | null; affine: boolean; trackRunningStats: boolean };
  weight?: Encoded;
  bias?: Encoded;
  steps: BatchNormStep[];
}

/** Everything in cnn.json. */
export interface CNNFixture {
  conv: ConvCase[];
  convInit: ConvInitCase[];
  pool: PoolCase[];
  batchNorm: BatchNormCase[];
  cnnModel: {
    state: Record<string, Encoded>;
    bufferNames: string[];
    input: Encoded;
    target: Encoded;
    logits: Encoded;
    loss: Encoded;
    gradients: Record<string, Encoded>;
  };
  bufferNames: { namedBuffers: string[]; stateDictKeys: string[] };
  errors: Record<string, string>;
}

let cnn: CNNFixture | undefined;

/** cnn.json, parsed at the first call. */
export function cnnFixture(): CNNFixture {
  return cnn ??= loadFixture<CNNFixture>("cnn");
}

/** PyTorch's message with its shapes written as gradstep writes them (`[a,b]`, no spaces). */
export function inGradstepShapes(message: string): string {
  return message.replace(/\[([^\]]*)\]/g, (_, dims: string) => `[${dims.replaceAll(" ", "")}]`);
}
