"""Reading payload files (JSON or JSON Lines) for the offline commands.

Two passes keep memory bounded: the first collects history and directory documents (changelog
and ticket-event pages, users), the second maps primary documents (issue/ticket pages) one at a
time. In JSON Lines files, lines that look like primary pages are not parsed in the first pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mappings.assemble import Assembler, InputShapeError, MappedTicket, Origin

#: First characters of a JSON Lines line that is (very likely) a primary page.
_PRIMARY_PREFIXES = (
    '{"issues"',
    '{"tickets"',
    '{"ticket":',
    '{"ticket" :',
    '{"expand"',
    '{"key"',
    '{"id"',
)


class InputError(ValueError):
    """A payload file cannot be read (missing, not JSON, unknown shape). Names file and line."""


@dataclass(frozen=True)
class _Doc:
    origin: Origin
    text: str | None  # JSON Lines: the line, parsed later; None when ``value`` is set
    value: Any = None

    def load(self) -> Any:
        if self.text is None:
            return self.value
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{self.origin}: invalid JSON: {exc.msg} (column {exc.colno})"
            ) from None


def _documents(path: Path) -> Iterator[_Doc]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        first = handle.readline()
        rest = handle.readline()
        handle.seek(0)
        if rest.strip() and _is_json(first):
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield _Doc(Origin(str(path), number), line)
            return
        text = handle.read()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    yield _Doc(Origin(str(path)), None, value)


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _looks_primary(doc: _Doc) -> bool:
    return doc.text is not None and doc.text.lstrip().startswith(_PRIMARY_PREFIXES)


def map_files(paths: Sequence[Path], assembler: Assembler) -> Iterator[MappedTicket]:
    """Every raw ticket in ``paths``, mapped (or with the error that stopped it)."""
    # Pass 1: history and directory documents. Primary JSON Lines are only remembered by
    # line number (re-read in pass 2), so the primary payloads are never all in memory.
    primary_lines: dict[Path, set[int]] = {}
    whole_documents: list[tuple[Origin, Any]] = []
    for path in paths:
        for doc in _documents(path):
            if _looks_primary(doc):
                primary_lines.setdefault(path, set()).add(doc.origin.line or 0)
                continue
            value = doc.load()
            try:
                assembler.add_history(value, doc.origin)
            except InputShapeError as exc:
                raise InputError(str(exc)) from None
            if _contains_primary(assembler, value):
                if doc.text is None:
                    whole_documents.append((doc.origin, value))
                else:
                    primary_lines.setdefault(path, set()).add(doc.origin.line or 0)
    # Pass 2: map one primary document at a time.
    for path in paths:
        lines = primary_lines.get(path)
        if lines:
            for doc in _documents(path):
                if doc.origin.line in lines:
                    yield from _map_document(assembler, doc.load(), doc.origin)
    for origin, value in whole_documents:
        yield from _map_document(assembler, value, origin)


def _map_document(assembler: Assembler, value: Any, origin: Origin) -> Iterator[MappedTicket]:
    try:
        raws = list(assembler.items(value, origin))
    except InputShapeError as exc:
        raise InputError(str(exc)) from None
    for raw in raws:
        yield assembler.map_item(raw)


def _contains_primary(assembler: Assembler, value: Any) -> bool:
    if isinstance(value, list):
        return any(assembler.is_primary(v) for v in value)
    return assembler.is_primary(value)
