"""The Platform interface: what the connector needs of one helpdesk.

Each helpdesk implements :class:`Platform` in its own folder (``connector/platforms/<name>/platform.py``)
and is listed in :mod:`connector.platforms.registry`; nothing outside the per-platform folders
branches on a platform's name. The clients, readers and writers stay typed by the small
protocols below: the pipeline asks a client for its call counts only.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TypeVar

from pydantic import BaseModel

from compliance_checks.findings import Finding
from connector.tally import Tally

if TYPE_CHECKING:
    from connector.service.webhooks import Nudge
    from mappings.schema import MappingSpec

#: A cursor or reader position: what ``json.dumps`` takes (persisted between runs).
JsonState = dict[str, Any] | str | None
Outcome = Literal["written", "unchanged", "skipped", "failed"]

_NUMBER = re.compile(r"[1-9][0-9]{0,18}")
_INT64_MAX = 2**63 - 1


def positive_int64(value: str) -> bool:
    """A positive 64-bit decimal integer (the numeric ids both helpdesks use)."""
    # fullmatch first: int() of a huge digit string is slow or refused outright.
    return _NUMBER.fullmatch(value) is not None and int(value) <= _INT64_MAX


class CallCounter(Protocol):
    """A client's call statistics."""

    @property
    def total(self) -> int: ...


class Client(Protocol):
    """What the pipeline needs of a connected helpdesk client: its call counts."""

    @property
    def stats(self) -> CallCounter: ...


class SourceSettings(Protocol):
    """The fields every platform's settings model (one ``sources[]`` entry) has."""

    @property
    def name(self) -> str: ...

    @property
    def platform(self) -> str: ...

    @property
    def mapping(self) -> Path: ...

    @property
    def auth(self) -> BaseModel: ...

    #: The ticket field the write-back keeps the next due date in (None: not kept).
    @property
    def next_due(self) -> BaseModel | None: ...

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any: ...


_Settings = TypeVar("_Settings", bound=BaseModel)


def settings_as(source: SourceSettings, model: type[_Settings]) -> _Settings:
    """``source`` as a platform's own settings model; another platform's source is a bug."""
    if not isinstance(source, model):
        raise TypeError(f"source {source.name!r} is not a {model.__name__}")
    return source


def pull_step(source: str) -> str:
    """The step a pull tells its ``tally``: the tickets its searches or exports listed so far."""
    return f"pull {source}: tickets read"


@dataclass(frozen=True)
class PullResult:
    """A successful pull (both platforms): persist ``cursor`` only now.

    ``details`` holds the platform's own tallies (comments truncated, deleted tickets, ...).
    """

    platform: str
    out: Path
    #: The JSON-serialisable position to pass back to the next pull.
    cursor: JsonState
    lines: int
    tickets: int
    api_calls: int
    calls_by_endpoint: dict[str, int] = field(default_factory=dict)
    details: dict[str, int | str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform, "out": str(self.out), "cursor": self.cursor, "lines": self.lines,
            "tickets": self.tickets, "api_calls": self.api_calls,
            "calls_by_endpoint": dict(self.calls_by_endpoint), **self.details,
        }


@dataclass(frozen=True)
class TicketOutcome:
    """What the write-back did to one ticket; ``details`` the platform's own (note, comment id)."""

    ticket: str
    outcome: Outcome
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**self.details, "ticket": self.ticket, "outcome": self.outcome, "error": self.error}


@dataclass
class WritebackReport:
    """Dry run: the plans. Apply: the plans plus, per ticket, what was written or failed."""

    applied: bool
    plans: list[dict[str, Any]] = field(default_factory=list)
    results: list[TicketOutcome] = field(default_factory=list)
    api_calls: int = 0
    calls_by_endpoint: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> list[TicketOutcome]:
        return [r for r in self.results if r.outcome == "failed"]

    def outcomes(self) -> dict[str, tuple[str, str | None]]:
        return {r.ticket: (r.outcome, r.error) for r in self.results}

    def to_json(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "plans": self.plans,
            "results": [r.to_json() for r in self.results],
            "summary": {
                "tickets": len(self.plans),
                "changes_planned": sum(1 for p in self.plans if not p.get("is_empty")),
                **{kind: sum(1 for r in self.results if r.outcome == kind)
                   for kind in ("written", "unchanged", "skipped", "failed")},
            },
            "api_calls": self.api_calls,
            "calls_by_endpoint": dict(self.calls_by_endpoint),
        }


