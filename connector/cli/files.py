"""Output written whole or not at all: a crash or an error never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def _usual_mode(path: Path) -> None:
    """The permissions an ordinary new file gets (``mkstemp`` makes it private to the user)."""
    mask = os.umask(0)
    os.umask(mask)
    path.chmod(0o666 & ~mask)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    _usual_mode(Path(tmp))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def staged(paths: Sequence[Path]) -> Iterator[dict[Path, Path]]:
    """A temporary path beside each of ``paths`` (same suffix: writers may go by it) to write
    to; once the block succeeds, each is renamed over its path. On an error nothing is renamed
    and the temporary files are removed: every file is written whole, and all or none. The block
    may add entries (a further file it wrote under a temporary name beside its final path):
    they are renamed, or removed, with the others."""
    temporary: dict[Path, Path] = {}
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
            os.close(fd)
            temporary[path] = Path(name)
            _usual_mode(temporary[path])
        yield temporary
        for path, written in temporary.items():
            os.replace(written, path)
    finally:
        for left in temporary.values():
            left.unlink(missing_ok=True)
