#!/usr/bin/python3
"""What the shipped model does below fp32 on this CPU, in PyTorch's own loop
(Debian's python3-torch, 1 thread, the 10,000 test images pre-decoded):
test accuracy and images/s at batch 64 and 256 for the fp32 optimized graph,
bf16 (weights and activations, frozen; and frozen + optimize_for_inference),
bf16 autocast, and the int8 variant shipped in models/fashion-mnist-int8.

  precision.py     (bench/run precision runs it; prints a table)
"""
import os
import sys
import time

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "models", "fashion-mnist", "1"))
import train  # noqa: E402


def accuracy(model, x, y):
    with torch.inference_mode():
        return sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
                   for i in range(0, len(x), 1000)) / len(x)


def speed(model, x, batch, seconds=3):
    with torch.inference_mode():
        for _ in range(3):
            model(x[:batch])
        started, done = time.perf_counter(), 0
        while time.perf_counter() - started < seconds:
            for i in range(0, 2048, batch):
                model(x[i:i + batch])
                done += batch
        return done / (time.perf_counter() - started)


class AsBF16(torch.nn.Module):
    """fp32 in and out, bf16 inside."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x.to(torch.bfloat16)).float()


class Autocast(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.model(x).float()


def main():
    torch.set_num_threads(1)
    torch.backends.quantized.engine = "onednn"
    x, y = train.load_split("test")
    x = train.to_input(x)
    script = torch.jit.load(os.path.join(ROOT, "models", "fashion-mnist", "1", "model.pt")).eval()
    eager = train.FashionNet()
    eager.load_state_dict(script.state_dict())
    bf16 = train.FashionNet()
    bf16.load_state_dict(script.state_dict())
    bf16 = bf16.to(torch.bfloat16).eval()
    variants = [
        ("fp32, frozen + optimize_for_inference",
         lambda: torch.jit.optimize_for_inference(torch.jit.freeze(script))),
        ("bf16 weights and activations, frozen",
         lambda: torch.jit.freeze(torch.jit.script(AsBF16(bf16)).eval())),
        ("bf16, frozen + optimize_for_inference",
         lambda: torch.jit.optimize_for_inference(torch.jit.script(AsBF16(bf16)).eval())),
        ("bf16 autocast (eager)", lambda: Autocast(eager.eval())),
        ("int8, onednn (models/fashion-mnist-int8)",
         lambda: torch.jit.load(os.path.join(ROOT, "models", "fashion-mnist-int8", "1", "model.pt"))),
    ]
    print(f"{'variant (PyTorch loop, 1 thread)':45} {'accuracy':>8} {'b64 img/s':>10} {'b256 img/s':>10}")
    for name, make in variants:
        try:
            model = make()
        except Exception as e:  # a form this LibTorch cannot build is a finding too
            print(f"{name:45} failed: {str(e).splitlines()[0][:60]}")
            continue
        print(f"{name:45} {accuracy(model, x, y):8.4f} {speed(model, x, 64):10.0f} "
              f"{speed(model, x, 256):10.0f}")


if __name__ == "__main__":
    main()
