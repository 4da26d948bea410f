"""The realistic data generator: deterministic, any size, streaming, and its payloads map.

Every non-compliance pattern is checked end to end: generated raw payloads -> the shipped
mapping -> the baseline policy -> the FAIL finding the pattern is meant to produce.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import pytest

from compliance_checks import BASELINE_POLICY, load_policy
from connector.checking import TicketEvaluation
from connector.files import RunSummary, evaluate_files
from devtools.generator import GeneratorConfig, Pattern, generate, pages, write_jsonl
from devtools.generator.model import Complaint
from mappings.loader import default_mapping_path, load_mapping

END = datetime.fromisoformat("2026-11-20T17:00:00+00:00")
AS_OF = datetime.fromisoformat("2026-11-22T09:00:00+00:00")
#: Mapping platform per renderer.
RENDERERS = {"jira": "jira", "jira-dc": "jira", "zendesk": "zendesk"}
#: Large enough that every pattern shows up many times at these shares.
PATTERN_SHARES = {p: 0.075 for p in Pattern if p is not Pattern.COMPLIANT}


def _config(n: int = 30, seed: int = 11, **kw: object) -> GeneratorConfig:
    return GeneratorConfig(complaints=n, end=END, seed=seed, **kw)  # type: ignore[arg-type]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _key(platform: str) -> Callable[[Complaint], str]:
    if platform.startswith("jira"):
        return lambda c: f"CS-{c.index + 1}"
    return lambda c: str(100_000 + c.index + 1)


def _evaluate(path: Path, platform: str) -> tuple[list[TicketEvaluation], RunSummary]:
    summary = RunSummary()
    mapping = load_mapping(default_mapping_path(RENDERERS[platform]))
    results = list(
        evaluate_files([path], mapping, load_policy(BASELINE_POLICY), as_of=AS_OF, summary=summary)
    )
    return results, summary


@cache
def _pattern_run(platform: str, tmp: Path) -> tuple[dict[str, Complaint], dict[str, TicketEvaluation]]:
    config = _config(700, seed=2026, shares=PATTERN_SHARES)
    path = tmp / f"patterns-{platform}.jsonl"
    write_jsonl(path, platform, config)
    results, summary = _evaluate(path, platform)
    assert summary.mapping_errors == []
    key = _key(platform)
    return {key(c): c for c in generate(config)}, {r.ticket: r for r in results}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generator")


# -- determinism and size ---------------------------------------------------------------


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_same_seed_gives_identical_bytes_and_another_seed_differs(platform: str, tmp_path: Path) -> None:
    paths = [tmp_path / f"{name}.jsonl" for name in ("a", "b", "c")]
    write_jsonl(paths[0], platform, _config(seed=5))
    write_jsonl(paths[1], platform, _config(seed=5))
    write_jsonl(paths[2], platform, _config(seed=6))
    assert _digest(paths[0]) == _digest(paths[1])
    assert _digest(paths[0]) != _digest(paths[2])


@pytest.mark.parametrize(
    ("platform", "n"), [("jira", 10), ("jira", 257), ("jira-dc", 123), ("zendesk", 10), ("zendesk", 1_234)]
)
def test_exact_size_and_page_shapes(platform: str, n: int, tmp_path: Path) -> None:
    config = _config(n)
    all_pages = list(pages(platform, config))
    if platform == "zendesk":
        exports = [p for p in all_pages if "tickets" in p]
        assert sum(len(p["tickets"]) for p in exports) == n
        assert [p["end_of_stream"] for p in exports][-1] is True
        assert all(set(p) >= {"after_cursor", "end_of_stream", "users"} for p in exports)
        events = [e for p in all_pages for e in p.get("ticket_events", ())]
        assert {e["event_type"] for e in events} == {"Audit"}
        kinds = {c["event_type"] for e in events for c in e["child_events"]}
        assert {"Comment", "Change", "Create"} <= kinds
    else:
        issues = [i for p in all_pages for i in p.get("issues", ())]
        assert len(issues) == n
        assert len({i["key"] for i in issues}) == n
        if platform == "jira-dc":
            searches = [p for p in all_pages if "issues" in p]
            assert all(p["total"] == n and "startAt" in p for p in searches)
            assert isinstance(issues[0]["fields"]["description"], str)  # wiki markup
            # DC search embeds no comment properties; the comment pages read with
            # expand=properties carry them (one per issue needing them, as the reader reads).
            embedded = [c for i in issues for c in i["fields"]["comment"]["comments"]]
            assert embedded and not any("properties" in c for c in embedded)
            paged = [p for p in all_pages if "issue" in p]
            assert paged and all(isinstance(c["properties"], list)
                                 for p in paged for c in p["comments"]["comments"])
            assert len(searches) + len(paged) == len(all_pages)
        else:
            assert all_pages[-1]["isLast"] is True and all_pages[-1]["nextPageToken"] is None
            assert issues[0]["fields"]["description"]["type"] == "doc"  # ADF
    received = [c.received_at for c in generate(config)]
    assert received == sorted(received)
    assert all(END - timedelta(days=180) < r < END for r in received)


def test_size_limits_are_enforced() -> None:
    with pytest.raises(ValueError, match="between"):
        _config(0)
    with pytest.raises(ValueError, match="shares"):
        _config(shares={Pattern.LATE_ACK: 0.9, Pattern.REOPENED: 0.3})


def test_events_average_about_twenty() -> None:
    complaints = list(generate(_config(400)))
    mean = sum(len(c.events) for c in complaints) / len(complaints)
    assert 16 <= mean <= 24
    assert any(c.is_open for c in complaints)
    assert any(not c.is_open for c in complaints)


# -- the payloads map, with every pattern where it should be -----------------------------


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_every_renderer_maps_without_errors(platform: str, tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    write_jsonl(path, platform, _config(120, seed=3))
    _, summary = _evaluate(path, platform)
    assert summary.mapping_errors == []
    assert summary.complaints == 120
    statuses = set(summary.statuses)
    assert {"PASS", "FAIL", "NOT_APPLICABLE"} <= statuses
    assert statuses & {"PENDING", "AT_RISK"}


def test_truncated_jira_changelog_plus_bulkfetch_maps_like_full_embedding(tmp_path: Path) -> None:
    config = _config(60, seed=9)
    full, split = tmp_path / "full.jsonl", tmp_path / "split.jsonl"
    write_jsonl(full, "jira", config)
    write_jsonl(split, "jira", config, embed_histories=3)
    assert '{"issueChangeLogs"' in split.read_text(encoding="utf-8")

    def outcome(path: Path) -> dict[tuple[str, str], str]:
        results, summary = _evaluate(path, "jira")
        assert summary.mapping_errors == []
        return {(r.ticket, f.check): f.status.value for r in results for f in r.findings}

    assert outcome(full) == outcome(split)


EXPECTED_FAIL = {
    Pattern.LATE_ACK: "acknowledged-in-time",
    Pattern.INTERNAL_ACK: "acknowledged-in-time",
    Pattern.URGENT_NOT_ESCALATED: "escalated-when-required",
    Pattern.LONG_SILENCE: "kept-informed",
    Pattern.DECISION_NOT_COMMUNICATED: "decision-communicated",
    Pattern.REJECTED_NO_RECOURSE: "closure-evidence",
}


def _settled(c: Complaint) -> bool:
    """The whole planned history fits before the end (nothing cut off, nothing still running)."""
    return not c.truncated and c.received_at < END - timedelta(days=21)


def _cases(platform: str, run_dir: Path, pattern: Pattern) -> list[tuple[Complaint, TicketEvaluation]]:
    models, results = _pattern_run(platform, run_dir)
    cases = [(c, results[k]) for k, c in models.items() if c.pattern is pattern and _settled(c)]
    assert len(cases) >= 5, f"pattern {pattern} barely generated"
    return cases


def _status(result: TicketEvaluation, check: str) -> str:
    return next(f.status.value for f in result.findings if f.check == check)


@pytest.mark.parametrize("platform", ["jira", "jira-dc", "zendesk"])
@pytest.mark.parametrize("pattern", [p for p in EXPECTED_FAIL if p is not Pattern.URGENT_NOT_ESCALATED])
def test_pattern_produces_its_fail_finding(platform: str, pattern: Pattern, run_dir: Path) -> None:
    check = EXPECTED_FAIL[pattern]
    for complaint, result in _cases(platform, run_dir, pattern):
        assert _status(result, check) == "FAIL", (complaint.index, complaint.variant)


@pytest.mark.parametrize("platform", ["jira", "jira-dc", "zendesk"])
def test_urgent_never_escalated_fails_escalation(platform: str, run_dir: Path) -> None:
    for complaint, result in _cases(platform, run_dir, Pattern.URGENT_NOT_ESCALATED):
        assert result.record is not None and result.record.severity is not None
        assert result.record.severity.value == "critical"
        assert _status(result, "escalated-when-required") == "FAIL", complaint.index


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_closed_without_outcome_or_root_cause(platform: str, run_dir: Path) -> None:
    cases = _cases(platform, run_dir, Pattern.CLOSED_WITHOUT_OUTCOME)
    assert {c.variant for c, _ in cases} == {"outcome", "root_cause"}
    for complaint, result in cases:
        check = "closure-evidence" if complaint.variant == "outcome" else "root-cause-recorded"
        assert _status(result, check) == "FAIL", complaint.index


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_acknowledgement_only_by_internal_note_is_not_an_acknowledgement(
    platform: str, run_dir: Path
) -> None:
    for complaint, result in _cases(platform, run_dir, Pattern.INTERNAL_ACK):
        first_note = next(e for e in complaint.events if e.text and e.public is False)
        assert result.record is not None and result.record.acknowledged is not None
        assert result.record.acknowledged.at > first_note.at  # the note was not taken as the ack
        assert _status(result, "acknowledged-in-time") != "PASS"


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_reopened_and_out_of_scope(platform: str, run_dir: Path) -> None:
    for _complaint, result in _cases(platform, run_dir, Pattern.REOPENED):
        assert result.record is not None and result.record.reopen_count >= 1
    for _complaint, result in _cases(platform, run_dir, Pattern.EMPLOYMENT):
        assert {f.status.value for f in result.findings} == {"NOT_APPLICABLE"}
        assert result.record is not None and result.record.scope_reason == "employment-related dispute"


@pytest.mark.parametrize("platform", ["jira", "zendesk"])
def test_compliant_complaints_do_not_fail(platform: str, run_dir: Path) -> None:
    # Jira has no evidence that a JSM survey was *offered* until the customer rates it
    # (reported to the core owner), so an unrated Jira complaint fails satisfaction-offered.
    tolerated = {"satisfaction-offered"} if platform == "jira" else set()
    for complaint, result in _cases(platform, run_dir, Pattern.COMPLIANT):
        fails = {f.check for f in result.findings if f.status.value == "FAIL"} - tolerated
        assert not fails, (complaint.index, fails)


# -- content ------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", sorted(RENDERERS))
def test_text_has_non_ascii_and_hostile_strings(platform: str, tmp_path: Path) -> None:
    path = tmp_path / "text.jsonl"
    write_jsonl(path, platform, _config(150, seed=4))
    raw = path.read_text(encoding="utf-8")
    texts = []
    for line in raw.splitlines():
        page = json.loads(line)  # every line is one parseable page
        texts.append(json.dumps(page, ensure_ascii=False))
    blob = "\n".join(texts)
    for needle in (
        '=HYPERLINK(\\"http://x\\")',
        "<script>alert(1)</script>",
        "'; DROP TABLE",
        "é",
        "ß",
        "日本語",
    ):
        assert needle in blob, needle
    assert any(ord(ch) > 0xFFFF for ch in blob)  # emoji (astral plane)


def test_pages_are_produced_lazily() -> None:
    # A million complaints: the first page arrives after generating only its own complaints.
    first = next(iter(pages("jira", _config(1_000_000))))
    assert len(first["issues"]) == 100 and first["isLast"] is False


def test_generating_5000_complaints_keeps_traced_memory_small() -> None:
    config = _config(5_000, seed=8)
    tracemalloc.start()
    try:
        count = sum(1 for _ in itertools.islice(generate(config), 5_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 5_000
    assert peak < 8 * 2**20  # one complaint at a time: a few hundred kB, never the dataset
