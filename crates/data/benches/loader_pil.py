#!/usr/bin/env python3
"""The loader's work in Python with PIL + numpy, one process (one core): decode, resize to the
stored size, subtract the mean image, random crop, random mirror, scale, f32 CHW batch.

    python3 loader_pil.py --tiny DIR --photo FILE [--images N]

Prints `result <case> 1 <images/s>` lines, like the Rust benchmark loader_throughput.rs.
"""
import argparse
import glob
import os
import random
import time

import numpy as np
from PIL import Image


def load(path, stored):
    image = Image.open(path).convert("RGB")
    if image.size != (stored, stored):
        image = image.resize((stored, stored), Image.BILINEAR)
    return np.asarray(image, dtype=np.uint8)


def run(files, stored, crop, images, batch=64):
    mean = np.full((stored, stored, 3), 117.0, dtype=np.float32)
    scale = 1.0
    rng = random.Random(1)
    out = np.empty((batch, 3, crop, crop), dtype=np.float32)
    done = 0
    start = time.perf_counter()
    while done < images:
        for k in range(batch):
            path = files[(done + k) % len(files)]
            pixels = load(path, stored)
            top = rng.randrange(stored - crop + 1)
            left = rng.randrange(stored - crop + 1)
            window = (pixels[top:top + crop, left:left + crop].astype(np.float32)
                      - mean[top:top + crop, left:left + crop]) * scale
            if rng.random() < 0.5:
                window = window[:, ::-1]
            out[k] = window.transpose(2, 0, 1)
        done += batch
    return done / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", help="Tiny ImageNet root")
    parser.add_argument("--photo", required=True, help="the 500x375 JPEG")
    parser.add_argument("--images", type=int, default=2048)
    args = parser.parse_args()
    if args.tiny:
        files = sorted(glob.glob(os.path.join(args.tiny, "train", "*", "images", "*.JPEG")))
        rng = random.Random(0)
        rng.shuffle(files)
        run(files, 64, 56, 128)  # warm up
        rate = run(files, 64, 56, args.images)
        print(f"result tiny-imagenet-64-crop56 1 {rate:.1f}")
    photos = [args.photo]
    run(photos, 256, 227, 64)
    rate = run(photos, 256, 227, args.images // 4)
    print(f"result jpeg-500x375-256-crop227 1 {rate:.1f}")


if __name__ == "__main__":
    main()
