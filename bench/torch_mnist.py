"""The seed's MNIST script in PyTorch, timed per epoch: the peer for bench/mnist_report.ts.

Reads the same IDX files gradstep reads (path given as the first argument), normalises them the way the
seed's transforms do, and trains SimpleNN with Adam (lr 1e-3, batch 64, shuffle). Prints one JSON line per
epoch: {"epoch": n, "seconds": s, "loss": l, "version": v, "threads": t}.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def main():
    root = sys.argv[1]
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    torch.manual_seed(0)
    images = torch.from_numpy(read_idx(f"{root}/train-images-idx3-ubyte").copy()).float().div_(255)
    images = images.sub_(0.1307).div_(0.3081).unsqueeze(1)
    labels = torch.from_numpy(read_idx(f"{root}/train-labels-idx1-ubyte").astype(np.int64))
    loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for epoch in range(epochs):
        start = time.perf_counter()
        running = 0.0
        for images_b, labels_b in loader:
            optimizer.zero_grad()
            loss = criterion(model(images_b), labels_b)
            loss.backward()
            optimizer.step()
            running += loss.item()
        seconds = time.perf_counter() - start
        print(json.dumps({"epoch": epoch + 1, "seconds": seconds, "loss": running / len(loader),
                          "version": torch.__version__, "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
