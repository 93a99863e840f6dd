#!/usr/bin/env python3
"""Runs a clayers model file in NumPy, reading every tensor the way PyTorch lays it out, and prints
the logits of the first N images of an IDX image file (pixels / 255), one row per line.

An independent check of the file layout: conv weights (out, in, kh, kw) applied as PyTorch's
Conv2d (cross-correlation, zero padding), images NCHW, max pooling, flattening in (C, H, W) order,
affine layers as x W + b (W stored in x out), batch norm with the running averages (eps 1e-6,
the book's), dropout as the identity. The layer list comes from the file's metadata.

Usage: conv_model_check.py MODEL.safetensors IMAGES-idx3-ubyte[.gz] N
Exit 3 when NumPy is missing.
"""
import gzip
import json
import re
import struct
import sys

try:
    import numpy as np
except ImportError:
    print("NumPy is not installed", file=sys.stderr)
    sys.exit(3)


def read_model(path):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = blob[8 + n:]
    tensors = {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f4").reshape(v["shape"])
               for k, v in header.items()}
    return meta, tensors


def read_images(path, count):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    x = np.frombuffer(raw[4 + 4 * dims:], dtype=np.uint8).reshape(shape)[:count]
    return x.astype(np.float64)[:, None, :, :] / 255.0


def conv2d(x, w, b, stride, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = w.shape[2]
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("ncijkl,fckl->nfij", win, w) + b.reshape(1, -1, 1, 1)


def max_pool(x, window, stride):
    win = np.lib.stride_tricks.sliding_window_view(x, (window, window), axis=(2, 3))[:, :, ::stride, ::stride]
    return win.max(axis=(4, 5))


def main():
    meta, t = read_model(sys.argv[1])
    x = read_images(sys.argv[2], int(sys.argv[3]))
    counts = {}

    def name(kind):
        counts[kind] = counts.get(kind, 0) + 1
        return kind + str(counts[kind])

    for layer in meta["layers"].split():
        kind = re.match(r"[a-z]+", layer).group(0)
        args = layer[len(kind) + 1:-1].split(",") if "(" in layer else []
        if kind == "conv":
            n = name("conv")
            x = conv2d(x, t[n + ".W"].astype(np.float64), t[n + ".b"].astype(np.float64), int(args[3]), int(args[4]))
        elif kind == "maxpool":
            x = max_pool(x, int(args[1]), int(args[2]))
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "dropout":
            pass
        elif kind == "batchnorm":
            n = name("batchnorm")
            shape = (1, -1, 1, 1) if x.ndim == 4 else (1, -1)
            p = {k: t[n + "." + k].astype(np.float64).reshape(shape) for k in ("gamma", "beta", "running_mean", "running_var")}
            x = p["gamma"] * (x - p["running_mean"]) / np.sqrt(p["running_var"] + 1e-6) + p["beta"]
        elif kind == "affine":
            n = name("affine")
            x = x.reshape(x.shape[0], -1) @ t[n + ".W"].astype(np.float64) + t[n + ".b"].astype(np.float64).reshape(1, -1)
        else:
            raise SystemExit("unknown layer " + layer)
    for row in x:
        print(" ".join("%.7g" % v for v in row))


if __name__ == "__main__":
    main()
