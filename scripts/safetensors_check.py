#!/usr/bin/env python3
"""Open a safetensors file the way Python tooling sees it and print one line per tensor:

    <name> TAB <shape as RxC> TAB <sum of values, repr>

Used by clayers' tests to check that files clayers writes read the same elsewhere. Uses NumPy
(np.frombuffer) when it is installed, else only the standard library; --stdlib forces the latter.
Only F32 tensors are summed; any other dtype is an error, as in clayers.
"""
import json
import math
import struct
import sys
from array import array


def main(argv):
    use_numpy = "--stdlib" not in argv
    paths = [a for a in argv if a != "--stdlib"]
    if len(paths) != 1:
        print("usage: safetensors_check.py [--stdlib] FILE.safetensors", file=sys.stderr)
        return 2
    np = None
    if use_numpy:
        try:
            import numpy as np
        except ImportError:
            np = None

    with open(paths[0], "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    data = memoryview(blob)[8 + header_len:]
    header.pop("__metadata__", None)

    for name, info in header.items():
        if info["dtype"] != "F32":
            raise SystemExit(f"{name}: dtype {info['dtype']}, only F32 is checked")
        begin, end = info["data_offsets"]
        shape = info["shape"]
        count = math.prod(shape)
        if end - begin != 4 * count:
            raise SystemExit(f"{name}: shape {shape} does not match {end - begin} bytes")
        raw = data[begin:end]
        if np is not None:
            values = np.frombuffer(raw, dtype="<f4").reshape(shape)
            total = float(values.astype(np.float64).sum())
        else:
            values = array("f")
            values.frombytes(raw)
            if sys.byteorder == "big":
                values.byteswap()  # the format is little-endian
            total = math.fsum(values)
        print(f"{name}\t{'x'.join(str(d) for d in shape)}\t{total!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
