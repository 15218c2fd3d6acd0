"""The report's workloads in PyTorch on the CPU: the same work as gradstep_work.ts, timed by the same protocol
(timing.ts: n doubles until one call takes 250 ms; the best of three calls, per repetition). Prints one JSON
object: {"torch": version, "threads": n, "timings": [{"work": ..., "ms": ...}, ...]}.

Run with Debian's PyTorch (apt-get install -y python3-torch): /usr/bin/python3 bench/report/torch_work.py
"""
import json
import time

import torch


def ms_per_repetition(run, min_ms=250.0, repeats=3):
    run(1)
    n = 1
    while True:
        t0 = time.perf_counter()
        run(n)
        elapsed = (time.perf_counter() - t0) * 1e3
        if elapsed >= min_ms or n >= 1 << 16:
            break
        n *= 8 if elapsed < min_ms / 8 else 2
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(n)
        best = min(best, (time.perf_counter() - t0) * 1e3 / n)
    return best


def repeated(step):
    def run(n):
        for _ in range(n):
            step()
    return run


def main():
    torch.manual_seed(0)
    out = []

    def timed(work, run):
        out.append({"work": work, "ms": ms_per_repetition(run)})

    n = 10_000_000
    a, b, c = torch.randn(n), torch.randn(n), torch.randn(n)
    timed("copy 10M float32", repeated(lambda: c.copy_(a)))
    timed("add 10M float32", repeated(lambda: a + b))
    timed("sum 10M float32", repeated(lambda: a.sum()))
    for m, k, nn in [(512, 512, 512), (64, 784, 128)]:
        x, y = torch.randn(m, k), torch.randn(k, nn)
        timed(f"matmul {m}x{k} @ {k}x{nn}", repeated(lambda: x @ y))
    for size in [1_000_000, 10_000_000]:
        p = torch.randn(size, requires_grad=True)
        p.grad = torch.randn(size)
        opt = torch.optim.Adam([p], lr=1e-3)
        timed(f"Adam step {size // 1_000_000}M", repeated(opt.step))
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    criterion = torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    images, labels = torch.randn(64, 1, 28, 28), torch.arange(64) % 10

    def train_step():
        opt.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        opt.step()

    timed("MNIST training step", repeated(train_step))
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "timings": out}))


if __name__ == "__main__":
    main()
