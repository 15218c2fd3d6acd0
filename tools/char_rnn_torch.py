"""examples/char_rnn.ts's recipe in PyTorch, for comparing gradstep's validation loss and speed with PyTorch's:
the same vocabulary (nanoGPT's sorted characters), 90/10 split, 32 contiguous streams read 64 characters at a time
with the state carried (detached) from window to window and reset at each pass, Embedding -> LSTM -> Linear with
PyTorch's default initialisation, RMSprop(lr 2e-3, alpha 0.95), clip_grad_value_(5), and the validation loss as the
mean over every window of the validation split from a zero state. Its lines are the example's:

  step 200: train loss 2.0411, val loss 2.0857
  Training took 612.3 s (… ms per iteration with evaluations, … ms per training step); final val loss 1.7012

    OMP_NUM_THREADS=2 /usr/bin/python3 tools/char_rnn_torch.py [--max-iters 1000] [--eval-interval 200] [--seed 1337]
        [--batch-size 32] [--seq-length 64] [--hidden-size 128] [--embedding-size 64] [--num-layers 2]
        [--optimizer rmsprop|adam|sgd] [--learning-rate ...]

--eval-interval 0 trains without evaluating (for timing). The data order is deterministic, so only the initial weights (PyTorch's generator, not gradstep's) differ between
the two runs.
"""
import argparse
import pathlib
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_LR = {"rmsprop": 2e-3, "adam": 2e-3, "sgd": 1.0}

parser = argparse.ArgumentParser()
for flag, default in [("max-iters", 1000), ("eval-interval", 200), ("seed", 1337), ("batch-size", 32),
                      ("seq-length", 64), ("hidden-size", 128), ("embedding-size", 64), ("num-layers", 2)]:
    parser.add_argument(f"--{flag}", type=int, default=default)
parser.add_argument("--optimizer", choices=list(DEFAULT_LR), default="rmsprop")
parser.add_argument("--learning-rate", type=float, default=None)
args = parser.parse_args()
torch.manual_seed(args.seed)

text = (pathlib.Path(__file__).resolve().parents[1] / "examples" / "data" / "tinyshakespeare.txt").read_text()
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
ids = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(0.9 * len(ids))
train_ids, val_ids = ids[:n], ids[n:]


class Streams:
    def __init__(self, data, batch_size, seq_length):
        length = (len(data) - 1) // batch_size
        self.windows = length // seq_length
        self.seq_length = seq_length
        self.streams = [data[b * length:(b + 1) * length + 1] for b in range(batch_size)]

    def window(self, k):
        start = (k % self.windows) * self.seq_length
        x = torch.stack([s[start:start + self.seq_length] for s in self.streams])
        y = torch.stack([s[start + 1:start + self.seq_length + 1] for s in self.streams])
        return x, y


class CharRNN(nn.Module):
    def __init__(self, vocab, emb, hidden, layers):
        super().__init__()
        self.encoder = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, num_layers=layers, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, x, y, state=None):
        out, state = self.rnn(self.encoder(x), state)
        logits = self.decoder(out)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state


train = Streams(train_ids, args.batch_size, args.seq_length)
val = Streams(val_ids, args.batch_size, args.seq_length)
head = Streams(train_ids[:len(val_ids)], args.batch_size, args.seq_length)
model = CharRNN(len(chars), args.embedding_size, args.hidden_size, args.num_layers)
lr = args.learning_rate if args.learning_rate is not None else DEFAULT_LR[args.optimizer]
optimizer = {"rmsprop": lambda: torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.95),
             "adam": lambda: torch.optim.Adam(model.parameters(), lr=lr),
             "sgd": lambda: torch.optim.SGD(model.parameters(), lr=lr)}[args.optimizer]()
print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; "
      f"{sum(p.numel() for p in model.parameters()) / 1e6:.3f}M parameters; optimizer {args.optimizer}")


@torch.no_grad()
def mean_loss(streams):
    model.eval()
    total, state = 0.0, None
    for k in range(streams.windows):
        loss, state = model(*streams.window(k), state)
        total += loss.item()
    model.train()
    return total / streams.windows


started = time.perf_counter()
eval_s = 0.0
state = None
val_loss = float("nan")
it = 0
for it in range(args.max_iters + 1):
    if args.eval_interval > 0 and (it % args.eval_interval == 0 or it == args.max_iters):
        t = time.perf_counter()
        val_loss = mean_loss(val)
        print(f"step {it}: train loss {mean_loss(head):.4f}, val loss {val_loss:.4f}", flush=True)
        eval_s += time.perf_counter() - t
    if it == args.max_iters:
        break
    if it % train.windows == 0:
        state = None
    loss, state = model(*train.window(it), state)
    state = tuple(s.detach() for s in state)
    loss.backward()
    nn.utils.clip_grad_value_(model.parameters(), 5)
    optimizer.step()
    optimizer.zero_grad()
    if it % 10 == 0:
        print(f"iter {it}: loss {loss.item():.4f}", flush=True)
elapsed = time.perf_counter() - started
steps = max(1, it)
print(f"Training took {elapsed:.1f} s ({1000 * elapsed / steps:.1f} ms per iteration with evaluations, "
      f"{1000 * (elapsed - eval_s) / steps:.1f} ms per training step); final val loss {val_loss:.4f}")
