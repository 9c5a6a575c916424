#!/usr/bin/python3
"""The online server a user of PyTorch would otherwise write: one asyncio
process answering the Open Inference Protocol's REST inference requests
(the binary tensor data extension, one or more encoded images per request,
answered with the classification extension's "score:index:label"), which
gathers the requests that arrive within 1 ms of the first into one forward
pass of the same TorchScript model, frozen and optimized for inference,
with T intra-op threads; decoding with PIL in the same loop, as such a
server does. Debian has no aiohttp: the HTTP/1.1 framing is asyncio's
streams and a few lines here (keep-alive, Content-Length bodies).

  python_online_peer.py MODEL_DIR PORT [--threads T] [--gather-ms 1]

Prints "listening PORT" once it takes requests. bench/run online drives it
with fovea-bench-oip, the same load generator as fovea's endpoint.
"""
import argparse
import asyncio
import io
import json
import struct
import sys

import torch
from PIL import Image
from torchvision import transforms

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from python_peer import read_manifest  # noqa: E402


class Batcher:
    def __init__(self, model, labels, manifest, gather_s):
        width, height, channels, mean, std, crop_from = manifest
        self.model, self.labels = model, labels
        self.mode = "L" if channels == 1 else "RGB"
        self.size = (width, height)
        self.stretch = not crop_from
        steps = [transforms.ToTensor(), transforms.Normalize(mean, std)]
        if crop_from:
            steps = [transforms.Resize(crop_from),
                     transforms.CenterCrop((height, width))] + steps
        self.prepare = transforms.Compose(steps)
        self.gather_s = gather_s
        self.waiting = []  # (tensors, future)
        self.flushing = None

    def tensor(self, data):
        image = Image.open(io.BytesIO(data)).convert(self.mode)
        if self.stretch and image.size != self.size:
            image = image.resize(self.size, Image.BILINEAR)
        return self.prepare(image)

    async def classify(self, images):
        tensors = [self.tensor(data) for data in images]
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((tensors, future))
        if self.flushing is None:
            self.flushing = asyncio.ensure_future(self.flush())
        return await future

    async def flush(self):
        await asyncio.sleep(self.gather_s)  # company for the first request
        batch, self.waiting, self.flushing = self.waiting, [], None
        inputs = torch.stack([t for tensors, _ in batch for t in tensors])
        with torch.no_grad():
            probabilities = torch.softmax(self.model(inputs), dim=1)
        best, index = probabilities.max(dim=1)
        at = 0
        for tensors, future in batch:
            rows = [f"{best[i].item():.6f}:{index[i].item()}:"
                    f"{self.labels[index[i].item()]}"
                    for i in range(at, at + len(tensors))]
            at += len(tensors)
            future.set_result(rows)


def read_images(body, json_length):
    header = json.loads(body[:json_length])
    tensor = header["inputs"][0]
    count = tensor["shape"][0]
    data, at, images = body[json_length:], 0, []
    for _ in range(count):
        (n,) = struct.unpack_from("<I", data, at)
        images.append(data[at + 4:at + 4 + n])
        at += 4 + n
    return images


async def serve_connection(batcher, reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            fields = {}
            for line in head.decode("latin-1").split("\r\n")[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    fields[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(fields.get("content-length", 0)))
            rows = await batcher.classify(read_images(
                body, int(fields["inference-header-content-length"])))
            answer = json.dumps({"model_name": "peer", "outputs": [{
                "name": "probabilities", "datatype": "BYTES",
                "shape": [len(rows), 1], "data": rows}]}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json"
                         b"\r\nContent-Length: " + str(len(answer)).encode()
                         + b"\r\n\r\n" + answer)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("port", type=int)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gather-ms", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    labels = [line.strip() for line in open(f"{args.model}/labels.txt")]
    manifest = read_manifest(f"{args.model}/model.ini")
    model = torch.jit.load(f"{args.model}/model.pt").eval()
    model = torch.jit.optimize_for_inference(torch.jit.freeze(model))
    batcher = Batcher(model, labels, manifest, args.gather_ms / 1000)
    server = await asyncio.start_server(
        lambda r, w: serve_connection(batcher, r, w), "127.0.0.1", args.port)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
