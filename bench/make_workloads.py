#!/usr/bin/python3
"""Makes the benchmark's models and inputs (never committed; bench/run calls
this with Debian's python3-torch and python3-torchvision).

  make_workloads.py resnet18 DIR    ResNet-18 (torchvision, untrained weights,
                                    fixed seed), 224x224 RGB, 1000 classes,
                                    16 probe JPEGs (not among the inputs)
  make_workloads.py null DIR        a null model: 8x8 grey in, 2 logits out,
                                    no computation to speak of
  make_workloads.py jpegs DIR N     N synthetic 256x256 RGB JPEGs
  make_workloads.py tiny DIR N      N tiny 8x8 PNGs (hard links to one file)
"""
import os
import sys

import numpy as np
from PIL import Image


def write_model(directory, module, example, name, width, height, channels,
                mean, std, labels, batching, resize='resize = "stretch"'):
    import torch
    os.makedirs(directory, exist_ok=True)
    module.eval()
    with torch.no_grad():
        traced = torch.jit.trace(module, example)
    traced.save(os.path.join(directory, "model.pt"))
    with open(os.path.join(directory, "labels.txt"), "w") as f:
        f.write("".join(f"{label}\n" for label in labels))
    with open(os.path.join(directory, "model.ini"), "w") as f:
        f.write(f"""; made by bench/make_workloads.py
[model]
name = "{name}"
version = "1"
width = {width}
height = {height}
channels = {channels}
mean = {mean}
std = {std}
{resize}

[batching]
{batching}
""")


def resnet18(directory):
    import torch
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None)
    write_model(directory, model, torch.zeros(1, 3, 224, 224), "resnet18",
                224, 224, 3, "[0.485, 0.456, 0.406]", "[0.229, 0.224, 0.225]",
                [f"class-{i}" for i in range(1000)],
                # Measured: no gain from batches larger than a few here.
                "max-batch-size = 4\nmax-queue-delay = 0ms",
                # As torchvision's ImageNet models are fed: Resize(256) +
                # CenterCrop(224).
                resize='resize = "shorter-side"\nresize-to = 256')
    # Workers serve the optimized graph after checking it on these.
    jpegs(os.path.join(directory, "probe"), 16, seed=1)


def null(directory):
    import torch

    class Null(torch.nn.Module):
        def forward(self, x):
            return x.flatten(1)[:, :2]

    write_model(directory, Null(), torch.zeros(1, 1, 8, 8), "null", 8, 8, 1,
                "[0.5]", "[0.5]", ["a", "b"],
                "max-batch-size = 256\nmax-queue-delay = 0ms")


def jpegs(directory, count, seed=0):
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        # Smooth colour fields plus noise: compresses like a photo, not like
        # flat colour or white noise.
        y, x = np.mgrid[0:256, 0:256] / 256.0
        base = np.stack([np.sin(x * rng.uniform(1, 9) + rng.uniform(0, 6)),
                         np.cos(y * rng.uniform(1, 9) + rng.uniform(0, 6)),
                         np.sin((x + y) * rng.uniform(1, 9))], axis=-1)
        pixels = (base * 90 + 128 + rng.normal(0, 12, (256, 256, 3)))
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        image.save(os.path.join(directory, f"img-{i:04d}.jpg"), quality=90)


def tiny(directory, count):
    # Hard links keep 200,000 inputs cheap on disk; a file system allows
    # some 65,000 links per file, so every 60,000th one is a new file.
    os.makedirs(directory, exist_ok=True)
    pixels = (np.arange(64, dtype=np.uint8) * 4).reshape(8, 8)
    source = None
    for i in range(count):
        path = os.path.join(directory, f"t-{i:07d}.png")
        if i % 60000 == 0:
            Image.fromarray(pixels, mode="L").save(path)
            source = path
        else:
            os.link(source, path)


if __name__ == "__main__":
    what, directory = sys.argv[1], sys.argv[2]
    if what == "resnet18":
        resnet18(directory)
    elif what == "null":
        null(directory)
    elif what == "jpegs":
        jpegs(directory, int(sys.argv[3]))
    elif what == "tiny":
        tiny(directory, int(sys.argv[3]))
    else:
        sys.exit(f"unknown workload {what}")
