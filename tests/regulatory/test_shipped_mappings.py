"""The shipped mappings' ``regulatory`` blocks: they work, and they change no ISO 10002 result.

Mapping the repository's fixtures, the shared fixtures and the generator's data with the shipped
mapping gives the same records as with the block removed, apart from the regulatory fields.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from compliance_checks.model import ActorRole, Event, EventKind, LetterKind, Party, SourceKind
from connector.inputs import InputError, map_files
from devtools.generator import GeneratorConfig, write_jsonl
from mappings.assemble import Assembler
from mappings.derive import build_record
from mappings.facts import TicketFacts
from mappings.loader import default_mapping_path
from mappings.schema import MappingSpec

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = [ROOT / "tests" / "fixtures", ROOT.parent / "shared" / "fixtures"]
LONDON = ZoneInfo("Europe/London")
#: Record fields the regulatory block fills; everything else must not change.
REGULATORY_FIELDS = {
    "letters",
    "procedure_stage",
    "stage2_started",
    "stage2_requested",
    "stage2_acknowledged",
    "handlers_by_stage",
    "product_group",
    "redress_amount",
    "sent_to_company_at",
    "cfpb_received_at",
    "parts",
    "accepted",
}


def shipped(platform: str, *, regulatory: bool = True, select_all: bool = False) -> MappingSpec:
    data = yaml.safe_load(default_mapping_path(platform).read_text(encoding="utf-8"))
    assert "regulatory" in data, "the shipped mapping has a regulatory block"
    if not regulatory:
        del data["regulatory"]
    if select_all:
        data.update(select={}, scope=[])
    return MappingSpec.model_validate(data)


def non_regulatory(paths: list[Path], spec: MappingSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in map_files(paths, Assembler(spec)):
        record = item.record.model_dump(exclude=REGULATORY_FIELDS) if item.record else None
        out[item.ticket] = (record, str(item.error) if item.error else None, item.skipped)
    return out


def fixture_files(platform: str) -> list[Path]:
    found = []
    for base in FIXTURES:
        found.extend(sorted((base / platform).rglob("*.json")))
    return found


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_fixtures_map_the_same_with_and_without_the_regulatory_block(platform: str):
    files = fixture_files(platform)
    assert files
    compared = 0
    for path in files:
        try:
            with_block = non_regulatory([path], shipped(platform, select_all=True))
        except InputError:
            continue  # not a ticket payload (field lists, users, tags...)
        without = non_regulatory([path], shipped(platform, regulatory=False, select_all=True))
        assert with_block == without, path
        compared += sum(1 for record, _, _ in with_block.values() if record is not None)
    assert compared >= 5


@pytest.mark.parametrize(
    ("renderer", "platform"), [("jira", "jira"), ("jira-dc", "jira"), ("zendesk", "zendesk")]
)
def test_generator_data_maps_the_same_with_and_without_the_regulatory_block(
    renderer: str, platform: str, tmp_path: Path
):
    path = tmp_path / "data.jsonl"
    end = datetime.fromisoformat("2026-11-20T17:00:00+00:00")
    write_jsonl(path, renderer, GeneratorConfig(complaints=150, end=end, seed=5))
    with_block = non_regulatory([path], shipped(platform))
    assert len(with_block) == 150
    assert with_block == non_regulatory([path], shipped(platform, regulatory=False))


# ---- the shipped blocks recognise what docs/regulatory.md says ----------------------------


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


def ev(kind: EventKind, source: str, when: datetime, **kw: Any) -> Event:
    source_kind, _, source_id = source.partition(":")
    kw.setdefault("actor_role", ActorRole.AGENT)
    return Event(at=when, kind=kind, source_kind=SourceKind(source_kind), source_id=source_id, **kw)


def facts(platform: str, events: list[Event], raw: dict[str, Any]) -> TicketFacts:
    return TicketFacts(
        key="9",
        id="9",
        platform=platform,
        created=at(2),
        raw=raw,
        status="open",
        priority="normal",
        requester=Party(id="c-1", name="Ada"),
        events=events,
    )


def test_shipped_jira_block():
    letter = "[FRL] Our decision: upheld. The reasons for our decision: ... Financial Ombudsman Service"
    events = [
        ev(
            EventKind.COMMENT, "comment:1", at(20), public=True, text="[HOLDING] we need more time because X."
        ),
        ev(EventKind.COMMENT, "comment:2", at(4, month=4), public=True, text=letter),
        ev(
            EventKind.LABEL_CHANGE,
            "changelog:3",
            at(6, month=4),
            field="labels",
            to_value="part-decided-payment",
        ),
    ]
    raw = {
        "key": "9",
        "fields": {
            "customfield_10095": "2026-04-17",
            "customfield_10120": [{"value": "payment"}],
            "customfield_10080": "payment services",
        },
    }
    record = build_record(facts("jira", events, raw), shipped("jira"))
    # The first public reply is also the acknowledgement (the block's content-only rule).
    ack = record.letter(LetterKind.ACKNOWLEDGEMENT)
    assert ack is not None and ack.sent.ref() == "comment:1"
    holding, final = (x for x in record.letters if x.kind is not LetterKind.ACKNOWLEDGEMENT)
    assert (holding.kind, holding.reasons, holding.new_date.isoformat()) == (
        LetterKind.HOLDING,
        True,
        "2026-04-17",
    )
    assert (final.kind, final.decision, final.reasons, final.ombudsman_rights) == (
        LetterKind.FINAL,
        True,
        True,
        True,
    )
    (part,) = record.parts
    assert (part.id, part.product_group, part.decided.ref()) == ("payment", "payment services", "changelog:3")
    assert record.product_group == "payment services"


def test_shipped_zendesk_block():
    events = [
        ev(EventKind.LABEL_CHANGE, "audit:1", at(10, month=4), field="tags", to_value="stage_2"),
        ev(
            EventKind.COMMENT,
            "audit:2",
            at(20, month=4),
            public=True,
            text="[EXTENSION] we need more time because Y",
        ),
        ev(
            EventKind.LABEL_CHANGE,
            "audit:3",
            at(20, month=4),
            field="tags",
            from_value="stage_2",
            to_value="stage_2 reg_extension_letter",
        ),
        ev(
            EventKind.FIELD_CHANGE,
            "audit:4",
            at(21, month=4),
            field="360000000050",
            from_value="part_payment",
            to_value="part_payment part_card",
        ),
    ]
    raw = {
        "id": 9,
        "custom_fields": [
            {"id": 360000000043, "value": "2026-05-29"},
            {"id": 360000000050, "value": ["part_payment", "part_card"]},
        ],
    }
    record = build_record(facts("zendesk", events, raw), shipped("zendesk"))
    assert record.procedure_stage == 2
    (extension,) = record.letters
    assert (extension.kind, extension.stage, extension.sent.ref()) == (LetterKind.HOLDING, 2, "audit:2")
    assert (extension.reasons, extension.new_date.isoformat()) == (True, "2026-05-29")
    by_id = {p.id: p for p in record.parts}
    assert by_id["part_payment"].product_group == "payment services"
    assert by_id["part_card"].received_at == at(21, month=4)
