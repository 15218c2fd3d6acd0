"""The PyTorch side of `deno task bench:gpu` (bench/gpu/report.ts): the same workloads on CUDA, timed the same way.

  python3 bench/gpu/torch_gpu.py --config '<json from report.ts>' [--device cuda]

`--device cpu` runs the same code on the CPU (without the fused steps), to check the script where there is no GPU.

Workloads: a copy of `copyNumel` float32 values (GB/s as read + write); Adam and AdamW steps over `tensors` ×
`each` float32 parameters with gradients set, both PyTorch's default (foreach) and fused=True (GB/s counting 7 × 4
bytes per value, as report.ts); n×n×n matrix products in float32 (PyTorch's default: TF32 off) and float16
(TFLOP/s); one epoch of the seed's MNIST script (bench/torch_mnist.py's model and data, on CUDA, the loss read
every 100 steps); nanoGPT's shakespeare_char iteration (tools/gpt_torch.py's model, eager, AdamW with
fused=False as nanoGPT 1.13 would, clip 1.0, the loss read each iteration). Each figure is a median after a
warm-up, synchronised with torch.cuda.synchronize(). Prints one JSON line; without CUDA, prints {"error": ...}.
"""
import argparse
import gzip
import json
import math
import pathlib
import statistics
import sys
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from gpt_torch import GPT, GPTConfig  # noqa: E402


DEVICE = "cuda"


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def median_ms(run, reps, warmup=2):
    for _ in range(warmup):
        run()
    sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        run()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def copy_gbps(numel):
    x = torch.randn(numel, device=DEVICE)
    y = torch.empty_like(x)
    ms = median_ms(lambda: y.copy_(x), 10)
    return 2 * 4 * numel / ms / 1e6


def adam_step(kind, tensors, each, fused):
    params = []
    for _ in range(tensors):
        p = torch.randn(each, device=DEVICE, requires_grad=True)
        p.grad = torch.randn(each, device=DEVICE)
        params.append(p)
    cls = torch.optim.Adam if kind == "Adam" else torch.optim.AdamW
    extra = {"weight_decay": 0.01} if kind == "AdamW" else {}
    opt = cls(params, lr=1e-3, fused=fused, **extra) if fused else cls(params, lr=1e-3, **extra)
    ms = median_ms(opt.step, 10)
    return {"ms": ms, "gbps": 7 * 4 * tensors * each / ms / 1e6}


def matmul_tflops(n, dtype):
    a = torch.randn(n, n, device=DEVICE, dtype=dtype)
    b = torch.randn(n, n, device=DEVICE, dtype=dtype)
    ms = median_ms(lambda: a @ b, 5 if n >= 4096 else 20)
    return 2 * n ** 3 / ms / 1e9


def read_idx(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8).reshape(shape)


def idx_file(root, name):
    plain = pathlib.Path(root) / name
    return plain if plain.exists() else pathlib.Path(f"{plain}.gz")


def mnist_epoch_seconds(root, steps):
    torch.manual_seed(0)
    images = read_idx(idx_file(root, "train-images-idx3-ubyte")).float().div_(255)
    images = images.sub_(0.1307).div_(0.3081).unsqueeze(1)
    labels = read_idx(idx_file(root, "train-labels-idx1-ubyte")).long()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=64,
                                         shuffle=True)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10)).to(DEVICE)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    sync()
    start = time.perf_counter()
    for i, (x, y) in enumerate(loader):
        if i >= steps:
            break
        x, y = x.to(DEVICE), y.to(DEVICE)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        if (i + 1) % 100 == 0:
            loss.item()
    sync()
    return time.perf_counter() - start


def gpt_iteration_ms(cfg, iters):
    torch.manual_seed(1337)
    text = (ROOT / "examples" / "data" / "tinyshakespeare.txt").read_text(encoding="utf-8")
    stoi = {c: i for i, c in enumerate(sorted(set(text)))}
    ids = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    train = ids[:int(len(ids) * 0.9)]
    T, B = cfg["blockSize"], cfg["batchSize"]
    config = GPTConfig(block_size=T, vocab_size=len(stoi), n_layer=cfg["nLayer"], n_head=cfg["nHead"],
                       n_embd=cfg["nEmbd"], dropout=cfg["dropout"], bias=cfg["bias"])
    model = GPT(config).to(DEVICE)
    model.train()
    optimizer = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99))
    times = []
    for it in range(iters + 2):
        ix = torch.randint(len(train) - T, (B,))
        x = torch.stack([train[i:i + T] for i in ix]).to(DEVICE)
        y = torch.stack([train[i + 1:i + 1 + T] for i in ix]).to(DEVICE)
        sync()
        t0 = time.perf_counter()
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss.item()
        if it >= 2:
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    c = json.loads(args.config)
    global DEVICE
    DEVICE = args.device
    if DEVICE == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"error": f"PyTorch {torch.__version__} has no CUDA device"}))
        return
    name = torch.cuda.get_device_name(0) if DEVICE == "cuda" else "cpu"
    out = {"version": torch.__version__, "device": name}
    out["copy"] = copy_gbps(c["copyNumel"])
    for kind in ("Adam", "AdamW"):
        out[kind] = adam_step(kind, c["tensors"], c["each"], False)
        if DEVICE == "cuda":
            out[f"{kind} fused"] = adam_step(kind, c["tensors"], c["each"], True)
    dtypes = ("float32", "float16") if DEVICE == "cuda" else ("float32",)  # no float16 matmul on 1.13's CPU
    out["matmul"] = {f"{dt} {n}": matmul_tflops(n, getattr(torch, dt)) for dt in dtypes for n in c["matmulSizes"]}
    if c.get("mnistRoot"):
        out["mnist"] = mnist_epoch_seconds(c["mnistRoot"], c["mnistSteps"] or math.inf)
    out["gpt"] = gpt_iteration_ms(c["gpt"], c["gptIters"])
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
