"""Checks that a screenshot of report.html is not blank and shows a chart.

Usage: python3 scripts/check_screenshot.py SHOT.png

Decodes the PNG with the standard library only: 8-bit RGB or RGBA, not
interlaced, as Chromium writes them. Fails when nearly every pixel has
the same colour or there are too few colours for text and charts. Fails
too when too few pixels have the blue of the charts' first series.
"""

import struct
import sys
import zlib
from collections import Counter

CHART_BLUE = (31, 119, 180)


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"IEND":
            break

    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"{path}: only 8-bit RGB or RGBA without interlacing is read")
    size = 3 if colour == 2 else 4

    raw = zlib.decompress(b"".join(chunks))
    stride = width * size
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - size] if x >= size else 0
            up = previous[x]
            corner = previous[x - size] if x >= size else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                distances = (abs(estimate - left), abs(estimate - up), abs(estimate - corner))
                predictor = (left, up, corner)[distances.index(min(distances))]
                line[x] = (line[x] + predictor) & 0xFF
        rows.append(line)
        previous = line

    pixels = Counter()
    for line in rows:
        for x in range(0, stride, size):
            pixels[(line[x], line[x + 1], line[x + 2])] += 1
    return width, height, pixels


def main():
    width, height, pixels = decode(sys.argv[1])
    total = width * height
    _, background = pixels.most_common(1)[0]
    other = 1 - background / total
    blue = sum(count for colour, count in pixels.items() if all(abs(a - b) <= 12 for a, b in zip(colour, CHART_BLUE)))
    print(f"{sys.argv[1]}: {width}x{height}, {len(pixels)} colours, {other:.1%} not background, {blue} chart-blue pixels")
    if other < 0.02 or len(pixels) < 50:
        print("blank: almost a single colour")
        return 1
    if blue < 200:
        print("no chart: too few pixels of the charts' blue")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
