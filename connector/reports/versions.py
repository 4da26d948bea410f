"""Versions and file hashes that the audit report cites (read here: report_templates stays pure)."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from report_templates.input import FileRef


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def code_version() -> str:
    return package_version("iso10002-connector")


def holidays_version() -> str:
    return package_version("holidays")


def file_ref(path: Path) -> FileRef:
    """The file's name (not its machine-specific directory) and the sha256 of its bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return FileRef(path.name, digest.hexdigest())


def policy_chain_refs(chain: tuple[str, ...]) -> tuple[FileRef, ...]:
    """Name and sha256 of every file of a policy's ``extends`` chain that can be read."""
    refs = []
    for source in chain:
        path = Path(source)
        if path.is_file():
            refs.append(file_ref(path))
    return tuple(refs)
