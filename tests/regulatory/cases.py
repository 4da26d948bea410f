"""Hand-worked regulatory cases, run end to end through ``iso10002 check`` on both platforms.

A :class:`Case` says what happened to one complaint in neutral terms (receipt time, public
replies carrying letters, status and field changes). :func:`check_case` renders it with the demo
generator's renderers (``devtools/generator/{zendesk,jira}_render.py``: Zendesk incremental export
and ticket-event pages, Jira Cloud ``/search/jql`` pages with the changelog embedded, the shapes of
``connector/samples/*.jsonl``), writes the JSON Lines export, writes a policy ``extends: <pack>``
(plus any override, e.g. ``calendar``), runs the real CLI with typer's ``CliRunner`` and returns
the findings by check id::

    case = Case(received=at(2026, 3, 6, 18), steps=[Reply(at(2026, 3, 9, 10)), ...])
    for platform in PLATFORMS:
        found = check_case(case, "fca-disp", as_of=..., tmp_path=tmp_path, platform=platform)
        assert found["regulatory-response"].status == "pass"

Letters are written the way the shipped mappings (``mappings/{zendesk,jira}.yaml``, block
``regulatory``) recognise them: the letter's marker (``[FRL]``, ``[HOLDING]``, ``[SRC]`` ...) and,
per content element asked for, that element's first marker, in a *public* agent comment. The two
mappings name some elements differently, so the text is composed per platform from the mapping
itself. Regulatory custom fields the renderers do not know (``product_group``, ``sent_to_company``,
...) are set on the rendered ticket / issue at the field id that mapping names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from connector.cli import app
from devtools.generator.jira_render import JiraOptions, jira_pages
from devtools.generator.model import Complaint, Event, Kind, Pattern, Person
from devtools.generator.people import AGENT_PEOPLE
from devtools.generator.render import dump
from devtools.generator.zendesk_render import ZendeskOptions, zendesk_pages

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
#: Jira Cloud and Zendesk (Jira Data Center reads the same mapping; not needed for clocks).
PLATFORMS = ("zendesk", "jira")
COMPLAINANT = Person(id=391_000_000_777, name="Ada Byrne", email="ada.byrne@example.com", role="end-user")
AGENT = AGENT_PEOPLE[0]


@dataclass(frozen=True)
class Reply:
    """A comment by the handling agent (public unless said otherwise).

    ``letter``: a key of the mapping's ``regulatory`` block (``final_response``,
    ``holding_response``, ``summary_resolution``, ``extension_letter``); its marker is put in the
    text, with the first marker of each element in ``content`` and ``new_date`` (ISO) if given.
    """

    at: datetime
    letter: str | None = None
    content: tuple[str, ...] = ()
    new_date: date | None = None
    public: bool = True
    text: str = "Thank you for contacting us about your complaint."


@dataclass(frozen=True)
class Status:
    """A status change to a neutral status (``investigating``, ``resolved``, ``closed`` ...)."""

    at: datetime
    to: str


@dataclass(frozen=True)
class Field:
    """A decision field set by the agent (neutral name: ``outcome``, ``resolution_summary`` ...)."""

    at: datetime
    name: str
    value: str


@dataclass(frozen=True)
class Label:
    """A label added by the agent, in Jira's spelling (``stage-2``); Zendesk's renderer writes it
    as the tag ``stage_2``, the spelling the shipped Zendesk mapping names."""

    at: datetime
    name: str


@dataclass(frozen=True)
class Message:
    """A public comment by the complainant (e.g. asking for stage 2)."""

    at: datetime
    text: str = "I am not satisfied with your answer."


Step = Reply | Status | Field | Label | Message


@dataclass
class Case:
    """One hand-worked complaint. ``regulatory``: values of the mapping's ``regulatory`` fields
    (``product_group``, ``sent_to_company``, ...) as the platform stores them: one text for both
    platforms, or ``{platform: text}`` where they differ (Jira date-times: ``...T10:00:00.000+0000``)."""

    received: datetime
    steps: Sequence[Step] = ()
    category: str = "Service"
    product: str = "Current account"
    regulatory: Mapping[str, str | Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Found:
    """One finding as ``--format json`` gives it."""

    status: str
    due_at: datetime | None
    message: str
    raw: Mapping[str, Any]


@cache
def regulatory_block(platform: str) -> dict[str, Any]:
    data = yaml.safe_load((MAPPINGS / f"{platform}.yaml").read_text(encoding="utf-8"))
    block: dict[str, Any] = data["regulatory"]
    return block


def letter_text(platform: str, reply: Reply) -> str:
    """The comment body: the letter's marker, each requested element's first marker, the date."""
    lines = [reply.text]
    if reply.letter is not None:
        rule = regulatory_block(platform)[reply.letter]
        lines.insert(0, rule["markers"][0])
        for element in reply.content:
            lines.append(f"{rule['content'][element]['markers'][0]}: see below.")
    if reply.new_date is not None:
        lines.append(f"We will send our final response by {reply.new_date.isoformat()}.")
    return "\n".join(lines)


def complaint(case: Case, platform: str) -> Complaint:
    """The neutral generator model of ``case`` (events replayed onto the end state)."""
    c = Complaint(
        index=0,
        pattern=Pattern.COMPLIANT,
        variant="hand-worked",
        received_at=case.received,
        channel="email",
        product=case.product,
        category=case.category,
        subcategory="Other",
        complainant=COMPLAINANT,
        subject="Complaint about my account",
        description="I want to complain about how my account was handled.",
        remedy_sought="A refund",
        initial_priority="medium",
        initial_group="Complaints",
        initial_labels=("complaint",),
        assignee=AGENT,
        labels=("complaint",),
    )
    for seq, step in enumerate(sorted(case.steps, key=lambda s: s.at), start=1):
        if isinstance(step, Reply):
            c.events.append(
                Event(step.at, Kind.COMMENT, AGENT, seq, public=step.public, text=letter_text(platform, step))
            )
        elif isinstance(step, Message):
            c.events.append(Event(step.at, Kind.COMMENT, COMPLAINANT, seq, public=True, text=step.text))
        elif isinstance(step, Label):
            labels = (*c.labels, step.name)
            c.events.append(Event(step.at, Kind.LABELS, AGENT, seq, before=c.labels, after=labels))
            c.labels = labels
        elif isinstance(step, Status):
            c.events.append(Event(step.at, Kind.STATUS, AGENT, seq, before=c.status, after=step.to))
            c.status = step.to
        else:
            before = c.fields.get(step.name)
            c.events.append(
                Event(step.at, Kind.FIELD, AGENT, seq, field=step.name, before=before, after=step.value)
            )
            c.fields[step.name] = step.value
    return c


def _set_regulatory_fields(
    platform: str, page: dict[str, Any], values: Mapping[str, str | Mapping[str, str]]
) -> None:
    # Fields the generator does not model, at the id the shipped mapping reads them from:
    # Zendesk `custom_fields` [{id, value}] (Tickets API), Jira `fields.customfield_N` (a select
    # list option `{"value": ...}` for the product group, text otherwise).
    block = regulatory_block(platform)
    for name, given in values.items():
        assert name in block, f"mappings/{platform}.yaml has no regulatory.{name}"
        field_id = block[name]["custom_field"]
        value = given if isinstance(given, str) else given[platform]
        if platform == "zendesk":
            for ticket in page.get("tickets", ()):
                ticket["custom_fields"].append({"id": int(field_id), "value": value})
        else:
            for issue in page.get("issues", ()):
                issue["fields"][field_id] = {"value": value} if name == "product_group" else value


def export(case: Case, platform: str, path: Path) -> Path:
    """Write ``case`` as ``platform``'s export JSON Lines at ``path``."""
    c = complaint(case, platform)
    if platform == "zendesk":
        pages = zendesk_pages(iter([c]), 1, ZendeskOptions())
    else:
        pages = jira_pages(iter([c]), 1, JiraOptions())
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for page in pages:
            _set_regulatory_fields(platform, page, case.regulatory)
            dump(page, out)
    return path


