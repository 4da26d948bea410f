from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from tests.jira.helpers import RECORDED


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """`responses` in strict mode: every mock must be hit, unmocked URLs fail at once."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
        # Requests that matched no mock were refused locally; they never count as sent.
        RECORDED.extend(
            call.request
            for call in mock.calls
            if "doesn't match any registered mock" not in str(call.response)
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Conformance tests validate what the other tests recorded, so they run last.
    items.sort(key=lambda item: item.get_closest_marker("conformance") is not None)
