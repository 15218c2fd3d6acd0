/**
 * Bad inputs for tests/validation/options_test.ts: the functional conv2d, pooling and dropout.
 *
 * @module
 */
import { avgPool2d, conv2d, dropout, maxPool2d, zeros } from "../../mod.ts";
import { type Row, row } from "./row.ts";

export const FUNCTIONAL_ROWS: Row[] = [
  row(
    "conv2d stride [1, 1, 1]",
    (c) =>
      conv2d(zeros([1, 1, 4, 4], { device: c.dev }), zeros([1, 1, 3, 3], { device: c.dev }), null, {
        stride: [1, 1, 1] as never,
      }),
    RangeError,
    "Invalid stride: expected a single integer value or a list of 2 values",
  ),
  row(
    "conv2d dilation 0",
    (c) =>
      conv2d(zeros([1, 1, 4, 4], { device: c.dev }), zeros([1, 1, 3, 3], { device: c.dev }), null, {
        dilation: 0,
      }),
    RangeError,
    "non-positive dilation is not supported, got [0,0]",
  ),
  row(
    "maxPool2d kernelSize [2, 2, 2]",
    (c) => maxPool2d(zeros([1, 1, 4, 4], { device: c.dev }), [2, 2, 2] as never),
    RangeError,
    "Invalid kernelSize: expected a single integer value or a list of 2 values",
  ),
  row(
    'avgPool2d padding "1"',
    (c) => avgPool2d(zeros([1, 1, 4, 4], { device: c.dev }), 2, { padding: "1" as never }),
    TypeError,
    'Invalid padding: expected a number, got the string "1"',
  ),
  row(
    "avgPool2d padding 2 of kernel 2",
    (c) => avgPool2d(zeros([1, 1, 4, 4], { device: c.dev }), 2, { padding: 2 }),
    RangeError,
    "pad should be at most half of kernel size, but got pad=2 and kernel_size=2",
  ),
  row(
    "dropout p 2",
    (c) => dropout(zeros([4], { device: c.dev }), { p: 2 }),
    RangeError,
    "dropout probability has to be between 0 and 1, but got 2",
  ),
];
