from __future__ import annotations

import pytest

from report_templates.input import ReportInput
from tests.reports.builders import dataset


@pytest.fixture
def data() -> ReportInput:
    return dataset()
