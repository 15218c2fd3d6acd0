import { RMSprop, type Tensor } from "../../mod.ts";
import { clipGradValue } from "../../nn/utils/mod.ts";
import { CharRNN, type CharRNNConfig } from "../../examples/char_rnn_model.ts";
import { assertEquals } from "../../deps.ts";
import { assertTensorClose, loadFixture, testOnDevices, TOLERANCE } from "../helpers.ts";
import { type Encoded, fromFixture } from "./fixture.ts";

const fixture = loadFixture<{
  config: CharRNNConfig;
  optimizer: { lr: number; alpha: number };
  clipValue: number;
  initial: Record<string, Encoded>;
  batches: { x: Encoded; y: Encoded }[];
  losses: number[];
  final: Record<string, Encoded>;
}>("rnn_trajectory");

// RMSprop divides by √v, which amplifies the float32 summation-order differences of 30 steps of backpropagation
// through time; the composite tolerance (PyTorch vs gradstep for one composite op) still holds at the end.
testOnDevices(
  "char-rnn trains the same 30-step RMSprop trajectory as PyTorch, state carried between batches",
  async (dev) => {
    const model = await new CharRNN(fixture.config).to(dev);
    assertEquals(Object.keys(model.stateDict()), Object.keys(fixture.initial));
    model.loadStateDict(
      Object.fromEntries(Object.entries(fixture.initial).map(([k, v]) => [k, fromFixture(v, dev)])),
    );
    const optimizer = new RMSprop(model.parameters(), fixture.optimizer);
    let state: [Tensor, Tensor] | undefined;
    const losses: number[] = [];
    for (const batch of fixture.batches) {
      const out = model.forward(fromFixture(batch.x, dev), fromFixture(batch.y, dev), state);
      state = [out.state[0].detach(), out.state[1].detach()];
      out.loss!.backward();
      clipGradValue(model.parameters(), fixture.clipValue);
      optimizer.step();
      optimizer.zeroGrad();
      losses.push(await out.loss!.item());
    }
    losses.forEach((l, i) => {
      const want = fixture.losses[i];
      if (!(Math.abs(l - want) <= TOLERANCE.composite.atol + TOLERANCE.composite.rtol * Math.abs(want))) {
        throw new Error(`step ${i}: loss ${l}, PyTorch ${want}`);
      }
    });
    for (const [name, p] of Object.entries(model.stateDict())) {
      await assertTensorClose(p, fixture.final[name], TOLERANCE.composite, name);
    }
  },
);
