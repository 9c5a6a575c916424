#!/usr/bin/python3
"""Train fovea's shipped Fashion-MNIST classifier and export it as TorchScript.

Reproduces models/fashion-mnist/1/model.pt (version 1) and
models/fashion-mnist/2/model.pt (version 2, another network on the same data and
preprocessing) from Debian's dataset-fashion-mnist package with Debian's
python3-torch, on the CPU, with fixed seeds:

    /usr/bin/python3 models/fashion-mnist/1/train.py --out models/fashion-mnist/1
    /usr/bin/python3 models/fashion-mnist/1/train.py --version 2 --epochs 8 \
        --out models/fashion-mnist/2

The preprocessing here must match model.ini, because fovea applies model.ini at
inference time: 28x28 grayscale, pixel/255, then (x - MEAN) / STD.
"""
import argparse
import gzip
import os
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530  # of the training split's pixels, scaled to [0, 1]


def read_idx(path, magic, dims):
    """Reads a gzip'd IDX file, checking its magic number and sizes."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    got_magic = struct.unpack(">I", data[:4])[0]
    if got_magic != magic:
        raise SystemExit(f"{path}: magic {got_magic:#x}, expected {magic:#x}")
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    body = data[4 + 4 * dims :]
    count = 1
    for s in shape:
        count *= s
    if len(body) != count:
        raise SystemExit(f"{path}: {len(body)} bytes of data, header says {count}")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(shape)


def load_split(split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"), 0x803, 3)
    labels = read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"), 0x801, 1)
    return images, labels.long()


def to_input(images_u8):
    """uint8 [N,28,28] -> float [N,1,28,28], exactly as fovea's preprocessing."""
    x = images_u8.float().div(255.0).unsqueeze(1)
    return (x - MEAN) / STD


class FashionNet(nn.Module):
    """Two conv blocks with batch norm, then a small classifier (~0.4M params)."""

    def __init__(self):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.MaxPool2d(2), nn.Dropout(0.25))

        self.features = nn.Sequential(block(1, 32), block(32, 64))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(inplace=True), nn.Dropout(0.4), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class FashionNetV2(nn.Module):
    """Version 2: three stages ending in global average pooling (~0.29M params).

    A smaller file than version 1 (no 3136-wide dense layer) at a similar cost
    per image; it exists so that fovea's clusters can be exercised with two
    real models of one name (upgrades, jobs bound to a version).
    """

    def __init__(self):
        super().__init__()

        def conv(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *conv(1, 32), nn.MaxPool2d(2),
            *conv(32, 64), *conv(64, 64), nn.MaxPool2d(2), nn.Dropout(0.1),
            *conv(64, 128), *conv(128, 128), nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


NETWORKS = {1: FashionNet, 2: FashionNetV2}


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            correct += (model(x[i : i + 1000]).argmax(1) == y[i : i + 1000]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--version", type=int, choices=sorted(NETWORKS), default=1)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()

    torch.manual_seed(20261124)
    torch.set_num_threads(args.threads)
    train_x, train_y = load_split("train")
    test_x, test_y = load_split("test")
    train_x, test_x = to_input(train_x), to_input(test_x)

    model = NETWORKS[args.version]()
    params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {params}")
    batch = 128
    steps = args.epochs * ((len(train_x) + batch - 1) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    for epoch in range(args.epochs):
        model.train()
        started = time.time()
        order = torch.randperm(len(train_x))
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            x = train_x[idx]
            flip = torch.rand(len(idx)) < 0.5  # clothes look the same mirrored
            x[flip] = x[flip].flip(3)
            loss = F.cross_entropy(model(x), train_y[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        acc = evaluate(model, test_x, test_y)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {loss.item():.3f}, test accuracy {acc:.4f}, "
              f"{time.time() - started:.0f} s", flush=True)

    model.eval()
    scripted = torch.jit.script(model)
    os.makedirs(args.out, exist_ok=True)
    scripted.save(os.path.join(args.out, "model.pt"))
    print(f"test accuracy: {evaluate(scripted, test_x, test_y):.4f}")
    print(f"wrote {os.path.join(args.out, 'model.pt')}")


if __name__ == "__main__":
    main()
