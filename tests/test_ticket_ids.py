"""Ticket ids by platform grammar, and their quoting where the clients build helpdesk URLs."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.platforms.jira.reader import JiraReader
from connector.ticket_ids import InvalidTicketId, is_ticket_id, ticket_id, url_segment


@pytest.mark.parametrize(("platform", "value"), [
    ("jira", "CS-1"), ("jira", "cs-12"), ("jira", "ABC_2-9007"), ("jira", "10001"),
    ("zendesk", "1"), ("zendesk", str(2**63 - 1)),
])
def test_ids_in_the_grammar(platform: str, value: str) -> None:
    assert ticket_id(platform, value) == value


@pytest.mark.parametrize(("platform", "value"), [
    ("jira", "../../myself"), ("jira", "CS-5?expand=x"), ("jira", "CS-5%3Fexpand=x"), ("jira", "CS-0"),
    ("jira", "CS-05"), ("jira", "1CS-5"), ("jira", "CS-5/comment"), ("jira", ""), ("jira", "CS-\u0665"),
    ("zendesk", "0"), ("zendesk", "-1"), ("zendesk", "9" * 5000), ("zendesk", str(2**63)),
    ("zendesk", "CS-1"), ("zendesk", "12 "), ("zendesk", "\u0661\u0662"), ("freshdesk", "1"),
])
def test_ids_outside_the_grammar(platform: str, value: str) -> None:
    assert not is_ticket_id(platform, value)
    with pytest.raises(InvalidTicketId) as raised:
        ticket_id(platform, value)
    assert value not in str(raised.value) or value == ""


@given(st.text(max_size=40))
def test_a_valid_id_is_always_one_plain_url_segment(value: str) -> None:
    for platform in ("jira", "zendesk"):
        if is_ticket_id(platform, value):
            assert url_segment(value) == value and "/" not in value and "?" not in value


class _Recorder:
    is_cloud = True

    def __init__(self) -> None:
        self.paths: list[str] = []

    def get(self, path: str, params: Any = None) -> Any:
        self.paths.append(path)
        raise RuntimeError("stop")


def test_the_jira_reader_quotes_the_key_into_one_path_segment() -> None:
    client = _Recorder()
    reader = JiraReader(client, None)  # type: ignore[arg-type]
    reader.plan = SimpleNamespace(fields=["summary"], properties=[])  # type: ignore[assignment]
    with pytest.raises(RuntimeError):
        next(reader.issue_pages("../../myself"))
    assert client.paths == ["issue/..%2F..%2Fmyself"]
