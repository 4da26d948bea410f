"""Zendesk payloads: ``tickets``/``ticket`` pages; custom fields as an id/value list; tags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from compliance_checks.model import SourceKind
from mappings.formats.base import PayloadFormat
from mappings.raw import ZendeskTicket
from mappings.values import ZendeskTicketView, zendesk_custom_field

if TYPE_CHECKING:
    from pydantic import BaseModel

    from mappings.assemble import Assembler
    from mappings.schema import AnyOf


class ZendeskFormat(PayloadFormat):
    name = "zendesk"
    ticket_noun = "a ticket"
    label_noun = "tag"
    source_kind = SourceKind.TICKET

    @property
    def raw_model(self) -> type[BaseModel]:
        return ZendeskTicket

    def is_primary(self, doc: Mapping[str, Any]) -> bool:
        return isinstance(doc.get("tickets"), list) or isinstance(doc.get("ticket"), dict)

    def primary_items(self, doc: Mapping[str, Any]) -> tuple[str, list[Any], bool]:
        # Side-loads on the same page describe its tickets: they are read first.
        if isinstance(doc.get("tickets"), list):
            return "tickets", doc["tickets"], True
        return "", [doc["ticket"]], True

    def labels(self, raw: Mapping[str, Any]) -> Iterable[Any]:
        return raw.get("tags") or ()

    def custom_field(self, raw: Mapping[str, Any], field_id: str) -> Any:
        return zendesk_custom_field(raw, field_id)

    def prepared(self, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        return ZendeskTicketView(raw)

    def marked(self, raw: Mapping[str, Any], markers: AnyOf) -> bool:
        return raw.get("ticket_form_id") in markers.forms

    def add_history(self, assembler: Assembler, doc: Mapping[str, Any], origin: Any) -> None:
        assembler.add_zendesk_history(doc, origin)

    def facts(self, assembler: Assembler, raw: Mapping[str, Any]) -> Any:
        return assembler.zendesk_facts(raw)
