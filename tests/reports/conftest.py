from __future__ import annotations

from collections.abc import Iterator

import pytest

from report_templates import kinds
from report_templates.input import ReportInput
from tests.reports.builders import dataset


@pytest.fixture
def data() -> ReportInput:
    return dataset()


@pytest.fixture
def extra_kinds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The registry with the kinds of ``tests/reports/extra_kinds`` added (a report kind declared
    in one module, as docs/reports.md says to add one)."""
    monkeypatch.setattr(kinds, "KIND_PACKAGES", (*kinds.KIND_PACKAGES, "tests.reports.extra_kinds"))
    kinds.registry.cache_clear()
    yield
    kinds.registry.cache_clear()
