/**
 * The work an elementwise optimizer's step costs, counted by the device: one fused kernel per parameter group and
 * dtype however many tensors it holds (and one more for its step count when a GradScaler skips on the device), no
 * readback, and, with OneCycleLR changing lr and the momentum (Adam's beta1, SGD's and RMSprop's momentum) every
 * step, no kernel compiled and nothing uploaded.
 * Also the named kernels' checks: operands bound by name and dtype.
 *
 * @module
 */
import {
  Adagrad,
  Adam,
  AdamW,
  Linear,
  manualSeed,
  type Optimizer,
  RMSprop,
  Sequential,
  SGD,
  Tanh,
  type Tensor,
  tensor,
  zeros,
} from "../../mod.ts";
import type { Device } from "../../backends/device.ts";
import { OneCycleLR } from "../../optim/lr_scheduler/mod.ts";
import { namedKernel, runNamedKernel } from "../../tensor/named_kernel.ts";
import { mul, sub } from "../../backends/kernel_ir.ts";
import { assertEquals, assertThrows } from "../../deps.ts";
import { testOnDevices } from "../helpers.ts";

/** A 16-layer MLP: 32 parameter tensors. */
async function model(dev: Device): Promise<Sequential> {
  manualSeed(0);
  const layers = Array.from({ length: 16 }, () => [new Linear(16, 16), new Tanh()]).flat();
  return await new Sequential(...layers).to(dev);
}

type Make = (params: Tensor[]) => Optimizer<{ lr: number }>;

/** Each optimizer, whether its state counts steps (one more kernel under a device skip), and whether it has a momentum. */
const OPTIMIZERS: { name: string; make: Make; counts: number; momentum: boolean }[] = [
  { name: "Adam", make: (p) => new Adam(p, { lr: 1e-3 }), counts: 1, momentum: true },
  {
    name: "AdamW with AMSGrad",
    make: (p) => new AdamW(p, { lr: 1e-3, amsgrad: true }),
    counts: 1,
    momentum: true,
  },
  {
    name: "SGD with Nesterov momentum",
    make: (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }),
    counts: 0,
    momentum: true,
  },
  {
    name: "RMSprop centered with momentum",
    make: (p) => new RMSprop(p, { lr: 1e-2, momentum: 0.5, centered: true }),
    counts: 1,
    momentum: true,
  },
  {
    name: "Adagrad with lr decay",
    make: (p) => new Adagrad(p, { lr: 1e-2, lrDecay: 1e-3 }),
    counts: 1,
    momentum: false,
  },
];

for (const { name, make, counts, momentum } of OPTIMIZERS) {
  testOnDevices(
    `${name}: over 32 tensors in two groups, one kernel per group (plus ${counts} for the count under a device skip), no readback, and a cycling lr and momentum compile and upload nothing`,
    async (dev) => {
      const net = await model(dev);
      const params = net.parameters();
      const optimizer = make(params.filter((p) => p.ndim === 2));
      optimizer.addParamGroup({ params: params.filter((p) => p.ndim === 1) });
      const scheduler = new OneCycleLR(optimizer, { maxLr: 0.01, totalSteps: 100, cycleMomentum: momentum });
      const x = tensor(new Float32Array(8 * 16).map((_, i) => Math.sin(i)), { shape: [8, 16], device: dev });
      const backward = (): void => {
        optimizer.zeroGrad();
        const y = net.forward(x);
        y.mul(y).mean().backward();
      };
      const stats = dev.backend.stats;
      const none = zeros([], { device: dev });
      const steps = [(): unknown => optimizer.step(), (): unknown => optimizer.stepUnless(none)];
      for (const [path, step] of steps.entries()) {
        // Warm up: the first steps create the state and compile each structure's kernel.
        for (let i = 0; i < 2; i++) {
          backward();
          step();
          scheduler.step();
        }
        for (let i = 0; i < 3; i++) {
          backward();
          const before = { ...stats };
          step();
          scheduler.step();
          const perGroup = path === 0 ? 1 : 1 + counts;
          // Each gradient is copied into its group's pack: a buffer-to-buffer copy on WebGPU, no dispatch; on the
          // CPU a copy is an elementwise call, which it counts.
          const copies = dev.type === "webgpu" ? 0 : params.length;
          assertEquals(stats.dispatches - before.dispatches, perGroup * 2 + copies, "dispatches");
          assertEquals(stats.readbacks - before.readbacks, 0, "an optimizer step reads nothing back");
          assertEquals(stats.pipelines - before.pipelines, 0, "a new lr or momentum compiles nothing");
          assertEquals(stats.writes - before.writes, 0, "a new lr or momentum uploads nothing");
          assertEquals(stats.allocations - before.allocations, 0, "a step allocates nothing");
        }
      }
    },
  );
}

testOnDevices(
  "a named kernel binds operands by name and refuses missing, unexpected or mistyped ones",
  async (dev) => {
    const k = namedKernel(
      "test-named-sgd",
      { param: "float32", grad: "float32" },
      { lr: "float32" },
      (x, s) => ({
        param: sub(x.param, mul(s.lr, x.grad)),
      }),
    );
    const p = tensor([1, 2], { device: dev });
    const g = tensor([4, 8], { device: dev });
    // Records in any key order bind the same operands.
    runNamedKernel(k, { grad: g, param: p }, { param: p }, { lr: 0.25 });
    const want = tensor([1, 2], { device: dev }).sub(g.mul(0.25));
    assertEquals(Array.from(await p.data()), Array.from(await want.data()));
    assertThrows(
      () => runNamedKernel(k, { param: p } as never, { param: p }, { lr: 1 }),
      TypeError,
      "Kernel inputs are [param,grad], got [param] (missing grad)",
    );
    assertThrows(
      () => runNamedKernel(k, { param: p, grad: g }, { param: p }, { lr: 1, beta: 2 } as never),
      TypeError,
      "(unexpected beta)",
    );
    assertThrows(
      () =>
        runNamedKernel(k, { param: p, grad: tensor([1, 2], { dtype: "int32", device: dev }) }, { param: p }, {
          lr: 1,
        }),
      TypeError,
      "Kernel input grad is float32, got a tensor of dtype int32",
    );
  },
);
