"""Jira payloads: search pages (``issues``) or bare issues; custom fields under ``fields``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from compliance_checks.model import SourceKind
from mappings.formats.base import PayloadFormat
from mappings.raw import JiraIssue
from mappings.values import jira_custom_field, read_path

if TYPE_CHECKING:
    from pydantic import BaseModel

    from mappings.assemble import Assembler
    from mappings.schema import AnyOf


def _fold(value: Any) -> str:
    return str(value).casefold()


class JiraFormat(PayloadFormat):
    name = "jira"
    ticket_noun = "an issue"
    label_noun = "label"
    source_kind = SourceKind.ISSUE

    @property
    def raw_model(self) -> type[BaseModel]:
        return JiraIssue

    def is_primary(self, doc: Mapping[str, Any]) -> bool:
        return isinstance(doc.get("issues"), list) or ("key" in doc and "fields" in doc)

    def primary_items(self, doc: Mapping[str, Any]) -> tuple[str, list[Any], bool]:
        if isinstance(doc.get("issues"), list):
            return "issues", doc["issues"], False
        return "", [doc], False

    def labels(self, raw: Mapping[str, Any]) -> Iterable[Any]:
        return read_path(raw, "fields.labels") or ()

    def custom_field(self, raw: Mapping[str, Any], field_id: str) -> Any:
        return jira_custom_field(raw, field_id)

    def outside_projects(self, raw: Mapping[str, Any], projects: set[str]) -> bool:
        if not projects:
            return False
        project = read_path(raw, "fields.project.key") or str(raw.get("key", "")).split("-")[0]
        return _fold(project) not in projects

    def marked(self, raw: Mapping[str, Any], markers: AnyOf) -> bool:
        from mappings.select import request_type_name

        issue_type = read_path(raw, "fields.issuetype.name")
        if issue_type and _fold(issue_type) in {_fold(t) for t in markers.issue_types}:
            return True
        return bool(markers.request_types) and _fold(request_type_name(raw) or "") in {
            _fold(t) for t in markers.request_types
        }

    def add_history(self, assembler: Assembler, doc: Mapping[str, Any], origin: Any) -> None:
        assembler.add_jira_history(doc, origin)

    def facts(self, assembler: Assembler, raw: Mapping[str, Any]) -> Any:
        return assembler.jira_facts(raw)
