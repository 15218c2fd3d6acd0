"""Loads gradstep's checkpoints/char_gpt.safetensors (examples/char_gpt.ts) into nanoGPT's GPT in PyTorch
(tools/gpt_torch.py) and measures it: the interop check of issue 13.

  /usr/bin/python3 tools/char_gpt_eval.py [checkpoints/char_gpt.safetensors] [--batches 20] [--seed 1337]

It reads the file with tools/fixtures/checkpoint.py's reader (checksum checked), rebuilds the GPT from the config
in the checkpoint's `extra` (or from the weights' shapes and --n-head), loads the weights with load_state_dict(strict=True) (the tied
`transformer.wte.weight`/`lm_head.weight` both present), and prints:
- the largest difference between PyTorch's logits and gradstep's on the validation split's first window (gradstep
  saved its logits in the final checkpoint);
- the loss over the same fixed windows gradstep measured (the validation split's first non-overlapping windows),
  next to gradstep's number: the tight comparison;
- nanoGPT's estimate_loss on each split, --batches random batches (torch's generator, so other windows than
  gradstep's, within about +-0.02 of the fixed-window figure), and the same over 10x as many batches.
"""
import argparse
import json
import pathlib
import sys

import torch

TOOLS = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))
sys.path.insert(0, str(TOOLS / "fixtures"))
from checkpoint import load_checkpoint  # noqa: E402
from gpt_torch import GPT, GPTConfig  # noqa: E402

TEXT = TOOLS.parent / "examples" / "data" / "tinyshakespeare.txt"


def splits():
    """nanoGPT's data/shakespeare_char/prepare.py: sorted characters, ids, the first 90% train."""
    data = TEXT.read_text(encoding="utf-8")
    stoi = {c: i for i, c in enumerate(sorted(set(data)))}
    ids = torch.tensor([stoi[c] for c in data], dtype=torch.long)
    n = int(len(ids) * 0.9)
    return {"train": ids[:n], "val": ids[n:]}


def load_model(path, n_head):
    state, _, metadata = load_checkpoint(path)
    extra = json.loads(metadata["extra"]) if "extra" in metadata else {}
    if "config" in extra:
        c = extra["config"]
        config = GPTConfig(block_size=c["blockSize"], vocab_size=c["vocabSize"], n_layer=c["nLayer"],
                           n_head=c["nHead"], n_embd=c["nEmbd"], dropout=c["dropout"], bias=c["bias"])
    else:  # an older checkpoint without its config: the sizes from the weights' shapes, the heads from --n-head
        vocab, embd = state["transformer.wte.weight"].shape
        layers = len({k.split(".")[2] for k in state if k.startswith("transformer.h.")})
        config = GPTConfig(block_size=state["transformer.wpe.weight"].shape[0], vocab_size=vocab, n_layer=layers,
                           n_head=n_head, n_embd=embd, dropout=0.0, bias="transformer.ln_f.bias" in state)
    model = GPT(config)
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    model.eval()
    return model, config, extra


@torch.no_grad()
def fixed_window_loss(model, val, block, windows, batch):
    total = 0.0
    first = None
    for start in range(0, windows, batch):
        rows = min(batch, windows - start)
        x = val[start * block:(start + rows) * block].view(rows, block)
        y = val[start * block + 1:(start + rows) * block + 1].view(rows, block)
        logits, loss = model(x, y)
        if first is None:
            first = logits[0]
        total += float(loss) * rows
    return total / windows, first


@torch.no_grad()
def estimate_loss(model, data, block, batch, batches, generator):
    """nanoGPT's estimate_loss for one split: the mean loss of `batches` get_batch batches."""
    losses = torch.zeros(batches)
    for k in range(batches):
        ix = torch.randint(len(data) - block, (batch,), generator=generator)
        x = torch.stack([data[i:i + block] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + block] for i in ix])
        losses[k] = model(x, y)[1]
    return float(losses.mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default="checkpoints/char_gpt.safetensors")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--n-head", type=int, default=4, help="for checkpoints that do not record their config")
    args = parser.parse_args()
    torch.set_num_threads(2)
    model, config, extra = load_model(pathlib.Path(args.path), args.n_head)
    data = splits()
    print(f"loaded {args.path} (iter {extra.get('iter')}): {model.get_num_params() / 1e6:.2f}M parameters, "
          f"load_state_dict(strict=True) ok, lm_head tied to wte: "
          f"{model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr()}")
    fixed = extra.get("fixedWindows")
    if fixed is not None:
        windows = fixed["windows"]
        loss, first = fixed_window_loss(model, data["val"], config.block_size, windows, args.batch_size)
        theirs = torch.tensor(fixed["logits"]).view_as(first)
        diff = (first - theirs).abs().max().item()
        print(f"logits on the first validation window [{config.block_size} x {config.vocab_size}]: max |PyTorch - "
              f"gradstep| = {diff:.2e} (logits up to {first.abs().max().item():.2f})")
        print(f"val loss over the first {windows} windows: PyTorch {loss:.4f}, gradstep {fixed['valLoss']:.4f}, "
              f"difference {abs(loss - fixed['valLoss']):.2e}")
    else:
        print("(no fixedWindows in the checkpoint: it is not a final one, so no logits comparison)")
    generator = torch.Generator().manual_seed(args.seed)
    for batches in (args.batches, 10 * args.batches):
        est = {s: estimate_loss(model, data[s], config.block_size, args.batch_size, batches, generator)
               for s in ("train", "val")}
        print(f"estimate_loss over {batches} batches of {args.batch_size}: train loss {est['train']:.4f}, "
              f"val loss {est['val']:.4f}")


if __name__ == "__main__":
    main()