def policy_file(pack: str, path: Path, overrides: Mapping[str, Any] | None = None) -> Path:
    """A policy ``extends: <pack>`` (by name) with ``overrides`` (e.g. ``{"calendar": {...}}``)."""
    document: dict[str, Any] = {"extends": pack, "name": f"case-{pack}", "version": 1}
    document.update(overrides or {})
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def check_case(
    case: Case,
    pack: str,
    *,
    as_of: datetime,
    tmp_path: Path,
    platform: str,
    overrides: Mapping[str, Any] | None = None,
    mapping: Path | None = None,
) -> dict[str, Found]:
    """Run ``iso10002 check --format json`` on ``case`` rendered for ``platform``; findings by check id."""
    payload = export(case, platform, tmp_path / f"{platform}.jsonl")
    policy = policy_file(pack, tmp_path / f"policy-{pack}.yaml", overrides)
    args = ["check", "--platform", platform, "--input", str(payload), "--policy", str(policy)]
    args += ["--as-of", as_of.isoformat(), "--format", "json"]
    if mapping is not None:
        args += ["--mapping", str(mapping)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    found: dict[str, Found] = {}
    for item in document["findings"]:
        due = datetime.fromisoformat(item["due_at"]) if item.get("due_at") else None
        found[item["check"]] = Found(item["status"], due, item["message"], item)
    return found


def check_both(
    case: Case, pack: str, *, as_of: datetime, tmp_path: Path, overrides: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Found]]:
    """:func:`check_case` on Zendesk and on Jira Cloud (each in its own folder): platform -> findings."""
    out = {}
    for platform in PLATFORMS:
        folder = tmp_path / platform
        folder.mkdir(exist_ok=True)
        out[platform] = check_case(
            case, pack, as_of=as_of, tmp_path=folder, platform=platform, overrides=overrides
        )
    return out


def assert_finding(
    results: Mapping[str, Mapping[str, Found]], check: str, status: str, due_at: datetime | None
) -> None:
    """The same status and due time for ``check`` on every platform (due compared as instants)."""
    for platform, found in results.items():
        got = found.get(check)
        assert got is not None, f"{platform}: no {check} finding (got {sorted(found)})"
        shown = f"{platform}: {check}: {got.status} {got.due_at} {got.message}"
        assert (got.status, got.due_at) == (status, due_at), shown
