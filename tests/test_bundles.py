"""Zendesk bundles keep the newest copy of each user the ticket mentions, and only those."""

from __future__ import annotations

from connector.bundles import ZendeskPages, zendesk_bundle


def _user(uid: int, name: str, role: str = "end-user") -> dict[str, object]:
    return {"id": uid, "name": name, "role": role}


def test_bundle_users_newest_source_wins_and_only_mentioned() -> None:
    pages = ZendeskPages()
    pages.add("tickets", {
        "tickets": [{"id": 7, "requester_id": 1, "assignee_id": 2, "updated_at": "2026-11-20T10:00:00Z"}],
        "users": [_user(1, "requester (this read)"), _user(9, "not mentioned")],
    })
    pages.add("users", {"users": [_user(2, "agent (this read)", "agent")]})
    pages.add("ticket_events", {"ticket_events": [
        {"id": 50, "ticket_id": 7, "updater_id": 3, "created_at": "2026-11-20T09:00:00Z", "child_events": []},
    ]})
    directory = {"2": _user(2, "agent (directory)", "agent"), "3": _user(3, "admin (directory)", "admin")}
    previous = [{"tickets": [{"id": 7}], "users": [_user(1, "requester (old)"), _user(4, "old only")]}]
    bundle = zendesk_bundle("7", pages, previous, directory)
    assert bundle is not None
    names = {u["id"]: u["name"] for u in bundle[0]["users"]}
    assert names == {1: "requester (this read)", 2: "agent (this read)", 3: "admin (directory)"}
    assert [u["id"] for u in bundle[0]["users"]] == [1, 2, 3]
