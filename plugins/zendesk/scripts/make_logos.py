"""Write assets/logo.png (320x320) and assets/logo-small.png (128x128): a white check mark on blue.

Pure standard library (zlib + struct); run from anywhere: ``python plugins/zendesk/scripts/make_logos.py``.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "assets"
BLUE, WHITE = (31, 115, 183), (255, 255, 255)


def _inside_check(x: float, y: float) -> bool:
    """A thick check mark in unit coordinates."""
    def near(ax: float, ay: float, bx: float, by: float) -> bool:
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        return bool(((x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2) ** 0.5 < 0.07)
    return near(0.25, 0.52, 0.43, 0.70) or near(0.43, 0.70, 0.76, 0.32)


def png(size: int) -> bytes:
    rows = bytearray()
    for j in range(size):
        rows.append(0)
        for i in range(size):
            rows.extend(WHITE if _inside_check((i + 0.5) / size, (j + 0.5) / size) else BLUE)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
            + chunk(b"IEND", b""))


if __name__ == "__main__":
    (ASSETS / "logo.png").write_bytes(png(320))
    (ASSETS / "logo-small.png").write_bytes(png(128))
