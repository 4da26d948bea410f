"""Bounds on values at the mapping boundary: dates, durations, nesting, value types."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from compliance_checks.calendar import MAX_DURATION_DAYS, Duration
from connector.cli import app
from mappings.values import MAX_DEPTH, TooDeepError, adf_text, parse_time

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "connector" / "samples" / "zendesk-sample.jsonl"
HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
BASELINE = ROOT / "compliance_checks" / "policies" / "iso10002-baseline.yaml"
runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1899-12-31T23:59+00:00"])
def test_timestamps_outside_the_supported_range_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="supported date range"):
        parse_time(text)


def test_timestamps_inside_the_range_are_read() -> None:
    assert parse_time("1900-01-01T00:00:00Z") == datetime(1900, 1, 1, tzinfo=UTC)
    assert parse_time("2199-12-31T23:59:59Z") == datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_epoch_overflow_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="supported range"):
        parse_time(1e308)


def test_adf_text_walks_deep_trees_without_recursion() -> None:
    node: dict[str, Any] = {"type": "text", "text": "deep"}
    for _ in range(MAX_DEPTH // 2 - 2):
        node = {"type": "paragraph", "content": [node]}
    assert adf_text({"type": "doc", "content": [node]}) == "deep"
    for _ in range(5000):  # far beyond Python's recursion limit: refused, never RecursionError
        node = {"type": "paragraph", "content": [node]}
    with pytest.raises(TooDeepError):
        adf_text({"type": "doc", "content": [node]})


def test_adf_text_keeps_block_order() -> None:
    doc = {"type": "doc", "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"type": "paragraph", "content": [{"type": "text", "text": "c"}, {"type": "hardBreak"},
                                          {"type": "text", "text": "d"}]},
    ]}
    assert adf_text(doc) == "ab\nc\nd"


@pytest.mark.parametrize("text", ["99999999999 days", "3654 days", "522 weeks", "87673 hours"])
def test_durations_are_bounded(text: str) -> None:
    with pytest.raises(ValueError, match=f"longer than {MAX_DURATION_DAYS} days"):
        Duration.parse(text)


def test_longest_duration_is_accepted() -> None:
    assert Duration.parse(f"{MAX_DURATION_DAYS} days").amount == MAX_DURATION_DAYS


def test_validate_config_rejects_a_huge_target_with_file_and_key_path(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    text = BASELINE.read_text(encoding="utf-8")
    assert "target: 2 business days" in text
    policy.write_text(text.replace("target: 2 business days", "target: 99999999999 days"), encoding="utf-8")
    result = run("validate-config", "--policy", str(policy))
    assert result.exit_code == 2
    out = flat(result.output)
    assert f"{policy}: checks.acknowledged-in-time.params.target" in out
    assert "longer than 3653 days" in out


@pytest.mark.parametrize("as_of", ["9999-12-31T00:00:00+00:00", "0001-01-02T00:00:00+00:00"])
@pytest.mark.parametrize("command", [["check"], ["report", "register", "--format", "json"]])
def test_as_of_outside_the_supported_range_is_a_usage_error(command: list[str], as_of: str) -> None:
    result = run(*command, "--platform", "zendesk", "--input", str(SAMPLE), "--as-of", as_of)
    assert result.exit_code == 2
    assert "outside the supported range" in flat(result.output)
    assert "Traceback" not in result.output


def test_future_dated_ticket_is_reported_as_such_not_as_a_non_complaint() -> None:
    result = run("check", "--platform", "zendesk", "--input", str(SAMPLE),
                 "--input", str(HOSTILE / "zendesk-received-future.jsonl"),
                 "--as-of", "2026-11-22T09:00:00+00:00")
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "(0 tickets skipped: not complaints or duplicates; 1 received after the as-of time)" in out
    assert "ticket 990019: skipped: received 2030-01-01T00:00:00+00:00, after the as-of time" in out
