"""Work-queue recipes for Jira, printed by ``iso10002 init`` and kept in docs/jira.md.

Filters select our ``iso10002-due-<state>`` labels and sort on the next-due date picker field
with ``ORDER BY cf[<number>]`` (JQL reference: custom fields by ``cf[id]``; ``statusCategory``).
With the baseline policy's one business day warning window, ``at-risk`` is "breaching in the
next business day".
"""

from __future__ import annotations

FIELD_PLACEHOLDER = "<number>"


def filters(field_number: str = FIELD_PLACEHOLDER) -> dict[str, str]:
    """Saved-filter JQL, by recipe name (``field_number``: ``10200`` of ``customfield_10200``)."""
    order = f"ORDER BY cf[{field_number}] ASC"
    return {
        "ISO 10002: breaching in the next business day":
            f'labels in ("iso10002-due-at-risk") AND statusCategory != Done '
            f"AND cf[{field_number}] is not EMPTY {order}",
        "ISO 10002: overdue": f'labels in ("iso10002-due-overdue") AND statusCategory != Done {order}',
    }


def queue_recipes(field_number: str = FIELD_PLACEHOLDER) -> str:
    lines = [
        "Work queue in Jira (details: docs/jira.md, 'Next-due field and filters'):",
        "  1. Add a Date Picker custom field 'ISO 10002 next due' to the projects' Edit screen;",
        "     set sources[].next_due.field_id to customfield_<number>.",
        "  2. Save these filters (Filters > Advanced search):",
    ]
    lines += [f"     {name}: {jql}" for name, jql in filters(field_number).items()]
    lines += [
        "  3. Dashboard: a 'Filter Results' gadget on the first filter (columns Key, Summary,",
        "     Assignee, ISO 10002 next due); a 'Two Dimensional Filter Statistics' gadget on the",
        "     second (rows Assignee or Team, columns Status) for 'overdue by team'.",
    ]
    return "\n".join(lines)
