"""A platform narrows a source to its own settings model (connector/platforms/base.settings_as)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from connector.platforms.base import settings_as


class _Auth(BaseModel):
    kind: str = "token"


class _Ours(BaseModel):
    name: str = "ours"
    platform: str = "ours"
    mapping: Path = Path("m.yaml")
    auth: _Auth = _Auth()


class _Theirs(BaseModel):
    name: str = "theirs"
    platform: str = "theirs"
    mapping: Path = Path("m.yaml")
    auth: _Auth = _Auth()


def test_a_source_of_the_platform_is_itself() -> None:
    source = _Ours()
    assert settings_as(source, _Ours) is source


def test_another_platforms_source_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="'theirs' is not a _Ours"):
        settings_as(_Theirs(), _Ours)
