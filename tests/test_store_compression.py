"""Stored texts round-trip through the per-thread zstd (de)compressors, and a damaged frame
neither stops nor spoils the next read (the decompressor is reused)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from connector.store.compression import CorruptBundle, compress_text, decompress_text


def test_a_damaged_frame_is_reported_and_the_next_one_still_reads() -> None:
    good = compress_text('{"id":"1","summary":"é 😀"}')
    damaged = good[:-3] + b"\x00\x00\x00"
    for data in (b"not zstd", damaged, good[: len(good) // 2]):
        with pytest.raises(CorruptBundle):
            decompress_text(data)
        assert decompress_text(good) == '{"id":"1","summary":"é 😀"}'


def test_threads_round_trip_their_own_texts() -> None:
    texts = [f'{{"n":{n},"pad":"{"x" * n}"}}' for n in range(200)]
    with ThreadPoolExecutor(4) as pool:
        back = list(pool.map(lambda t: decompress_text(compress_text(t)), texts))
    assert back == texts
