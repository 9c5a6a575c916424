#!/usr/bin/python3
"""Write the tensors train.py's loader makes for a few test images.

tests/vision/training_parity.test.cpp feeds the same images through fovea
(IDX -> PNG -> decode -> preprocess) and compares against these values, so
a change on either side that would make serving differ from training fails
a test. Regenerate after changing train.py's preprocessing:

    /usr/bin/python3 models/fashion-mnist/1/make_fixture.py \
        > tests/fixtures/fashion-mnist-preprocess.txt
"""
import train

INDICES = [0, 1, 2, 1234, 9999]  # a few, from both ends of the test split

images, labels = train.load_split("test")
tensors = train.to_input(images[INDICES])
print("# index label then 784 floats of train.py to_input(), by make_fixture.py")
for i, tensor in zip(INDICES, tensors):
    values = " ".join(f"{v:.9g}" for v in tensor.flatten().tolist())
    print(f"{i} {labels[i].item()} {values}")
