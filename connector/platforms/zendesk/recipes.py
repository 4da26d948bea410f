"""Work-queue recipes for Zendesk, printed by ``iso10002 init`` and kept in docs/zendesk.md.

Views filter on our ``iso10002-due-<state>`` tags and sort on the next-due date field (Views
API, "Create View": conditions ``status less_than solved``, ``current_tags includes``;
``output.sort_by`` a custom field id; ``group_by: group``). With the baseline policy's one
business day warning window, ``at-risk`` is "breaching in the next business day".
"""

from __future__ import annotations

import json

FIELD_PLACEHOLDER = "<next-due field id>"


def view_bodies(field_id: str = FIELD_PLACEHOLDER) -> dict[str, dict[str, object]]:
    """``POST /api/v2/views`` bodies of the two recipe views."""

    def view(title: str, tag: str, group_by: str | None) -> dict[str, object]:
        output: dict[str, object] = {
            "columns": ["nice_id", "description", "group", "assignee", field_id],
            "sort_by": field_id,
            "sort_order": "asc",
        }
        if group_by:
            output.update(group_by=group_by, group_order="asc")
        return {"view": {"title": title, "all": [
            {"field": "status", "operator": "less_than", "value": "solved"},
            {"field": "current_tags", "operator": "includes", "value": tag},
        ], "output": output}}

    return {
        "breaching": view("ISO 10002: breaching in the next business day",
                          "iso10002-due-at-risk", None),
        "overdue": view("ISO 10002: overdue by team", "iso10002-due-overdue", "group"),
    }


def queue_recipes(field_id: str = FIELD_PLACEHOLDER) -> str:
    lines = [
        "Work queue in Zendesk (details: docs/zendesk.md, 'Next-due field and views'):",
        "  1. Admin Center > Objects and rules > Tickets > Fields: add a Date field",
        "     'ISO 10002 next due'; set sources[].next_due.field_id to its id.",
        "  2. Create these views (Admin Center > Workspaces > Views, or POST /api/v2/views):",
    ]
    for body in view_bodies(field_id).values():
        lines.append("     " + json.dumps(body, separators=(",", ":")))
    return "\n".join(lines)
