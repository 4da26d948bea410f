"""The demo's next-due date fields are fields of their own: the shipped mappings read none of them.

A write-back field that a mapping also reads would feed our own dates back into the record (the
Zendesk demo's date field once shared its id with the product-group dropdown the FCA return
groups by)."""

from __future__ import annotations

import yaml

from devtools.generator.zendesk_render import NEXT_DUE_FIELD as ZENDESK_NEXT_DUE
from devtools.sandboxes.jira.model import NEXT_DUE_FIELD as JIRA_NEXT_DUE
from mappings.loader import default_mapping_path


def _mentions(platform: str, field: str) -> bool:
    text = default_mapping_path(platform).read_text(encoding="utf-8")
    yaml.safe_load(text)  # the shipped file parses (a comment mentioning the id would not count)
    return any(field in line.split("#", 1)[0] for line in text.splitlines())


def test_the_zendesk_next_due_field_is_not_read_by_the_shipped_mapping() -> None:
    assert not _mentions("zendesk", str(ZENDESK_NEXT_DUE))


def test_the_jira_next_due_field_is_not_read_by_the_shipped_mapping() -> None:
    assert not _mentions("jira", JIRA_NEXT_DUE)
