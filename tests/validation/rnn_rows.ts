/**
 * Bad inputs for tests/validation/options_test.ts: the recurrent layers' and cells' constructors, each refusing
 * the options of the others (GRU has no projSize, LSTM no nonlinearity, as in PyTorch).
 *
 * @module
 */
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell } from "../../mod.ts";
import { type Row, row } from "./row.ts";

export const RNN_ROWS: Row[] = [
  row("RNN hiddenSize 2.5", () => new RNN(3, 2.5), TypeError, "hidden_size should be of type int, got: 2.5"),
  row(
    'RNN nonlinearity "sigmoid"',
    () => new RNN(3, 4, { nonlinearity: "sigmoid" as never }),
    Error,
    "Unknown nonlinearity 'sigmoid'",
  ),
  row(
    "LSTM numLayers 0",
    () => new LSTM(3, 4, { numLayers: 0 }),
    RangeError,
    "num_layers must be greater than zero",
  ),
  row(
    "LSTM dropout 2",
    () => new LSTM(3, 4, { dropout: 2 }),
    RangeError,
    "dropout should be a number in range [0, 1]",
  ),
  row(
    "LSTM projSize 4 of hiddenSize 4",
    () => new LSTM(3, 4, { projSize: 4 }),
    RangeError,
    "proj_size has to be smaller than hidden_size",
  ),
  row(
    'GRU bidirectional "yes"',
    () => new GRU(3, 4, { bidirectional: "yes" as never }),
    TypeError,
    "Invalid bidirectional",
  ),
  row(
    'GRU inputSize "3"',
    () => new GRU("3" as never, 4),
    TypeError,
    "input_size should be of type int, got: string",
  ),
  row(
    "GRU projSize 2 (LSTM's option)",
    () => new GRU(3, 4, { projSize: 2 } as never),
    TypeError,
    "proj_size argument is only supported for LSTM, not RNN or GRU",
  ),
  row(
    "RNN projSize 2 (LSTM's option)",
    () => new RNN(3, 4, { projSize: 2 } as never),
    TypeError,
    "proj_size argument is only supported for LSTM, not RNN or GRU",
  ),
  row(
    'GRU nonlinearity "relu" (RNN\'s option)',
    () => new GRU(3, 4, { nonlinearity: "relu" } as never),
    TypeError,
    "GRU: unexpected option nonlinearity",
  ),
  row(
    'LSTM nonlinearity "tanh" (RNN\'s option)',
    () => new LSTM(3, 4, { nonlinearity: "tanh" } as never),
    TypeError,
    "LSTM: unexpected option nonlinearity",
  ),
  row(
    'GRUCell nonlinearity "tanh" (RNNCell\'s option)',
    () => new GRUCell(3, 4, { nonlinearity: "tanh" } as never),
    TypeError,
    "GRUCell: unexpected option nonlinearity",
  ),
  row(
    "RNNCell hiddenSize 0",
    () => new RNNCell(3, 0),
    RangeError,
    "hidden_size must be a positive integer, got 0",
  ),
  row("LSTMCell bias 1", () => new LSTMCell(3, 4, { bias: 1 as never }), TypeError, "Invalid bias"),
  row(
    "GRUCell inputSize NaN",
    () => new GRUCell(NaN, 4),
    RangeError,
    "input_size must be a positive integer, got NaN",
  ),
];
