#!/usr/bin/python3
# Makes the decode fuzzer's seed corpus: one small file per kind of image
# fovea decodes (and one of each truncation kind), so that fuzzing starts
# from every decoder path instead of rediscovering the formats. Uses
# Debian's python3-pil:  /usr/bin/python3 tests/fuzz/make_corpus.py
import io
from pathlib import Path

from PIL import Image

out = Path(__file__).with_name("corpus")
out.mkdir(exist_ok=True)


def gradient(mode, size=(12, 9)):
    image = Image.new(mode, size)
    bands = len(image.getbands())
    for y in range(size[1]):
        for x in range(size[0]):
            value = (x * 19 + y * 7) % 256
            image.putpixel((x, y), value if bands == 1 else (value,) * bands)
    return image


def save(name, image, **options):
    data = io.BytesIO()
    image.save(data, **options)
    (out / name).write_bytes(data.getvalue())
    return data.getvalue()


save("gray.png", gradient("L"), format="PNG")
save("rgb.png", gradient("RGB"), format="PNG")
save("rgba.png", gradient("RGBA"), format="PNG")
save("gray16.png", gradient("I;16"), format="PNG")
save("palette.png", gradient("RGB").convert("P"), format="PNG")
jpeg = save("rgb.jpg", gradient("RGB", (24, 16)), format="JPEG", quality=80)
save("progressive.jpg", gradient("RGB", (24, 16)), format="JPEG",
     progressive=True)
save("cmyk.jpg", gradient("CMYK"), format="JPEG")
save("gray.jpg", gradient("L"), format="JPEG")
(out / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
