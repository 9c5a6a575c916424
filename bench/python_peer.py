#!/usr/bin/python3
"""The program a user tuning PyTorch would otherwise write: Debian's
python3-torch, a DataLoader with W worker processes decoding the same files
with PIL, the same TorchScript model, frozen and optimized for inference
(torch.jit.optimize_for_inference) as its documentation advises, T intra-op
threads, the same preprocessing (from model.ini), results to a CSV.

  python_peer.py MODEL_DIR LIST OUT.csv [--batch B] [--workers W]
                 [--threads T] [--plain]

bench/run tries W in {1, 2} x T in {1, 2} and keeps the best.

Prints "images/s N", timed from the first batch requested to the last row
written (imports and model loading excluded, as fovea's summary excludes its
start-up).
"""
import argparse
import csv
import re
import time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms


def read_manifest(path):
    values = {}
    for line in open(path):
        m = re.match(r'\s*([a-z0-9-]+)\s*=\s*(.+?)\s*$', line)
        if m:
            values[m.group(1)] = m.group(2).strip('"')
    floats = lambda s: [float(x) for x in s.strip("[]").split(",")]
    if "quantized-engine" in values:  # an int8 model's packed weights need it
        torch.backends.quantized.engine = values["quantized-engine"]
    # resize = "shorter-side": Resize(resize-to) + CenterCrop, as fovea does.
    crop_from = int(values["resize-to"]) if values.get("resize") == "shorter-side" else None
    return (int(values["width"]), int(values["height"]),
            int(values["channels"]), floats(values["mean"]),
            floats(values["std"]), crop_from)


class Images(Dataset):
    def __init__(self, paths, manifest):
        width, height, channels, mean, std, crop_from = manifest
        self.paths = paths
        self.mode = "L" if channels == 1 else "RGB"
        self.size = (width, height)
        self.stretch = not crop_from
        steps = [transforms.ToTensor(), transforms.Normalize(mean, std)]
        if crop_from:
            steps = [transforms.Resize(crop_from), transforms.CenterCrop((height, width))] + steps
        self.prepare = transforms.Compose(steps)

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        image = Image.open(self.paths[i]).convert(self.mode)
        if self.stretch and image.size != self.size:
            image = image.resize(self.size, Image.BILINEAR)
        return self.prepare(image), i


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("list")
    parser.add_argument("out")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--plain", action="store_true",
                        help="serve the module as loaded, not optimized")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    paths = [line.strip() for line in open(args.list) if line.strip()]
    labels = [line.strip() for line in open(f"{args.model}/labels.txt")]
    model = torch.jit.load(f"{args.model}/model.pt").eval()
    if not args.plain:
        model = torch.jit.optimize_for_inference(torch.jit.freeze(model))
    loader = DataLoader(Images(paths, read_manifest(f"{args.model}/model.ini")),
                        batch_size=args.batch, num_workers=args.workers)
    start = time.monotonic()
    with open(args.out, "w", newline="") as f, torch.inference_mode():
        out = csv.writer(f)
        out.writerow(["path", "label", "class", "score"])
        for batch, indexes in loader:
            scores, best = model(batch).softmax(1).max(1)
            for i, s, b in zip(indexes.tolist(), scores.tolist(), best.tolist()):
                out.writerow([paths[i], b, labels[b], f"{s:.6f}"])
    took = time.monotonic() - start
    print(f"images/s {len(paths) / took:.1f}")


if __name__ == "__main__":
    main()
