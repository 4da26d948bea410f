from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from devtools.sandboxes.jira import SandboxServer, make_state
from tests.jira.openapi_check import assert_conforms, from_responses, from_sandbox


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """`responses` in strict mode: every mock must be hit, unmocked URLs fail at once.

    On teardown, every request the test sent must be valid for Atlassian's OpenAPI document.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
        assert_conforms(from_responses(mock.calls))


@pytest.fixture
def cloud() -> Iterator[SandboxServer]:
    """A Jira Cloud sandbox (40 generated issues); on teardown every request it received must
    be valid for Atlassian's OpenAPI document."""
    server = SandboxServer(make_state(mode="cloud", seed=11, issues=40)).start()
    yield server
    server.stop()
    assert_conforms(from_sandbox(server.state.requests))
