#!/usr/bin/python3
"""Makes the PyTorch-made ONNX files the tests import (src/test/resources/onnx/).

Needs Debian's python3-torch (1.13) and python3-onnx (1.12): apt-get install python3-torch python3-onnx;
run with Debian's interpreter from the repository root: /usr/bin/python3 scripts/onnx-fixtures.py

Each model is trained briefly (seeded) on the bundled MNIST training digits, so its logits and
batch-norm statistics are those of a real network, then exported with torch.onnx.export in eval
mode and checked with onnx.checker. Beside each NAME.onnx goes NAME.json: the opset, the input
shape and PyTorch's logits for the first BATCH digits of the bundled test split (pixels / 255, in
file order: what MnistDataset.bundled().test() gives clayers). The tests reproduce those logits.
lstm.onnx and gelu-erf.onnx are made to be refused.
"""
import gzip
import json
import os
import struct

import numpy as np
import onnx
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST = os.path.join(ROOT, "src/main/resources/dev/clayers/data/mnist-bundled")
OUT = os.path.join(ROOT, "src/test/resources/onnx")
BATCH = 16


def idx_images(name):
    with gzip.open(os.path.join(MNIST, name + ".gz"), "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051, name
        return np.frombuffer(f.read(n * rows * cols), dtype=np.uint8).reshape(n, 1, rows, cols).astype(np.float32) / 255


def idx_labels(name):
    with gzip.open(os.path.join(MNIST, name + ".gz"), "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        assert magic == 2049, name
        return np.frombuffer(f.read(n), dtype=np.uint8).astype(np.int64)


def train(model, images, labels, flat, steps=300, batch=32, seed=0):
    """A few hundred Adam steps: enough for real weights and batch-norm statistics."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(steps):
        i = torch.randint(0, len(images), (batch,), generator=g)
        x = torch.from_numpy(images[i.numpy()])
        if flat:
            x = x.reshape(batch, -1)
        loss = nn.functional.cross_entropy(model(x), torch.from_numpy(labels[i.numpy()]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def export(name, model, x, opset, check=True):
    path = os.path.join(OUT, name + ".onnx")
    # training=PRESERVE keeps BatchNormalization as its own node: the default (EVAL) folds it into the conv before it.
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"], opset_version=opset,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=True)
    m = onnx.load(path)
    if check:
        onnx.checker.check_model(m)
    with torch.no_grad():
        logits = model(x).numpy()
    meta = {"producer": "torch " + torch.__version__ + ", onnx " + onnx.__version__, "opset": opset,
            "ops": sorted({n.op_type for n in m.graph.node}),
            "input": "the first %d digits of the bundled MNIST test split, pixels / 255" % BATCH,
            "input_shape": list(x.shape), "logits": [[float(v) for v in row] for row in logits]}
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(name, opset, meta["ops"], os.path.getsize(path), "bytes")


def main():
    torch.manual_seed(30)
    os.makedirs(OUT, exist_ok=True)
    images, labels = idx_images("train-images-idx3-ubyte"), idx_labels("train-labels-idx1-ubyte")
    test = torch.from_numpy(idx_images("t10k-images-idx3-ubyte")[:BATCH].copy())

    # A perceptron on [N, 784]: Linear (Gemm, transB=1), BatchNorm1d, Sigmoid, Dropout (gone in eval), Linear.
    mlp = nn.Sequential(nn.Linear(784, 12), nn.BatchNorm1d(12), nn.Sigmoid(), nn.Dropout(0.2), nn.Linear(12, 10))
    train(mlp, images, labels, flat=True)
    export("mlp", mlp, test.reshape(BATCH, -1), opset=13)

    # A CNN on [N, 1, 28, 28]: conv with padding, batch norm, ReLU, max pooling, conv with stride 2, Flatten, Linear.
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 7 * 7, 10))
    train(cnn, images, labels, flat=False)
    export("cnn", cnn, test, opset=17)

    # Average pooling, GELU's tanh form (written out in Mul/Add/Pow/Tanh below opset 20) and Tanh.
    avg = nn.Sequential(nn.Conv2d(1, 3, 5, stride=1, padding=2), nn.GELU(approximate="tanh"), nn.AvgPool2d(2),
                        nn.Conv2d(3, 4, 3), nn.Tanh(), nn.AvgPool2d(3, stride=2), nn.Flatten(), nn.Linear(4 * 5 * 5, 10))
    train(avg, images, labels, flat=False)
    export("avgpool-gelu", avg, test, opset=17)

    # Refused: GELU's erf form (nn.GELU()'s default), and a recurrent layer.
    erf = nn.Sequential(nn.Flatten(), nn.Linear(784, 4), nn.GELU(), nn.Linear(4, 10))
    export("gelu-erf", erf, test, opset=17)

    class Recurrent(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 4, batch_first=True)
            self.head = nn.Linear(4, 10)

        def forward(self, x):
            out, _ = self.lstm(x.reshape(x.shape[0], 28, 28))
            return self.head(out[:, -1])

    export("lstm", Recurrent().eval(), test, opset=17)


if __name__ == "__main__":
    main()
