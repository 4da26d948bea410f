"""Reading YAML configuration files (mapping, policy, waivers) with errors that name file and key.

Only local files are read here; everything else that does I/O lives in ``connector/``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a configuration file, located by key path."""

    source: str
    key_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.key_path}" if self.key_path else self.source
        return f"{where}: {self.message}"


class ConfigError(ValueError):
    """A configuration file is invalid. ``issues`` lists every problem found, not just the first."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def key_path(loc: Iterable[int | str]) -> str:
    """``("checks", "ack", "params", 0)`` -> ``checks.ack.params[0]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def issues_from(
    error: ValidationError, source: str, prefix: Sequence[int | str] = ()
) -> list[ConfigIssue]:
    issues = []
    for item in error.errors():
        # pydantic adds the union member / validator name to the location; keep real keys only.
        loc = [p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (not allowed here)"
        if loc and loc[-1] == "[key]":  # the mapping key itself is wrong, not its value
            loc, message = loc[:-1], f"key not allowed: {message}"
        issues.append(ConfigIssue(source, key_path([*prefix, *loc]), message))
    return issues


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _TextDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates and times as text.

    SafeLoader builds ``date`` objects while parsing, so ``2026-13-45`` aborted the whole file
    with a bare ValueError; as text, the model rejects it with its key path, next to every
    other error in the file.
    """


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, source: str) -> Any:
    """The YAML document in ``text`` (dates stay text for the model to validate)."""
    try:
        return yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigIssue(source, "", f"{where}: {problem}")]) from None


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [ConfigIssue(str(path), "", f"cannot read file: {exc.strerror}")]
        ) from None


def validate(model: type[M], data: Any, source: str) -> M:
    if data is None:
        raise ConfigError([ConfigIssue(source, "", "the file is empty")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues_from(exc, source)) from None


def content_hash(text: str) -> str:
    """sha256 of a configuration file's text, recorded with every evaluation run."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
