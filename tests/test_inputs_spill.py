"""Big Zendesk inputs keep ticket history in a scratch file: same findings, bounded memory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from connector import inputs
from connector.spill import SpilledHistory
from mappings.assemble import Assembler
from mappings.loader import default_mapping_path, load_mapping
from mappings.zendesk_payload import Child

SAMPLE = Path(__file__).resolve().parents[1] / "connector" / "samples" / "zendesk-sample.jsonl"
AS_OF = datetime(2026, 11, 22, 9, tzinfo=UTC)


def _records(spill_bytes: int) -> tuple[list[dict[str, object]], str]:
    assembler = Assembler(load_mapping(default_mapping_path("zendesk")).spec, as_of=AS_OF)
    records = [
        m.record.model_dump(mode="json")
        for m in inputs.map_files([SAMPLE], assembler, spill_bytes=spill_bytes)
        if m.record is not None
    ]
    return records, type(assembler.zendesk_history).__name__


def test_spilled_history_maps_exactly_like_memory() -> None:
    in_memory, store = _records(spill_bytes=1 << 40)
    assert store == "MemoryHistory"
    spilled, store = _records(spill_bytes=0)
    assert store == "SpilledHistory"
    assert len(in_memory) == 40
    assert spilled == in_memory


def test_spilled_history_round_trips_children_and_releases_nothing_twice(tmp_path: Path) -> None:
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    child = Child("9", "Comment", at, "7", "web", "7", True, None, None, None, "Bonjour, ß ✓")
    with SpilledHistory(tmp_path) as store:
        store.add("42", [child])
        store.add("43", [child._replace(id="10", public=False)])
        assert store.take("42") == [child]
        assert store.take("44") == []
        late = child._replace(id="11")
        store.add("44", [late])  # after mapping started: a single ticket's own audits
        assert store.take("44") == [late]
    assert not any(tmp_path.iterdir()), "the scratch file is deleted"


def test_memory_store_is_the_default_for_small_inputs() -> None:
    assembler = Assembler(load_mapping(default_mapping_path("zendesk")).spec)
    assert type(assembler.zendesk_history).__name__ == "MemoryHistory"
