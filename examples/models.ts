/**
 * The models the comparison examples train: the seed's SimpleNN, and a small CNN for the optimizer study.
 *
 * @module
 */
import { Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential, type Tensor } from "../mod.ts";

/**
 * The seed's model: Flatten → Linear(784, 128) → ReLU → Linear(128, 10).
 *
 * @example
 * ```ts
 * import { SimpleNN } from "./models.ts";
 * import { randn } from "../mod.ts";
 * const logits = new SimpleNN().forward(randn([64, 1, 28, 28])); // [64, 10]
 * ```
 */
export class SimpleNN extends Module {
  flatten: Flatten = new Flatten();
  fc1: Linear = new Linear(28 * 28, 128);
  relu: ReLU = new ReLU();
  fc2: Linear = new Linear(128, 10);

  /** Logits [N, 10] of images [N, 1, 28, 28]. */
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.relu.forward(this.fc1.forward(this.flatten.forward(x))));
  }
}

/**
 * A small CNN for 10 classes: two blocks of Conv2d(3×3, padding 1) → ReLU → MaxPool2d(2) with 8 then 16
 * channels, then Flatten → Linear(16·(side/4)², 10). For MNIST (1 channel, side 28) or CIFAR-10 (3, 32).
 *
 * @example
 * ```ts
 * import { smallCnn } from "./models.ts";
 * import { randn } from "../mod.ts";
 * const logits = smallCnn(3, 32).forward(randn([8, 3, 32, 32])); // [8, 10]
 * ```
 */
export function smallCnn(channels: number, side: number): Sequential {
  if (side % 4 !== 0) throw new Error(`smallCnn needs a side divisible by 4 (two 2×2 poolings), got ${side}`);
  return new Sequential(
    new Conv2d(channels, 8, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(8, 16, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * (side / 4) ** 2, 10),
  );
}
