"""Zendesk bundles keep the newest copy of each user and group the ticket mentions, and only those."""

from __future__ import annotations

from connector.bundles import ZendeskDirectory, ZendeskPages, zendesk_bundle


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
    directory = ZendeskDirectory(
        {"2": _user(2, "agent (directory)", "agent"), "3": _user(3, "admin (directory)", "admin")})
    previous = [{"tickets": [{"id": 7}], "users": [_user(1, "requester (old)"), _user(4, "old only")]}]
    bundle = zendesk_bundle("7", pages, previous, directory)
    assert bundle is not None
    names = {u["id"]: u["name"] for u in bundle[0]["users"]}
    assert names == {1: "requester (this read)", 2: "agent (this read)", 3: "admin (directory)"}
    assert [u["id"] for u in bundle[0]["users"]] == [1, 2, 3]


def test_bundle_groups_are_those_the_ticket_and_its_history_name() -> None:
    pages = ZendeskPages()
    pages.add("tickets", {"tickets": [{"id": 7, "group_id": 11, "updated_at": "2026-11-20T10:00:00Z"}]})
    pages.add("groups", {"groups": [{"id": 11, "name": "Complaints Escalation (this read)"}]})
    pages.add("ticket_events", {"ticket_events": [
        {"id": 50, "ticket_id": 7, "updater_id": 3, "created_at": "2026-11-20T09:00:00Z", "child_events": [
            {"id": 51, "event_type": "Change", "field_name": "group_id", "value": "11",
             "previous_value": "10"},
        ]},
    ]})
    directory = ZendeskDirectory(groups={
        "10": {"id": 10, "name": "Complaints"}, "12": {"id": 12, "name": "unused"},
        "11": {"id": 11, "name": "Complaints Escalation (stored)"}})
    bundle = zendesk_bundle("7", pages, None, directory)
    assert bundle is not None
    assert bundle[0]["groups"] == [{"id": 10, "name": "Complaints"},
                                   {"id": 11, "name": "Complaints Escalation (this read)"}]


def test_directory_reads_the_agents_only_form_stored_before_groups() -> None:
    old = ZendeskDirectory.from_json('[{"id": 2, "role": "agent"}]')
    assert old == ZendeskDirectory({"2": {"id": 2, "role": "agent"}}, {})
    both = old.updated({}, {"10": {"id": 10, "name": "Complaints"}})
    assert ZendeskDirectory.from_json(both.to_json()) == both
