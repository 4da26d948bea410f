from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from tests.jira.openapi_check import assert_conforms, from_responses


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """`responses` in strict mode: every mock must be hit, unmocked URLs fail at once.

    On teardown, every request the test sent must be valid for Atlassian's OpenAPI document.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
        assert_conforms(from_responses(mock.calls))
