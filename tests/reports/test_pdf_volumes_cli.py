"""``iso10002 report ... --format pdf`` of a table longer than a volume: every volume written whole
and named on the command line, or none of them (with every other file of the command).

The export is the generator's Zendesk Incremental Ticket Export pages (the recorded shape,
``/work/shared/fixtures``, ``devtools/generator``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli import app
from devtools.generator.cli import main as generate

pytest.importorskip("weasyprint", reason="WeasyPrint (and Pango) not installed")
PERIOD = ["--from", "2026-11-01", "--to", "2026-11-30", "--as-of", "2026-12-01T00:00:00+00:00"]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "zendesk.jsonl"
    generate(["--platform", "zendesk", "--complaints", "130", "--end", "2026-11-30T12:00:00+00:00",
              "--days", "28", "--out", str(out)])
    return out


def _report(export: Path, out: Path, *kinds: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["report", *kinds, "--platform", "zendesk", "-i", str(export), *PERIOD,
                                      "--format", "pdf", "--out", str(out), "--pdf-volume-rows", "100"],
                                env={"COLUMNS": "250"})
    return result.exit_code, result.output


def test_a_long_register_is_written_as_volumes_and_every_file_is_named(export: Path, tmp_path: Path) -> None:
    code, output = _report(export, tmp_path / "register.pdf", "register")
    assert code == 0, output
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["register.pdf", "register.vol2-of-2.pdf"]  # nothing hidden left beside them
    for name in files:
        assert f"wrote {tmp_path / name}" in " ".join(output.split())
        assert (tmp_path / name).read_bytes().startswith(b"%PDF-")


def test_a_report_failing_after_the_volumes_leaves_no_file_of_the_command(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from report_templates.writers import pdf

    real = pdf._write
    targets: list[str] = []

    def audit_fails(page: str, target: Path, fonts: object) -> None:
        targets.append(target.name)
        if "audit" in target.name:
            raise OSError("disk full")
        real(page, target, fonts)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf, "_write", audit_fails)
    args = ["report", "register", "audit", "--platform", "zendesk", "-i", str(export), *PERIOD,
            "--format", "pdf", "--out", str(tmp_path), "--pdf-volume-rows", "100"]
    with pytest.raises(OSError, match="disk full"):
        CliRunner().invoke(app, args, catch_exceptions=False)
    assert ["audit" in name for name in targets] == [False, False, True]  # the register first
    assert list(tmp_path.iterdir()) == []  # the register's two volumes were written, then removed


def test_a_scheduled_period_lists_every_volume_in_its_manifest(tmp_path: Path) -> None:
    """The scheduled reports' folder (``connector.reports.delivery``): the manifest names every
    volume written, so the email attaches (or lists) them all."""
    from dataclasses import replace

    from connector.reports.delivery import read_manifest, write_period
    from report_templates.input import ReportOptions
    from report_templates.kinds import Fmt
    from report_templates.render import Job, render_reports
    from tests.reports.builders import RENDER
    from tests.reports.test_pdf_print import _many_rows

    data = replace(_many_rows(60), options=ReportOptions(pdf_volume_rows=25))
    folder = write_period(tmp_path, "2026-10", {"period": "2026-10"}, lambda tmp: render_reports(
        [Job("register", Fmt.pdf, tmp / "register-2026-10.pdf")], data, render=RENDER))
    names = ["register-2026-10.pdf", "register-2026-10.vol2-of-3.pdf", "register-2026-10.vol3-of-3.pdf"]
    assert sorted(read_manifest(folder)["files"]) == names  # type: ignore[index]
    assert sorted(p.name for p in folder.iterdir()) == sorted([*names, "delivered.json"])


def test_volumes_an_earlier_run_left_are_removed_so_none_names_the_new_volume_one(
    export: Path, tmp_path: Path
) -> None:
    """An earlier run of 5 volumes left ``vol3-of-5`` .. ``vol5-of-5`` naming ``register.pdf``
    as their volume 1; the new 2-volume run replaces it, so those files must go."""
    out = tmp_path / "register.pdf"
    earlier = [tmp_path / f"register.vol{k}-of-5.pdf" for k in range(2, 6)]
    for path in earlier:
        path.write_bytes(b"%PDF-1.7 earlier run")
    unrelated = tmp_path / "register-2026-10.vol2-of-3.pdf"  # another report's volume
    unrelated.write_bytes(b"%PDF-1.7 other")
    code, output = _report(export, out, "register")
    assert code == 0, output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "register-2026-10.vol2-of-3.pdf", "register.pdf", "register.vol2-of-2.pdf"]
    assert "a volume of an earlier run" in " ".join(output.split())
