"""Draws the extension icon (icon.png, 128x128): a sprout on a rounded green tile.

Plain Python (zlib + struct), so the icon is reproducible without image tools:
    python3 scripts/make_icon.py icon.png
"""

import math
import struct
import sys
import zlib

SIZE = 128
SAMPLES = 4  # supersampling per axis, for smooth edges

TILE = (38, 94, 64)
STEM = (236, 244, 230)
LEAF_LEFT = (163, 214, 120)
LEAF_RIGHT = (201, 232, 150)


def inside_rounded_square(x, y, radius=22):
    cx = min(max(x, radius), SIZE - radius)
    cy = min(max(y, radius), SIZE - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def inside_leaf(x, y, cx, cy, length, width, angle):
    """An ellipse with pointed look, rotated by angle (radians)."""
    dx, dy = x - cx, y - cy
    u = dx * math.cos(angle) + dy * math.sin(angle)
    v = -dx * math.sin(angle) + dy * math.cos(angle)
    if abs(u) > length:
        return False
    half_width = width * (1 - (u / length) ** 2)
    return abs(v) <= half_width


def colour_at(x, y):
    if not inside_rounded_square(x, y):
        return None
    if inside_leaf(x, y, 44, 58, 26, 13, math.radians(-35)):
        return LEAF_LEFT
    if inside_leaf(x, y, 86, 46, 28, 14, math.radians(-145) + math.pi):
        return LEAF_RIGHT
    # a slightly curved stem from the bottom to the leaves
    stem_x = 64 + 6 * math.sin((y - 40) / 40)
    if 44 <= y <= 108 and abs(x - stem_x) <= 4:
        return STEM
    return TILE


def pixel(px, py):
    totals = [0.0, 0.0, 0.0, 0.0]
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            colour = colour_at(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES)
            if colour is not None:
                for i in range(3):
                    totals[i] += colour[i]
                totals[3] += 1
    count = SAMPLES * SAMPLES
    if totals[3] == 0:
        return (0, 0, 0, 0)
    return (
        round(totals[0] / totals[3]),
        round(totals[1] / totals[3]),
        round(totals[2] / totals[3]),
        round(255 * totals[3] / count),
    )


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(v for rgba in row for v in rgba) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "icon.png"
    rows = [[pixel(x, y) for x in range(SIZE)] for y in range(SIZE)]
    with open(target, "wb") as out:
        out.write(png(SIZE, SIZE, rows))


if __name__ == "__main__":
    main()
