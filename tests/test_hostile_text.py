"""Hostile ticket text offline: lone surrogates and control characters in free text, on both
platforms, through check (json, csv), explain and every report kind and format. The cases are
the shared corpus files in tests/fixtures/hostile/, each read with the shipped sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from connector import untrusted
from connector.cli import app

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
SAMPLES = {"zendesk": ROOT / "connector" / "samples" / "zendesk-sample.jsonl",
           "jira": ROOT / "connector" / "samples" / "jira-cloud-sample.jsonl"}
BAD = {("zendesk", "lone-surrogate"): "900001", ("jira", "lone-surrogate"): "CS-901",
       ("zendesk", "control-characters"): "900002", ("jira", "control-characters"): "CS-902"}
AS_OF = "2026-12-01T00:00:00+00:00"
CASES = sorted(BAD)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


def inputs(platform: str, case: str) -> list[str]:
    return ["--platform", platform, "--input", str(SAMPLES[platform]),
            "--input", str(HOSTILE / f"{platform}-{case}.jsonl"), "--as-of", AS_OF]


# -- the boundary --------------------------------------------------------------------------------


#: Any text, many of its characters surrogates (st.text() alone never draws one), with pieces
#: that look like surrogate escapes once backslashes are escaped (``\\ud83d`` is text).
HOSTILE_TEXT = st.lists(
    st.one_of(
        st.integers(0xD800, 0xDFFF).map(chr),
        st.characters(),
        st.sampled_from(["\\", "\\u", "ud83d", "\\ud83d", "\\ude00", "\U0001f600", "\\\\"]),
    )
).map("".join)


def utf16_meaning(text: str) -> str:
    """What JSON escapes of ``text`` mean: pairs join, every unpaired surrogate is U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@given(HOSTILE_TEXT)
def test_parsed_json_text_is_always_encodable_and_otherwise_unchanged(text: str) -> None:
    raw = json.dumps({"body": text, text: [text]})  # ASCII: surrogates as \\uXXXX escapes
    for data in (raw, raw.encode()):
        value = untrusted.loads(data)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # raises on a surrogate
        expected = utf16_meaning(text)
        assert value == {"body": expected, expected: [expected]}


def test_a_valid_surrogate_pair_escape_is_kept() -> None:
    assert untrusted.loads(b'["\\ud83d\\ude00", "\\udcff"]') == ["\U0001f600", "\ufffd"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (rb'"\ud83d\ude00"', "\U0001f600"),  # a pair: kept
        (rb'"\\ud83d\ude00"', "\\ud83d\ufffd"),  # escaped backslash, then a lone low half
        (rb'"\\\ud83d\ude00"', "\\\U0001f600"),  # escaped backslash, then a pair
        (rb'"\ud83d\\ude00"', "\ufffd\\ude00"),  # a lone high half, then text
        (rb'["\ud83d", "\ude00"]', ["\ufffd", "\ufffd"]),  # halves in two strings
        (rb'"\uDBFF\uDFFF"', "\U0010ffff"),  # upper case
    ],
)
def test_escaped_backslashes_never_hide_a_lone_half(raw: bytes, expected: object) -> None:
    for data in (raw, raw.decode()):
        assert untrusted.loads(data) == expected


# -- every output --------------------------------------------------------------------------------


@pytest.mark.parametrize(("platform", "case"), CASES)
@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_check_computes_the_hostile_ticket_like_any_other(platform: str, case: str, fmt: str) -> None:
    result = run("check", *inputs(platform, case), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    if fmt == "json":
        findings = json.loads(result.stdout)["findings"]
        assert any(f["ticket"] == BAD[(platform, case)] for f in findings)


@pytest.mark.parametrize(("platform", "case"), CASES)
def test_explain_shows_the_hostile_ticket(platform: str, case: str) -> None:
    result = run("explain", BAD[(platform, case)], *inputs(platform, case))
    assert result.exit_code == 0, result.output
    assert result.exception is None


@pytest.mark.parametrize(("platform", "case"), CASES)
@pytest.mark.parametrize("fmt", ["html", "csv", "xlsx", "json", "pdf"])
def test_every_report_renders(platform: str, case: str, fmt: str, tmp_path: Path) -> None:
    result = run("report", "register", "kpi", "audit", "review", *inputs(platform, case),
                 "--from", "2026-09-01", "--to", "2026-11-30", "--format", fmt, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert len(list(tmp_path.glob(f"*.{fmt}"))) == 4
