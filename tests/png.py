"""Just enough of PNG to read what a screenshot shows: 8-bit RGB or RGBA rows, top down."""
from __future__ import annotations

import struct
import zlib


def rows(data: bytes, limit: int | None = None):
    """(width, height, rows): each row a bytes of RGB triples, at most `limit` rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and not interlace, header
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompressobj()
    stream, previous, out = b"".join(idat), bytes(stride), []
    buffer = raw.decompress(stream, (stride + 1) * (limit or height))
    for y in range(min(height, limit or height)):
        line = buffer[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        if kind == 1:
            for i in range(channels, stride):
                row[i] = (row[i] + row[i - channels]) & 0xFF
        elif kind == 2:
            row = bytearray((a + b) & 0xFF for a, b in zip(row, previous))
        elif kind == 3:
            for i in range(stride):
                left = row[i - channels] if i >= channels else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = row[i - channels] if i >= channels else 0
                b, c = previous[i], previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        previous = bytes(row)
        out.append(previous if channels == 3 else bytes(
            b for i in range(0, stride, 4) for b in previous[i:i + 3]))
    return width, height, out
