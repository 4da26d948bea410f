"""The payload format interface (see :mod:`mappings.formats`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from compliance_checks.model import SourceKind

if TYPE_CHECKING:
    from pydantic import BaseModel

    from mappings.assemble import Assembler
    from mappings.schema import AnyOf


class PayloadFormat(ABC):
    name: ClassVar[str]
    #: "a ticket" / "an issue", in messages about a payload's items.
    ticket_noun: ClassVar[str]
    #: What the platform calls a ticket's labels ("label" / "tag"), in descriptions of markers.
    label_noun: ClassVar[str]
    #: What evidence citing the ticket itself is.
    source_kind: ClassVar[SourceKind]

    @property
    @abstractmethod
    def raw_model(self) -> type[BaseModel]:
        """The loose model checking the types of a raw ticket's values (``mappings/raw.py``)."""

    @abstractmethod
    def is_primary(self, doc: Mapping[str, Any]) -> bool:
        """Whether ``doc`` holds tickets (else it is history or directory)."""

    @abstractmethod
    def primary_items(self, doc: Mapping[str, Any]) -> tuple[str, list[Any], bool]:
        """(the list's key or "", the items, whether the page side-loads history to read first)."""

    @abstractmethod
    def labels(self, raw: Mapping[str, Any]) -> Iterable[Any]:
        """The ticket's labels (tags)."""

    @abstractmethod
    def custom_field(self, raw: Mapping[str, Any], field_id: str) -> Any:
        """The raw value of custom field ``field_id`` (before translation)."""

    def prepared(self, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        """The raw ticket as the mapping reads it (a format may index it once per ticket)."""
        return raw

    def outside_projects(self, raw: Mapping[str, Any], projects: set[str]) -> bool:
        """Whether ``select.projects`` (folded) excludes the ticket (no projects: never)."""
        return False

    def marked(self, raw: Mapping[str, Any], markers: AnyOf) -> bool:
        """The platform's own complaint markers (issue types, forms) beyond labels and fields."""
        return False

    @abstractmethod
    def add_history(self, assembler: Assembler, doc: Mapping[str, Any], origin: Any) -> None:
        """Hand a history or directory document to the assembler's reader of this format."""

    @abstractmethod
    def facts(self, assembler: Assembler, raw: Mapping[str, Any]) -> Any:
        """The ticket's facts from the assembler's collected history."""
