"""Snapshot bundles and mapped records are kept zstd-compressed: as JSON text they were most
of a store's size.

Hashes are never taken over these bytes: ``snapshots.sha256`` and the run manifests digest the
canonical JSON text (``tickets.canonical_json``), so a compressed store verifies exactly as an
uncompressed one did, and the compression level can change without touching any hash.
"""

from __future__ import annotations

import threading

import zstandard

#: zstd's default level: on payload JSON higher levels save a few percent more at several
#: times the CPU per write.
LEVEL = 3


#: One compressor and decompressor per thread (their instances are not thread-safe): making
#: them costs more than decompressing a typical stored record.
_LOCAL = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    made: zstandard.ZstdCompressor | None = getattr(_LOCAL, "compressor", None)
    if made is None:
        made = _LOCAL.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return made


def _decompressor() -> zstandard.ZstdDecompressor:
    made: zstandard.ZstdDecompressor | None = getattr(_LOCAL, "decompressor", None)
    if made is None:
        made = _LOCAL.decompressor = zstandard.ZstdDecompressor()
    return made


class CorruptBundle(ValueError):
    """Stored bytes that are not a zstd frame of UTF-8 text (edited or damaged)."""


def compress_text(text: str) -> bytes:
    """``text`` as one zstd frame (the frame records its size, so it decompresses alone)."""
    return _compressor().compress(text.encode("utf-8"))


def decompress_text(data: bytes) -> str:
    """The text :func:`compress_text` stored; :class:`CorruptBundle` if ``data`` is not one."""
    try:
        return _decompressor().decompress(bytes(data)).decode("utf-8")
    except (zstandard.ZstdError, UnicodeDecodeError) as exc:
        raise CorruptBundle(f"not a zstd frame of UTF-8 text ({type(exc).__name__})") from None
