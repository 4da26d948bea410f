"""The hand-worked case helper (``tests/regulatory/cases.py``) itself: the letters it writes are the
ones the shipped mappings recognise, and the regulatory fields it sets are read, on both platforms.

Payloads: the demo generator's Zendesk incremental export / ticket-event pages and Jira Cloud
``/search/jql`` pages (the shapes of ``connector/samples/*.jsonl``).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.regulatory.cases import Case, Reply, assert_finding, check_both, letter_text

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


def test_letter_text_uses_each_platforms_own_markers():
    reply = Reply(datetime(2026, 3, 2, 10, tzinfo=LONDON), letter="final_response", content=("reasons",))
    assert letter_text("zendesk", reply).splitlines()[0] == "[FRL]"
    assert "Why we reached this decision" in letter_text("zendesk", reply)
    assert "The reasons for our decision" in letter_text("jira", reply)


def test_product_group_field_and_holding_letter_are_read_on_both_platforms(tmp_path: Path):
    """FCA DISP 1.6.2AR: payment services, 15 business days, 35 with a holding reply (England and
    Wales calendar, receipt counted from its own day).

    Received Mon 2 Mar 2026 10:00 GMT. 15 business days: 3-6 Mar (4), 9-13 (9), 16-20 (14), Mon 23
    Mar (15): due Mon 23 Mar 17:00 GMT. Holding letter (reasons, ombudsman rights, new date 10 Apr)
    Fri 20 Mar. 35 business days: 24-27 Mar (19), Mon 30 Mar - Thu 2 Apr (23), Good Friday 3 Apr and
    Easter Monday 6 Apr closed, 7-10 Apr (27), 13-17 (32), 20, 21, 22 Apr (35): due Wed 22 Apr
    17:00 BST = 16:00 UTC. As of Mon 30 Mar no final response: PENDING, due 22 Apr (the product
    group field moved the target from 8 weeks to 15 / 35 business days).
    """
    case = Case(
        received=datetime(2026, 3, 2, 10, tzinfo=LONDON),
        regulatory={"product_group": "Payment services"},
        steps=[
            Reply(
                datetime(2026, 3, 20, 10, tzinfo=LONDON),
                letter="holding_response",
                content=("reasons", "ombudsman_rights"),
                new_date=date(2026, 4, 10),
            )
        ],
    )
    results = check_both(case, "fca-disp", as_of=datetime(2026, 3, 30, 9, tzinfo=LONDON), tmp_path=tmp_path)
    assert_finding(results, "regulatory-response", "PENDING", datetime(2026, 4, 22, 16, tzinfo=UTC))
    assert_finding(results, "holding-response", "PASS", datetime(2026, 3, 23, 17, tzinfo=UTC))
