#!/usr/bin/python3
"""Make fashion-mnist-int8: the shipped fp32 model quantized to int8 for
oneDNN's quantized engine (post-training, static, FX graph mode).

    /usr/bin/python3 models/fashion-mnist-int8/1/quantize.py

Reads models/fashion-mnist/1/model.pt, calibrates activation ranges on the
first 2,000 images of the training split, and writes a frozen TorchScript
model.pt here. Weights are int8 per channel, activations uint8; the
convolutions and linear layers run as oneDNN int8 kernels, which use
AVX512_VNNI where the CPU has it. Prints the test accuracy (PyTorch's own
loop) next to the fp32 model's; bench/precision.py measures their speed.
"""
import os
import sys

import torch
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "fashion-mnist", "1"))
import train  # noqa: E402  (the fp32 model's architecture and data loading)


def accuracy(model, x, y):
    with torch.inference_mode():
        return sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
                   for i in range(0, len(x), 1000)) / len(x)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.backends.quantized.engine = "onednn"
    fp32_script = torch.jit.load(os.path.join(HERE, "..", "..", "fashion-mnist", "1", "model.pt"))
    fp32 = train.FashionNet()
    fp32.load_state_dict(fp32_script.state_dict())
    fp32.eval()
    calibration, _ = train.load_split("train")
    calibration = train.to_input(calibration[:2000])
    test_x, test_y = train.load_split("test")
    test_x = train.to_input(test_x)

    prepared = prepare_fx(fp32, get_default_qconfig_mapping("onednn"), (test_x[:1],))
    with torch.inference_mode():
        for i in range(0, len(calibration), 200):
            prepared(calibration[i:i + 200])
    int8 = convert_fx(prepared)
    with torch.inference_mode():
        scripted = torch.jit.freeze(torch.jit.trace(int8, test_x[:64]).eval())
    out = os.path.join(HERE, "model.pt")
    scripted.save(out)

    print(f"fp32: test accuracy {accuracy(fp32, test_x, test_y):.4f}")
    print(f"int8: test accuracy {accuracy(scripted, test_x, test_y):.4f}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
