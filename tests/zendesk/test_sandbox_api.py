"""The sandbox itself behaves like Zendesk where the connector depends on it."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from devtools.sandboxes.zendesk import SandboxServer
from tests.zendesk import scenarios as sc

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    srv = sc.start_sandbox(tickets=12)
    yield srv
    srv.stop()


def _token(url: str, **body: str) -> requests.Response:
    return requests.post(f"{url}/oauth/tokens", json={"client_id": "sandbox-client",
                                                      "client_secret": "sandbox-secret",
                                                      **body}, timeout=5)


def test_oauth_grants_rotate_refresh_tokens(server: SandboxServer) -> None:
    first = _token(server.base_url, grant_type="client_credentials").json()
    second = _token(server.base_url, grant_type="refresh_token",
                    refresh_token=first["refresh_token"])
    assert second.status_code == 200
    reused = _token(server.base_url, grant_type="refresh_token",
                    refresh_token=first["refresh_token"])
    assert reused.status_code == 400
    bad = requests.post(f"{server.base_url}/oauth/tokens", timeout=5, json={
        "grant_type": "client_credentials", "client_id": "sandbox-client",
        "client_secret": "nope"})
    assert bad.status_code == 401


def test_auth_page_caps_and_tag_endpoints(server: SandboxServer) -> None:
    url = server.base_url
    tid = sc.ticket_ids(server)[0]
    assert requests.get(f"{url}/api/v2/tickets/{tid}.json", timeout=5).status_code == 401
    h = {"Authorization": "Bearer " + _token(url, grant_type="client_credentials").json()[
        "access_token"]}
    too_big = requests.get(f"{url}/api/v2/incremental/tickets/cursor.json", headers=h,
                           params={"start_time": 0, "per_page": 1001}, timeout=5)
    assert too_big.status_code == 400
    agents = requests.get(f"{url}/api/v2/users.json", headers=h, timeout=5,
                          params={"role[]": ["agent", "admin"]}).json()["users"]
    assert agents
    assert {u["role"] for u in agents} <= {"agent", "admin"}
    ticket = requests.get(f"{url}/api/v2/tickets/{tid}.json", headers=h, timeout=5).json()["ticket"]
    added = requests.put(f"{url}/api/v2/tickets/{tid}/tags.json", headers=h, timeout=5,
                         json={"tags": ["x1"], "safe_update": True,
                               "updated_stamp": ticket["updated_at"]})
    assert added.status_code == 200
    assert "x1" in added.json()["tags"]
    stale = requests.put(f"{url}/api/v2/tickets/{tid}/tags.json", headers=h, timeout=5,
                         json={"tags": ["x2"], "safe_update": True,
                               "updated_stamp": ticket["updated_at"]})
    assert stale.status_code == 409
    replaced = requests.post(f"{url}/api/v2/tickets/{tid}/tags.json", headers=h, timeout=5,
                             json={"tags": ["only"]})
    assert (replaced.status_code, replaced.json()["tags"]) == (201, ["only"])
    removed = requests.delete(f"{url}/api/v2/tickets/{tid}/tags.json", headers=h, timeout=5,
                              json={"tags": ["only"]})
    assert removed.status_code == 204
    after = requests.get(f"{url}/api/v2/tickets/{tid}.json", headers=h, timeout=5).json()
    assert after["ticket"]["tags"] == []


def test_the_same_seed_gives_the_same_account() -> None:
    a = sc.SandboxState.seeded(5, 20, start=sc.START).world
    b = sc.SandboxState.seeded(5, 20, start=sc.START).world
    assert a.tickets == b.tickets
    assert [(x.id, x.ts, x.events) for x in a.audits] == [(y.id, y.ts, y.events)
                                                          for y in b.audits]


@pytest.mark.parametrize("listing", ["users", "groups"])
def test_users_and_groups_page_by_cursor_in_id_order(server: SandboxServer, listing: str) -> None:
    state = server.state
    pages: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = (state.list_users([], 2, after) if listing == "users"
                else state.list_groups(1, after, exclude_deleted=False))
        pages.append(page)
        meta = page["meta"]
        after = meta["after_cursor"]
        if not meta["has_more"]:
            break
        assert base64.b64decode(after).decode() == str(page[listing][-1]["id"])
    ids = [item["id"] for page in pages for item in page[listing]]
    every = state.world.users if listing == "users" else state.world.groups
    assert ids == sorted(every) and len(pages) > 1
    agents = state.list_users(["agent"], 100, None)["users"]
    assert agents and {u["role"] for u in agents} == {"agent"}


def test_groups_exclude_deleted_only_when_asked(server: SandboxServer) -> None:
    state = server.state
    gid = min(state.world.groups)
    state.world.groups[gid] = {**state.world.groups[gid], "deleted": True}
    try:
        every = state.list_groups(100, None, exclude_deleted=False)["groups"]
        live = state.list_groups(100, None, exclude_deleted=True)["groups"]
    finally:
        state.world.groups[gid] = {**state.world.groups[gid], "deleted": False}
    assert gid in {g["id"] for g in every}
    assert gid not in {g["id"] for g in live}
    assert len(every) == len(live) + 1


def test_ticket_forms_list_in_one_body_and_filter_by_active(server: SandboxServer) -> None:
    """List Ticket Forms (zendesk-support-v2.yaml, ListTicketForms): no paging parameters, a
    TicketFormsResponse of ``ticket_forms`` alone; ``active`` is a boolean filter, absent
    "returns both". A non-boolean ``active`` is refused (the real answer is not documented)."""
    url = server.base_url
    h = {"Authorization": "Bearer " + _token(url, grant_type="client_credentials").json()[
        "access_token"]}
    every = requests.get(f"{url}/api/v2/ticket_forms.json", headers=h, timeout=5)
    assert every.status_code == 200 and set(every.json()) == {"ticket_forms"}
    [form] = every.json()["ticket_forms"]
    assert (form["name"], form["display_name"], form["active"]) == ("Complaints", "Make a complaint", True)
    assert form["url"] == f"{url}/api/v2/ticket_forms/{form['id']}.json"
    inactive = requests.get(f"{url}/api/v2/ticket_forms.json", headers=h, timeout=5,
                            params={"active": "false"})
    assert inactive.json() == {"ticket_forms": []}
    assert requests.get(f"{url}/api/v2/ticket_forms.json", headers=h, timeout=5,
                        params={"active": "maybe"}).status_code == 400
    assert requests.get(f"{url}/api/v2/ticket_forms.json", timeout=5).status_code == 401
