"""nanoGPT's training loop for the shakespeare_char CPU recipe in PyTorch, timed: the peer of bench/gpt_report.ts.

  OMP_NUM_THREADS=2 /usr/bin/python3 bench/torch_gpt.py [--iters 30] [--warmup 5]

The model is tools/gpt_torch.py (nanoGPT's model.py for 1.13), the data nanoGPT's shakespeare_char preparation of
examples/data/tinyshakespeare.txt, and each iteration train.py's (with gradient_accumulation_steps 1): get_lr,
forward on the batch, the next get_batch, backward, clip_grad_norm_(1.0), AdamW step, zero_grad(set_to_none).
The loss is read every 10 iterations, as train.py's log_interval. Prints one JSON line: {"msPerIter", "iters",
"loss", "version", "threads", "flopsPerIter"}; flopsPerIter is nanoGPT's estimate_mfu count (6N + 12·L·H·Q·T per
token) for the same run.
"""
import argparse
import json
import math
import pathlib
import sys
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from gpt_torch import GPT, GPTConfig  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    block_size, batch_size = 64, 12
    learning_rate, min_lr, warmup_iters, lr_decay_iters = 1e-3, 1e-4, 100, 2000
    torch.manual_seed(1337)
    text = (ROOT / "examples" / "data" / "tinyshakespeare.txt").read_text(encoding="utf-8")
    stoi = {c: i for i, c in enumerate(sorted(set(text)))}
    ids = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    train_data = ids[:int(len(ids) * 0.9)]

    def get_batch():
        ix = torch.randint(len(train_data) - block_size, (batch_size,))
        x = torch.stack([train_data[i:i + block_size] for i in ix])
        y = torch.stack([train_data[i + 1:i + 1 + block_size] for i in ix])
        return x, y

    def get_lr(it):
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        if it > lr_decay_iters:
            return min_lr
        ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (learning_rate - min_lr)

    config = GPTConfig(block_size=block_size, vocab_size=len(stoi), n_layer=4, n_head=4, n_embd=128,
                       dropout=0.0, bias=False)
    model = GPT(config)
    optimizer = model.configure_optimizers(0.1, learning_rate, (0.9, 0.99))
    model.train()
    x, y = get_batch()
    lossf = float("nan")
    start = None
    for it in range(args.warmup + args.iters):
        if it == args.warmup:
            start = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = get_lr(it)
        _, loss = model(x, y)
        x, y = get_batch()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if it % 10 == 0:
            lossf = loss.item()
    ms = (time.perf_counter() - start) * 1000 / args.iters
    n = model.get_num_params()
    L, H, Q, T = config.n_layer, config.n_head, config.n_embd // config.n_head, block_size
    flops_per_iter = (6 * n + 12 * L * H * Q * T) * T * batch_size
    print(json.dumps({"msPerIter": ms, "iters": args.iters, "loss": lossf, "version": torch.__version__,
                      "threads": torch.get_num_threads(), "flopsPerIter": flops_per_iter}), flush=True)


if __name__ == "__main__":
    main()
