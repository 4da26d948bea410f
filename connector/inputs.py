"""Reading payload files (JSON or JSON Lines) for the offline commands.

Two passes keep memory bounded: the first collects history and directory documents (changelog
and ticket-event pages, users), the second maps primary documents (issue/ticket pages) one at a
time. In JSON Lines files, lines that look like primary pages are not parsed in the first pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from connector import untrusted
from connector.platforms.registry import platform_for
from connector.spill import SpilledHistory
from mappings.assemble import Assembler, BadItem, InputShapeError, MappedTicket, Origin

#: First characters of a JSON Lines line that is (very likely) a primary page.
_PRIMARY_PREFIXES = (b'{"issues"', b'{"tickets"', b'{"ticket":', b'{"ticket" :', b'{"key"', b'{"id"')


#: A document deeper than the JSON parser reads cannot be split into tickets: the whole file is refused.
TOO_DEEP = "nested too deeply to read (more than about 900 levels)"


class InputError(ValueError):
    """A payload file cannot be read (missing, not JSON, unknown shape). Names file and line."""


@dataclass(frozen=True)
class _Doc:
    origin: Origin
    #: JSON Lines: the raw line (parsed only when needed) and its byte offset in the file.
    text: bytes | None
    offset: int = 0
    value: Any = None

    def load(self) -> Any:
        if self.text is None:
            return self.value
        return _parse_line(self.text, self.origin)


def _parse_line(text: bytes, origin: Origin) -> Any:
    try:
        return untrusted.loads(text)
    except RecursionError:
        raise InputError(f"{origin}: invalid JSON: {TOO_DEEP}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        detail = f"{exc.msg} (column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise InputError(f"{origin}: invalid JSON: {detail}") from None


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _documents(path: Path) -> Iterator[_Doc]:
    with _open(path) as handle:
        first = handle.readline()
        rest = handle.readline()
        handle.seek(0)
        if rest.strip() and _is_json(first):
            number = 0
            while True:
                offset = handle.tell()
                line = handle.readline()
                if not line:
                    return
                number += 1
                if line.strip():
                    yield _Doc(Origin(str(path), number), line, offset)
        text = handle.read()
    try:
        value = untrusted.loads(text)
    except RecursionError:
        raise InputError(f"{path}: invalid JSON: {TOO_DEEP}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = (
            f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
            if isinstance(exc, json.JSONDecodeError)
            else str(exc)
        )
        raise InputError(f"{path}: invalid JSON at {where}") from None
    yield _Doc(Origin(str(path)), None, 0, value)


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except RecursionError:
        return True  # JSON, too deep to read: reported when the line is parsed
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return True


def _looks_primary(doc: _Doc) -> bool:
    return doc.text is not None and doc.text.lstrip().startswith(_PRIMARY_PREFIXES)


#: Above this much input, Zendesk history waits on disk (connector/spill.py), not in memory.
SPILL_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class FileTicket:
    """One raw ticket of the input files; its history is what ``assembler`` read in pass 1
    (compacted as read, spilled to disk for big Zendesk inputs), joined when it is mapped.

    Map each in the order yielded, before the next is read: duplicates are told apart by
    that order, and the history of a big input is on disk only while the files are read.
    """

    assembler: Assembler
    raw: Mapping[str, Any] | BadItem

    def map(self) -> MappedTicket:
        return self.assembler.map_item(self.raw)


def file_bundles(
    paths: Sequence[Path], assembler: Assembler, *, spill_bytes: int = SPILL_BYTES
) -> Iterator[tuple[str, FileTicket]]:
    """Every raw ticket in ``paths`` as ``(file, bundle)``, for ``connector.checking``.

    Primary documents come newest first (last file, last line first): exports and
    searches run oldest to newest, so when a ticket appears in several pages or pulls, the
    version mapped is its latest one and the older copies are skipped as duplicates.
    """
    spill = None
    if platform_for(assembler.spec.platform).spills_history and _total_size(paths) > spill_bytes:
        spill = SpilledHistory()
        assembler.zendesk_history = spill
    try:
        yield from _two_passes(paths, assembler)
    finally:
        if spill is not None:
            spill.close()


def map_files(
    paths: Sequence[Path], assembler: Assembler, *, spill_bytes: int = SPILL_BYTES
) -> Iterator[MappedTicket]:
    """Every raw ticket in ``paths``, mapped (or with the error that stopped it); not checked."""
    for _path, ticket in file_bundles(paths, assembler, spill_bytes=spill_bytes):
        yield ticket.map()


def _total_size(paths: Sequence[Path]) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


def _two_passes(paths: Sequence[Path], assembler: Assembler) -> Iterator[tuple[str, FileTicket]]:
    # Pass 1: history and directory documents. Primary JSON Lines are only remembered by
    # their byte offset (re-read in pass 2), so the primary payloads are never all in memory.
    primary: list[tuple[Path, _Doc]] = []
    for path in paths:
        for doc in _documents(path):
            if _looks_primary(doc):
                primary.append((path, _Doc(doc.origin, None, doc.offset)))
                continue
            value = doc.load()
            try:
                assembler.add_history(value, doc.origin)
            except InputShapeError as exc:
                raise InputError(str(exc)) from None
            if _contains_primary(assembler, value):
                keep = value if doc.text is None else None  # whole JSON files are small
                primary.append((path, _Doc(doc.origin, None, doc.offset, keep)))
    # Pass 2: map one primary document at a time, newest first.
    handles: dict[Path, BinaryIO] = {}
    try:
        for path, doc in reversed(primary):
            value = doc.value
            if value is None:
                handle = handles.get(path) or handles.setdefault(path, _open(path))
                handle.seek(doc.offset)
                value = _parse_line(handle.readline(), doc.origin)
            for raw in _raw_tickets(assembler, value, doc.origin):
                yield str(path), FileTicket(assembler, raw)
    finally:
        for handle in handles.values():
            handle.close()


def _raw_tickets(assembler: Assembler, value: Any, origin: Origin) -> list[Mapping[str, Any] | BadItem]:
    """The document's raw tickets, newest (last) first."""
    try:
        raws = list(assembler.items(value, origin))
    except InputShapeError as exc:
        raise InputError(str(exc)) from None
    raws.reverse()
    return raws


def _contains_primary(assembler: Assembler, value: Any) -> bool:
    if isinstance(value, list):
        return any(assembler.is_primary(v) for v in value)
    return assembler.is_primary(value)
