"""``iso10002 report`` end to end on a generated export (offline adapter, every format)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli import app

AS_OF = "2026-11-22T09:00:00+00:00"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "zendesk.jsonl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "devtools.generator",
            "--platform",
            "zendesk",
            "--complaints",
            "40",
            "--seed",
            "5",
            "--end",
            "2026-11-20T17:00:00+00:00",
            "--days",
            "90",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


def run(export: Path, out: Path, *extra: str) -> None:
    args = ["report", *extra, "--platform", "zendesk", "--input", str(export), "--as-of", AS_OF]
    result = CliRunner().invoke(app, [*args, "--from", "2026-09-01", "--to", "2026-10-31", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_audit_hash_is_reproducible_and_input_sensitive(export: Path, tmp_path: Path) -> None:
    run(export, tmp_path / "a.json", "audit", "--format", "json")
    run(export, tmp_path / "b.json", "audit", "--format", "json")
    first = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert first["content_hash"] == second["content_hash"]
    assert first["files"][-1]["role"] == "input"
    changed = tmp_path / "zendesk.jsonl"
    changed.write_bytes(export.read_bytes() + b"\n")
    run(changed, tmp_path / "c.json", "audit", "--format", "json")
    third = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert third["content_hash"] != first["content_hash"]


@pytest.mark.parametrize(("kind", "fmt"), [("register", "xlsx"), ("kpi", "html"), ("review", "csv")])
def test_formats(export: Path, tmp_path: Path, kind: str, fmt: str) -> None:
    run(export, tmp_path / f"{kind}.{fmt}", kind, "--format", fmt)


def test_bad_period_is_a_usage_error(export: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "report",
            "kpi",
            "--platform",
            "zendesk",
            "--input",
            str(export),
            "--from",
            "2026-10-31",
            "--to",
            "2026-10-01",
            "--as-of",
            AS_OF,
            "--out",
            str(tmp_path / "x.html"),
        ],
    )
    assert result.exit_code == 2


@pytest.mark.parametrize(("kind", "fmt"), [("fca-return", "csv"), ("asic-idr", "json"), ("cfpb", "csv")])
def test_regulator_returns_from_an_export(export: Path, tmp_path: Path, kind: str, fmt: str) -> None:
    out = tmp_path / f"{kind}.{fmt}"
    run(export, out, kind, "--format", fmt)
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":
        notes = [line for line in text.splitlines() if line.startswith("# ")]
        assert any("not available" in n or "not a portal upload format" in n for n in notes)
        assert any(n.startswith("# Data: offline export (zendesk)") for n in notes)
    else:
        doc = json.loads(text)
        assert doc["title"] == "ASIC IDR data report"
        assert any("official field names" in n for n in doc["notes"])


def test_a_return_has_no_html(export: Path, tmp_path: Path) -> None:
    args = ["report", "fca-return", "--platform", "zendesk", "--input", str(export), "--as-of", AS_OF]
    result = CliRunner().invoke(app, [*args, "--format", "html", "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert not (tmp_path / "x.html").exists()


def test_several_kinds_share_one_pass_and_match_single_runs(export: Path, tmp_path: Path) -> None:
    """``report register audit fca-return --out DIR``: each file as its own command writes it
    (register CSV and return CSV byte for byte, the audit by content hash), named by kind."""
    both = tmp_path / "both"
    run(export, both, "register", "audit", "fca-return", "register")
    names = sorted(p.name for p in both.iterdir())
    assert names == ["audit-2026-10-31.html", "fca-return-2026-10-31.csv", "register-2026-10-31.html"]
    run(export, tmp_path / "shared", "register", "audit", "--format", "json")
    run(export, tmp_path / "register.json", "register", "--format", "json")
    run(export, tmp_path / "audit.json", "audit", "--format", "json")
    run(export, tmp_path / "fca.csv", "fca-return")
    shared = tmp_path / "shared"
    shared_register = json.loads((shared / "register-2026-10-31.json").read_text(encoding="utf-8"))
    single_register = json.loads((tmp_path / "register.json").read_text(encoding="utf-8"))
    assert shared_register["rows"] == single_register["rows"]
    assert len(shared_register["rows"]) > 0
    shared_audit = json.loads((shared / "audit-2026-10-31.json").read_text(encoding="utf-8"))
    single_audit = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    assert shared_audit["content_hash"] == single_audit["content_hash"]
    assert (both / "fca-return-2026-10-31.csv").read_bytes() == (tmp_path / "fca.csv").read_bytes()


def test_several_kinds_need_a_directory(export: Path, tmp_path: Path) -> None:
    taken = tmp_path / "report.html"
    taken.write_text("keep me", encoding="utf-8")
    args = ["report", "register", "kpi", "--platform", "zendesk", "--input", str(export), "--as-of", AS_OF]
    result = CliRunner().invoke(app, [*args, "--out", str(taken)])
    assert result.exit_code == 2
    assert taken.read_text(encoding="utf-8") == "keep me"


def test_a_format_is_checked_for_every_kind(export: Path, tmp_path: Path) -> None:
    args = ["report", "register", "cfpb", "--platform", "zendesk", "--input", str(export), "--as-of", AS_OF]
    result = CliRunner().invoke(app, [*args, "--format", "html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_an_unknown_kind_is_a_usage_error_naming_the_kinds(export: Path, tmp_path: Path) -> None:
    args = ["report", "ledger", "--platform", "zendesk", "--input", str(export), "--as-of", AS_OF]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert "'ledger'" in result.output and "fca-return" in result.output
    assert not (tmp_path / "x.html").exists()


def test_a_kind_declared_in_one_module_is_on_the_command_line(
    export: Path, tmp_path: Path, extra_kinds: None
) -> None:
    out = tmp_path / "tally.csv"
    run(export, out, "channel-tally")
    assert out.read_text(encoding="utf-8").startswith("# Complaints by channel\n")
