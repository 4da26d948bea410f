"""The hostile-input corpus (tests/fixtures/hostile/, format in its README.md).

Each case is fed with the shipped sample export of its platform through ``check`` (json, csv,
table), ``explain`` (a sample ticket and the bad one), the reports (every kind; html, csv, xlsx,
json; pdf for one case), the store's mapping (``map_bundle``, what sync stores) and the
write-back note, asserting the documented exit code, the message, no traceback, and that the
sample tickets' findings are those of a run on the sample alone.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from compliance_checks.findings import FINDING_JSON
from connector.bundles import map_bundle
from connector.cli import app
from connector.platforms.jira.notes import note_text
from mappings.loader import default_mapping_path, load_mapping

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
SAMPLES = {
    "zendesk": ROOT / "connector" / "samples" / "zendesk-sample.jsonl",
    "jira": ROOT / "connector" / "samples" / "jira-cloud-sample.jsonl",
}
SAMPLE_TICKET = {"zendesk": "100001", "jira": "CS-1"}
AS_OF = "2026-11-22T09:00:00+00:00"
EXITS = {0, 1, 2, 3, 4, 5, 6}  # connector/cli/exit_codes.py
CASES = sorted(p.name.removesuffix(".expect.json") for p in HOSTILE.glob("*.expect.json"))
PDF_CASES = {"jira-null-items"}  # PDF is slow: one case proves the path
runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def expect_of(case: str) -> dict[str, Any]:
    expect = json.loads((HOSTILE / f"{case}.expect.json").read_text(encoding="utf-8"))
    assert expect["exit"] in EXITS
    assert isinstance(expect["bad_ids"], list)
    return expect


def platform_of(case: str) -> str:
    platform = case.split("-", 1)[0]
    assert platform in SAMPLES, f"{case}: name must start with zendesk- or jira-"
    return platform


def no_traceback(result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def input_args(case: str) -> list[str]:
    platform = platform_of(case)
    return ["--platform", platform, "--input", str(SAMPLES[platform]),
            "--input", str(HOSTILE / f"{case}.jsonl"), "--as-of", AS_OF]


@cache
def sample_alone(platform: str) -> tuple[tuple[str, str, str], ...]:
    result = run("check", "--platform", platform, "--input", str(SAMPLES[platform]), "--as-of", AS_OF,
                 "--format", "json")
    assert result.exit_code == 0, result.output
    return _findings(result.stdout, set())


def _findings(stdout: str, exclude: set[str]) -> tuple[tuple[str, str, str], ...]:
    rows = json.loads(stdout)["findings"]
    return tuple(sorted((f["ticket"], f["check"], json.dumps(f, sort_keys=True)) for f in rows
                        if f["ticket"] not in exclude))


def reported_bad_ids(stderr: str) -> set[str]:
    ids = set()
    for line in flat(stderr).split("not mapped: ticket ")[1:]:
        ticket = line.split(": field ")[0]
        ids.add(ticket.removeprefix(f"{HOSTILE}/"))
    return ids


def matches_bad_id(reported: str, expected: str) -> bool:
    # Items without an id are named by position after their file: "<file>[:line] issues[0]".
    return reported == expected or reported.endswith(f" {expected}")


def test_corpus_is_complete() -> None:
    names = {p.name for p in HOSTILE.iterdir()} - {"README.md"}
    for name in names:
        stem = name.removesuffix(".expect.json").removesuffix(".jsonl")
        assert (HOSTILE / f"{stem}.jsonl").exists() and (HOSTILE / f"{stem}.expect.json").exists(), name
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_check(case: str) -> None:
    expect, platform = expect_of(case), platform_of(case)
    outputs = {}
    for fmt in ("json", "csv", "table"):
        result = run("check", *input_args(case), "--format", fmt)
        no_traceback(result)
        assert result.exit_code == expect["exit"], (fmt, result.output)
        if expect["message"]:
            assert flat(expect["message"]) in flat(result.stderr), (fmt, result.stderr)
        outputs[fmt] = result
    result = outputs["json"]
    reported = reported_bad_ids(result.stderr)
    assert len(reported) == len(expect["bad_ids"]), reported
    for bad in expect["bad_ids"]:
        assert any(matches_bad_id(r, bad) for r in reported), (bad, reported)
    if expect["exit"] in (0, 1, 4):
        sample_ids = {t for t, _c, _f in sample_alone(platform)}
        mixed = _findings(result.stdout, set())
        assert tuple(f for f in mixed if f[0] in sample_ids) == sample_alone(platform)
        assert not {t for t, _c, _f in mixed} & reported  # a bad ticket never gets findings


@pytest.mark.parametrize("case", CASES)
def test_explain(case: str) -> None:
    expect, platform = expect_of(case), platform_of(case)
    result = run("explain", SAMPLE_TICKET[platform], *input_args(case))
    no_traceback(result)
    assert result.exit_code == (3 if expect["exit"] == 3 else 0), result.output
    for bad in expect["bad_ids"]:
        if " " in bad or "[" in bad:
            continue  # positional labels are not ticket ids
        result = run("explain", bad, *input_args(case))
        no_traceback(result)
        # explain shows why the ticket could not be mapped, with the partial-mapping exit code;
        # an id outside the platform's grammar is refused before any lookup
        if "not a valid" in flat(result.output):
            assert result.exit_code == 3, result.output
            continue
        assert f"ticket {bad}" in flat(result.output)
        if "could not be mapped" in flat(result.output):
            assert result.exit_code == 4, result.output
        else:
            assert "is not in the input" in flat(result.output)
            assert result.exit_code == 3, result.output


@pytest.mark.parametrize("case", CASES)
def test_reports(case: str, tmp_path: Path) -> None:
    expect = expect_of(case)
    formats = ["html", "csv", "xlsx", "json"] + (["pdf"] if case in PDF_CASES else [])
    for fmt in formats:
        out = tmp_path / fmt
        result = run("report", "register", "kpi", "audit", "review", *input_args(case), "--format", fmt,
                     "--out", str(out))
        no_traceback(result)
        assert result.exit_code == expect["exit"], (fmt, result.output)
        if expect["exit"] in (0, 1, 4):
            assert len(list(out.iterdir())) == 4, fmt
        for bad in expect["bad_ids"]:
            assert any(matches_bad_id(r, bad) for r in reported_bad_ids(result.stderr)), (fmt, bad)


def _lines(case: str) -> list[Any]:
    docs: list[Any] = []
    text = (HOSTILE / f"{case}.jsonl").read_text(encoding="utf-8")
    for line in text.splitlines():
        try:
            docs.append(json.loads(line))
        except RecursionError:
            return []  # the file-level error is what the CLI reports (exit 3)
    return docs


@pytest.mark.parametrize("case", CASES)
def test_store_mapping(case: str) -> None:
    """What sync stores: each ticket of the case mapped alone by ``map_bundle`` (no raise)."""
    expect, platform = expect_of(case), platform_of(case)
    if expect["exit"] == 3:
        return
    spec = load_mapping(default_mapping_path(platform)).spec
    from datetime import datetime

    as_of = datetime.fromisoformat(AS_OF)
    docs = _lines(case)
    history = [d for d in docs if isinstance(d, dict) and not ({"issues", "tickets"} & d.keys())]
    errors = set()
    for doc in docs:
        items = doc.get("issues") or doc.get("tickets") or [] if isinstance(doc, dict) else []
        side = {k: v for k, v in doc.items() if k not in ("issues", "tickets")}
        for item in items:
            primary = {"issues": [item]} if platform == "jira" else {**side, "tickets": [item]}
            mapped = map_bundle(spec, [primary, *history], as_of)
            assert mapped is not None
            if mapped.error is not None:
                errors.add(mapped.error.ticket)
    for bad in expect["bad_ids"]:
        assert any(matches_bad_id(r, bad) or bad.endswith(r.split(" ")[-1]) for r in errors), (bad, errors)


@pytest.mark.parametrize("case", CASES)
def test_writeback_note(case: str) -> None:
    expect = expect_of(case)
    if expect["exit"] not in (0, 1, 4):
        return
    result = run("check", *input_args(case), "--format", "json")
    findings = [FINDING_JSON.validate_python(f) for f in json.loads(result.stdout)["findings"]]
    assert findings
    note = note_text(findings[:20], resolved=False, marker="[iso10002]")
    assert note and "Traceback" not in note


def test_no_traceback_reaches_stderr_in_a_real_process() -> None:
    case = "jira-adf-900-levels"
    expect = expect_of(case)
    proc = subprocess.run(
        [sys.executable, "-c", "from connector.cli import main; main()", "check", *input_args(case)],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )
    assert proc.returncode == expect["exit"]
    assert "Traceback" not in proc.stderr
    assert expect["message"] in flat(proc.stderr)