def as_outcome(result: Mapping[str, Any] | object) -> TicketOutcome:
    """A platform writer's per-ticket result (a dict or a dataclass) as a :class:`TicketOutcome`."""
    data = dict(result) if isinstance(result, Mapping) else asdict(result)  # type: ignore[call-overload]
    ticket, outcome, error = str(data.pop("ticket")), data.pop("outcome"), data.pop("error", None)
    return TicketOutcome(ticket, outcome, None if error is None else str(error), data)


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified webhook: which ticket changed (and by whom), and what identifies the delivery."""

    nudge: Nudge
    #: The signed timestamp (a part of the delivery's identity) when the platform signs one apart.
    signed_timestamp: str | None


Doc = dict[str, Any]


@dataclass(frozen=True)
class TicketChange:
    """One ticket a read saw, to be stored by the sync (which owns every store write).

    ``bundle`` builds the documents to store from the stored latest bundle (when the source
    asks for it) and gives the version's ``updated`` stamp; None: nothing to keep.
    """

    ticket: str
    #: Store keys that find the ticket's row (its key first, then other ids).
    keys: tuple[str, ...]
    external_id: str
    bundle: Callable[[list[Doc] | None], tuple[list[Doc], str] | None]
    #: For a ticket not stored yet: whether the mapping selects it as a complaint.
    complaint: Callable[[], bool] = lambda: True
    #: The read says the ticket is deleted.
    deleted: bool = False
    #: The ticket itself is in this read (only that undoes a stored deletion).
    present: bool = True


@dataclass(frozen=True)
class PageRead:
    """One API page read, with the tickets it listed (progress)."""

    tickets: int


@dataclass(frozen=True)
class Changes:
    """Tickets ready to store in one transaction (``crash_at``: the test seam's index)."""

    changes: list[TicketChange]
    crash_at: int = -1


@dataclass(frozen=True)
class ReadEnd:
    """The read finished: the state to commit, the keys seen (full read) and the directory."""

    state: JsonState
    seen: set[str] = field(default_factory=set)
    #: The directory (users with roles, groups, field names) to store, when the read changed it.
    directory: str | None = None


ReadEvent = PageRead | Changes | ReadEnd


class IncrementalSource(Protocol):
    """Reads one source incrementally: ``read(state) -> changes``, the state JSON-serialisable.

    The stored ``directory`` (the source row's JSON) is what a mapping rule may name besides
    the ticket; a read updates it and hands the new one back in :class:`ReadEnd`.
    """

    #: The stored latest bundle is merged into the new one (history arrives apart).
    needs_previous: bool

    def read(self, state: JsonState, *, initial: datetime, full: bool,
             directory: str | None) -> Generator[ReadEvent, None, None]:
        """The pages and changes since ``state`` (None: since ``initial``; ``full``: all), then
        one :class:`ReadEnd`."""
        ...

    def refresh(self, ticket: str, directory: str | None) -> Iterator[PageRead | Changes]:
        """Re-read one ticket (raises the client's 404 error when it is gone)."""
        ...


class Platform(ABC):
    """One helpdesk. Instances are stateless; per-source state lives in clients and readers."""

    #: ``sources[].platform`` and the name in URLs, findings and the store.
    name: ClassVar[str]
    #: The pydantic model of one ``sources[]`` entry (``platform`` is its discriminator).
    settings_model: ClassVar[type[BaseModel]]
    #: Webhook headers without which a delivery is refused before its body is read.
    webhook_headers: ClassVar[tuple[str, ...]]
    #: File inputs above the spill size keep their history on disk (``check --input``).
    spills_history: ClassVar[bool] = False
    #: The noun for one ticket in messages ("a ticket", "an issue").
    ticket_noun: ClassVar[str] = "a ticket"
    #: Its issue panel calls the panel API with Atlassian Forge invocation tokens (``api.forge``).
    forge_panel: ClassVar[bool] = False

    # -- connection -------------------------------------------------------------------------
    @abstractmethod
    def connect(self, source: SourceSettings) -> Client:
        """A connected client (secrets from the environment / the source's secrets file)."""

    @abstractmethod
    def probe(self, source: SourceSettings) -> str:
        """One authenticated read proving the source answers with its credentials and the rights
        the connector needs; says who the connector is there (never a secret). Raises
        (``ValueError``, ``RuntimeError``, ``OSError``) naming what failed."""

    @abstractmethod
    def incremental(self, source: SourceSettings, client: Client, spec: MappingSpec) -> IncrementalSource:
        """The incremental reader of ``source`` (long-lived: one per sync of a source)."""

    def own_accounts(self, source: SourceSettings) -> set[str]:
        """Accounts the source's settings name as ours (beyond the mapping's connector accounts)."""
        return set()

    # -- tickets ----------------------------------------------------------------------------
    @abstractmethod
    def is_ticket_id(self, value: str) -> bool:
        """Whether ``value`` is a ticket id of this platform (checked on every entry)."""

    @abstractmethod
    def evidence_link(self, source: SourceSettings, ticket: str, ref: str | None) -> str | None:
        """Where an agent sees the evidence ``ref`` (``kind:id``) of ``ticket``."""

    def site_url(self, source: SourceSettings) -> str | None:
        """The source's site (``{base}`` of the mapping's ``ticket_url``): ticket links for
        stored payloads that carry no URL of their own. None: not known."""
        return None

    # -- command line -------------------------------------------------------------------------
    @abstractmethod
    def pull(self, source: SourceSettings, out: Path, *, since: datetime | None, cursor: JsonState,
             ticket: str | None, tally: Tally | None = None) -> PullResult:
        """Read complaint tickets changed since ``cursor`` (or ``since``) into ``out``; ``tally``
        is told the tickets read (:func:`pull_step`) after each page that lists tickets."""

    @abstractmethod
    def writeback(self, source: SourceSettings, findings: Sequence[Finding], *, apply: bool,
                  client: Client | None = None, zone: tzinfo | None = None) -> WritebackReport:
        """Plan (and with ``apply`` write) the findings' labels and note on each ticket (the
        note's times in the policy's ``zone``)."""

    # -- webhooks -----------------------------------------------------------------------------
    @abstractmethod
    def verify_webhook(self, secret: str, body: bytes, headers: Mapping[str, str], now: datetime,
                       max_age: timedelta) -> WebhookDelivery:
        """Check the delivery's signature and freshness; raise ``WebhookRejected`` otherwise."""

    # -- configuration --------------------------------------------------------------------------
    @abstractmethod
    def starter_source(self) -> str:
        """The commented YAML of one ``sources[]`` entry for ``iso10002 init``."""

    def queue_recipes(self) -> str:
        """Work-queue recipes (views / filters on the next-due field) for ``iso10002 init``."""
        return ""

    @abstractmethod
    def starter_webhook(self) -> str:
        """The commented YAML of the ``webhooks.<name>`` block for ``iso10002 init``."""
