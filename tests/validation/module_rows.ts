/**
 * Bad inputs for tests/validation/options_test.ts: the Module methods that change the user's model (train,
 * requiresGrad_, to, zeroGrad, loadStateDict), a layer's forward given a non-Tensor, and the tensor arguments of
 * the functional conv2d and pooling. Each acts on the user's model, so the test sees that its parameters and
 * gradients are left as they were (an unknown zeroGrad option used to drop every gradient).
 *
 * @module
 */
import { avgPool2d, conv2d, maxPool2d, zeros } from "../../mod.ts";
import { bad, type Row, row } from "./row.ts";

export const MODULE_ROWS: Row[] = [
  row(
    'Module.train "yes"',
    (c) => c.model.train(bad("yes")),
    TypeError,
    'training mode is expected to be boolean, got the string "yes"',
  ),
  row(
    "Module.requiresGrad_ 1",
    (c) => c.model.requiresGrad_(bad(1)),
    TypeError,
    "Invalid requiresGrad: expected a boolean, got 1",
  ),
  row(
    'Module.to "webgpu"',
    (c) => c.model.to(bad("webgpu")),
    TypeError,
    'Invalid device: expected a Device, got the string "webgpu"',
  ),
  row(
    'Module.zeroGrad setToNone "no"',
    (c) => c.model.zeroGrad({ setToNone: bad("no") }),
    TypeError,
    'Invalid setToNone: expected a boolean, got the string "no"',
  ),
  row(
    "Module.zeroGrad set_to_none (unknown)",
    (c) => c.model.zeroGrad(bad({ set_to_none: false })),
    TypeError,
    "zeroGrad: unexpected option set_to_none",
  ),
  row(
    "Module.loadStateDict weight an array",
    (c) =>
      c.model.loadStateDict({ weight: bad([[0, 0, 0], [0, 0, 0]]), bias: zeros([2], { device: c.dev }) }),
    TypeError,
    'loadStateDict: state["weight"] must be a Tensor, got [[0, 0, 0], [0, 0, 0]]',
  ),
  row(
    "Module.loadStateDict null",
    (c) => c.model.loadStateDict(bad(null)),
    TypeError,
    "Expected state_dict to be dict-like, got null.",
  ),
  row(
    'Module.loadStateDict strict "no"',
    (c) =>
      c.model.loadStateDict(
        { weight: zeros([2, 3], { device: c.dev }), bias: zeros([2], { device: c.dev }) },
        { strict: bad("no") },
      ),
    TypeError,
    'Invalid strict: expected a boolean, got the string "no"',
  ),
  row(
    'Linear.forward "x"',
    (c) => c.model.forward(bad("x")),
    TypeError,
    "linear(): argument 'input' must be Tensor, not string",
  ),
  row(
    "conv2d input an array",
    (c) => conv2d(bad([[0]]), zeros([1, 1, 3, 3], { device: c.dev })),
    TypeError,
    "conv2d(): argument 'input' must be Tensor, not an array",
  ),
  row(
    "maxPool2d input null",
    () => maxPool2d(bad(null), 2),
    TypeError,
    "maxPool2d(): argument 'input' must be Tensor, not null",
  ),
  row(
    "avgPool2d input 3",
    () => avgPool2d(bad(3), 2),
    TypeError,
    "avgPool2d(): argument 'input' must be Tensor, not number",
  ),
];
