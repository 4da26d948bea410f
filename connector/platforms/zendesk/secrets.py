"""Resolve secret values named by the config: environment first, then the secrets file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr


class MissingSecretError(LookupError):
    """A named secret is not set. The message names the variable, never a value."""


def _read_secrets_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line_no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            # Do not echo the line: it may be a pasted secret.
            raise MissingSecretError(f"{path}:{line_no}: expected KEY=VALUE")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


class SecretSource:
    """Looks up secrets by name; values only ever leave as ``SecretStr``."""

    def __init__(
        self, secrets_file: Path | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._file = secrets_file
        self._file_values: dict[str, str] | None = None

    def get(self, name: str) -> SecretStr:
        """The secret called ``name``.

        Raises:
            MissingSecretError: Neither the environment nor the secrets file sets it.
        """
        value = self._environ.get(name)
        if not value and self._file is not None:
            if self._file_values is None:
                self._file_values = _read_secrets_file(self._file)
            value = self._file_values.get(name)
        if not value:
            where = f"the environment or {self._file}" if self._file else "the environment"
            raise MissingSecretError(f"secret {name} is not set in {where}")
        return SecretStr(value)
