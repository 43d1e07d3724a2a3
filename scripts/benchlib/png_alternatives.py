#!/usr/bin/env python3
"""PNG encoding alternatives for the bench charts: size and zlib time of each filter × level × strategy
(and an exact palette where the image has ≤ 256 colours), on the rasters of the PNGs that
`candlewick-bench charts --out DIR` wrote (swift_daily.png, swift_weekly.png). zlib is the system
library Candlewick links; filters are applied with numpy, so only the deflate time is comparable
(filtering costs extra: SUB/UP ~1 ms, PAETH several ms in scalar code).
Usage: png_alternatives.py DIR  → a Markdown table on stdout."""
import statistics
import struct
import sys
import time
import zlib

import numpy as np


def raster(path):
    data = open(path, "rb").read()
    p, idat, plte = 8, b"", None
    while p < len(data):
        n, kind = struct.unpack(">I4s", data[p:p + 8])
        body = data[p + 8:p + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"PLTE":
            plte = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            idat += body
        p += 12 + n
    assert depth == 8 and ctype in (2, 3)
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, -1)
    assert (rows[:, 0] == 0).all(), "expects filter NONE"
    px = rows[:, 1:]
    return plte[px] if ctype == 3 else px.reshape(h, w, 3)


def paeth(a, b, c):
    a, b, c = (x.astype(np.int16) for x in (a, b, c))
    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c)).astype(np.uint8)


def filtered(img, kind):
    h, w, _ = img.shape
    x = img.reshape(h, w * 3)
    left = np.zeros_like(x); left[:, 3:] = x[:, :-3]
    up = np.zeros_like(x); up[1:] = x[:-1]
    upleft = np.zeros_like(x); upleft[1:, 3:] = x[:-1, :-3]
    body = {"NONE": x, "SUB": x - left, "UP": x - up, "PAETH": x - paeth(left, up, upleft)}[kind]
    code = {"NONE": 0, "SUB": 1, "UP": 2, "PAETH": 4}[kind]
    return np.hstack([np.full((h, 1), code, np.uint8), body]).tobytes()


def indexed(img):
    h, w, _ = img.shape
    key = (img[..., 0].astype(np.uint32) << 16) | (img[..., 1].astype(np.uint32) << 8) | img[..., 2]
    colours, idx = np.unique(key, return_inverse=True)
    if len(colours) > 256:
        return len(colours), None
    return len(colours), np.hstack([np.zeros((h, 1), np.uint8), idx.reshape(h, w).astype(np.uint8)]).tobytes()


def deflate(data, level, strategy, repeats=5):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        z = zlib.compressobj(level, zlib.DEFLATED, 15, 8, strategy)
        out = z.compress(data) + z.flush()
        times.append((time.perf_counter() - t) * 1000)
    return len(out), statistics.median(times)


STRATEGIES = {"default": zlib.Z_DEFAULT_STRATEGY, "filtered": zlib.Z_FILTERED, "rle": zlib.Z_RLE}
CASES = [("NONE", 3, "default"), ("NONE", 3, "rle"), ("NONE", 4, "default"), ("NONE", 6, "default"),
         ("SUB", 3, "default"), ("SUB", 4, "default"), ("SUB", 6, "default"), ("UP", 3, "default"),
         ("PAETH", 3, "default"), ("PAETH", 3, "filtered"), ("PAETH", 4, "default"), ("PAETH", 4, "filtered"),
         ("PAETH", 6, "default"), ("PAETH", 3, "rle")]

folder = sys.argv[1]
images = {tf: raster(f"{folder}/swift_{tf}.png") for tf in ("daily", "weekly")}
base = {tf: deflate(filtered(img, "NONE"), 3, zlib.Z_DEFAULT_STRATEGY) for tf, img in images.items()}
print("| RGB filter | zlib level | strategy | daily bytes | weekly bytes | deflate time vs NONE/3/default |")
print("|---|---:|---|---:|---:|---:|")
for kind, level, strategy in CASES:
    row = [deflate(filtered(img, kind), level, STRATEGIES[strategy]) for img in images.values()]
    ratio = statistics.mean(r[1] / b[1] for r, b in zip(row, base.values()))
    print(f"| {kind} | {level} | {strategy} | {row[0][0]:,} | {row[1][0]:,} | {ratio:.2f}x |")
for tf, img in images.items():
    n, data = indexed(img)
    if data is None:
        print(f"\n{tf}: {n:,} distinct colours: no exact palette (PNG allows 256).", end="")
    else:
        size, ms = deflate(data, 3, zlib.Z_DEFAULT_STRATEGY)
        print(f"\n{tf}: {n} colours, exact palette, NONE/3/default: {size + 12 + 3 * n:,} bytes, "
              f"{ms / base[tf][1]:.2f}x the time.", end="")
print()
