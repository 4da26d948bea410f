"""Reports from the history store: a store seeded by a sandbox sync, evaluated at two times.

``iso10002 report audit --config`` as of each time shows the findings recorded by the runs at
or before it; the same store, as-of and options give the same content hash. Also: a regulator
return from the store, and the service's scheduled reports.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from compliance_checks.findings import FINDING_JSON
from compliance_checks.model import ComplaintRecord
from connector.bundles import map_bundle
from connector.cli import app
from connector.config import AppConfig, load_config
from connector.evaluation import Evaluator
from connector.pipeline import Pipeline, load_evaluator
from connector.reports.store import read_store
from connector.service.runner import ServiceRunner
from connector.store import Store
from connector.store.models import RunRow, TicketRow
from connector.store.runs import run_findings
from connector.store.tickets import bundle_documents, latest_snapshot, record_document
from tests.zendesk import scenarios as sc

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Seeded:
    config: Path
    early: datetime
    late: datetime
    early_run: int
    late_run: int


def _config(tmp: Path, base_url: str, **extra: object) -> dict[str, object]:
    return {
        "sources": [
            {
                "platform": "zendesk",
                "name": "sandbox",
                "base_url": base_url,
                "mapping": str(ROOT / "mappings" / "zendesk.yaml"),
                "auth": {
                    "type": "oauth_client_credentials",
                    "client_id_env": "ZD_ID",
                    "client_secret_env": "ZD_SECRET",
                },
            }
        ],
        "store": {"url": f"sqlite:///{tmp / 'store.db'}"},
        "sync": {"initial_since": "2025-01-01T00:00:00Z"},
        **extra,
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    tmp = tmp_path_factory.mktemp("store")
    server = sc.start_sandbox(tickets=24, seed=5, days=180)  # most received before ``early``
    try:
        doc = _config(
            tmp, server.base_url, reports={"output_dir": str(tmp / "scheduled"), "schedule": "daily 06:00"}
        )
        config = AppConfig.model_validate(doc)
        store = Store(config.store.url)
        source = sc.sandbox_source(server)
        client = sc.sandbox_client(server, source)
        pipe = Pipeline(
            config.model_copy(update={"sources": [source]}),
            store,
            load_evaluator(config),
            clock=lambda: sc.virtual_now(server),
            client_factory=lambda _s: client,
        )
        pipe.sync()
        late = sc.virtual_now(server)
        early = late - timedelta(days=20)
        early_run = pipe.check(as_of=early).run_id
        late_run = pipe.check(as_of=late).run_id
        path = tmp / "iso10002.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        # The service's scheduled job renders its reports from this store.
        service = ServiceRunner(pipe)
        assert [str(job.at_time) for job in service.scheduler.jobs if job.unit == "days"] == [
            "02:30:00",
            "06:00:00",
        ]
        service.reports_step()
        store.close()
    finally:
        server.stop()
    return Seeded(path, early, late, early_run, late_run)


def _audit(seeded: Seeded, tmp: Path, as_of: datetime, name: str) -> dict[str, object]:
    out = tmp / f"{name}.json"
    args = ["report", "audit", "--config", str(seeded.config), "--as-of", as_of.isoformat()]
    result = runner.invoke(
        app,
        [
            *args,
            "--from",
            "2025-01-01",
            "--to",
            seeded.late.date().isoformat(),
            "--format",
            "json",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    doc: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return doc


def _recorded(seeded: Seeded, run_id: int) -> Counter[str]:
    store = Store(f"sqlite:///{seeded.config.parent / 'store.db'}")
    with store.session() as session:
        counts = Counter(str(f.payload["status"]) for f in run_findings(session, run_id))
    store.close()
    return counts


def test_audit_from_the_store_shows_the_findings_recorded_then(seeded: Seeded, tmp_path: Path) -> None:
    early = _audit(seeded, tmp_path, seeded.early, "early")
    late = _audit(seeded, tmp_path, seeded.late, "late")
    for doc, run in ((early, seeded.early_run), (late, seeded.late_run)):
        totals = {k: v for k, v in doc["status_totals"].items() if v}  # type: ignore[attr-defined]
        assert totals == dict(_recorded(seeded, run)), run
        assert any(f"run #{run} (check)" in note for note in doc["notes"])  # type: ignore[attr-defined]
    assert early["status_totals"] != late["status_totals"]
    assert early["header"]["source"] == "history store: sandbox (zendesk)"  # type: ignore[index]
    files = {f["role"]: f["sha256"] for f in early["files"]}  # type: ignore[attr-defined]
    assert len(files["policy"]) == 64 and len(files["waivers"]) == 64
    # between the two runs: the early run's findings still stand (the late run is later)
    middle = _audit(seeded, tmp_path, seeded.early + timedelta(days=1), "middle")
    assert middle["exceptions"] == early["exceptions"]
    # same store, as-of and options: the same content hash; another as-of: another hash
    again = _audit(seeded, tmp_path, seeded.early, "again")
    assert again["content_hash"] == early["content_hash"]
    assert late["content_hash"] != early["content_hash"]


def test_before_any_evaluation_the_report_says_so(seeded: Seeded, tmp_path: Path) -> None:
    before = seeded.early - timedelta(days=400)
    result = runner.invoke(
        app,
        [
            "report",
            "kpi",
            "--config",
            str(seeded.config),
            "--as-of",
            before.isoformat(),
            "--out",
            str(tmp_path / "k.html"),
        ],
    )
    assert result.exit_code == 3
    assert "no evaluation run at or before" in " ".join(result.output.split())


@pytest.mark.parametrize(("kind", "fmt"), [("fca-return", "csv"), ("cfpb", "json"), ("register", "xlsx")])
def test_returns_and_formats_from_the_store(seeded: Seeded, tmp_path: Path, kind: str, fmt: str) -> None:
    out = tmp_path / f"{kind}.{fmt}"
    result = runner.invoke(
        app,
        [
            "report",
            kind,
            "--config",
            str(seeded.config),
            "--as-of",
            seeded.late.isoformat(),
            "--from",
            "2025-01-01",
            "--to",
            seeded.late.date().isoformat(),
            "--format",
            fmt,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    if kind == "fca-return":
        text = out.read_text(encoding="utf-8")
        assert text.startswith("# FCA complaints return") and "WORKING PAPER, not a submission" in text
        assert ",Unmapped," not in text and "UNMAPPED" not in result.output
        assert "# Data: history store: sandbox (zendesk)" in text
    elif kind == "cfpb":
        assert json.loads(out.read_text(encoding="utf-8"))["columns"][-1] == "Complaint ID"


def test_the_service_wrote_its_scheduled_reports(seeded: Seeded) -> None:
    # The default period is the last complete calendar month in the policy's time zone.
    tz = load_evaluator(load_config(seeded.config)).policy.spec.calendar.timezone
    last = seeded.late.astimezone(ZoneInfo(tz)).date().replace(day=1) - timedelta(days=1)
    label = f"{last:%Y-%m}"
    folder = seeded.config.parent / "scheduled" / label
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [
            f"audit-{label}.html",
            f"audit-{label}.json",
            f"kpi-{label}.html",
            f"register-{label}.xlsx",
            f"review-{label}.html",
            "delivered.json",
        ]
    )
    audit = json.loads((folder / f"audit-{label}.json").read_text(encoding="utf-8"))
    assert audit["header"]["source"] == "history store: sandbox (zendesk)"


def _reference_items(store: Store, evaluator: Evaluator, as_of: datetime) -> list[tuple[str, str]]:
    """The store's complaints at ``as_of`` the slow, obvious way (one query per ticket and per
    run): each record as it stood then, with the findings of the latest run that evaluated it,
    as (record JSON, findings JSON) in (source, ticket id) order."""
    with store.session() as session:
        runs = session.scalars(select(RunRow).where(RunRow.as_of <= as_of).order_by(RunRow.as_of, RunRow.id))
        recorded: dict[tuple[str, str], list[dict[str, object]]] = {}
        for run in runs:
            by_ticket: dict[tuple[str, str], list[dict[str, object]]] = {}
            for stored in run_findings(session, run.id):
                by_ticket.setdefault((stored.source, stored.ticket), []).append(stored.payload)
            recorded.update(by_ticket)  # a later run replaces what it re-evaluated
        out = []
        for row in session.scalars(select(TicketRow).order_by(TicketRow.source, TicketRow.id)):
            mapping = evaluator.mappings[row.source]
            if not row.is_complaint or (row.deleted and row.deleted_at and row.deleted_at <= as_of):
                continue
            if (
                row.updated_at
                and row.updated_at <= as_of
                and row.record
                and row.mapping_hash == mapping.sha256
            ):
                record = ComplaintRecord.model_validate(record_document(row))
            else:
                snapshot = latest_snapshot(session, row.id, as_of)
                mapped = map_bundle(mapping.spec, bundle_documents(snapshot), as_of) if snapshot else None
                if mapped is None or mapped.record is None:
                    continue
                record = mapped.record
            payloads = sorted(recorded.get((row.source, row.ticket), []), key=lambda p: str(p["check"]))
            findings = [FINDING_JSON.validate_python(p) for p in payloads]
            out.append((record.model_dump_json(), json.dumps([f.to_json_dict() for f in findings])))
    return out


def _read(store: Store, evaluator: Evaluator, as_of: datetime) -> list[tuple[str, str]]:
    read = read_store(store, evaluator, as_of)
    items = list(read.source.lookup([i.record.id for i in read.source.items()]))
    return [(r.model_dump_json(), json.dumps([f.to_json_dict() for f in fs])) for r, fs in items]


def test_records_stored_whole_before_migration_0005_read_the_same(seeded: Seeded, tmp_path: Path) -> None:
    """A record stored whole (the form before migration 0005, which splits such rows; still
    readable) reads exactly as a split one (and a pass sees the same slim records)."""
    config = load_config(seeded.config)
    evaluator = load_evaluator(config)
    copy = tmp_path / "whole.db"
    copy.write_bytes((seeded.config.parent / "store.db").read_bytes())
    split, whole = Store(config.store.url), Store(f"sqlite:///{copy}")
    try:
        with whole.session() as session:
            rows = session.scalars(select(TicketRow).where(TicketRow.timeline.is_not(None))).all()
            assert len(rows) > 10
            for row in rows:
                doc = json.loads(row.record or "{}")
                assert "timeline" not in doc
                events = json.loads(row.timeline or "[]")
                row.record, row.timeline = json.dumps({**doc, "timeline": events}), None
        for as_of in (seeded.early, seeded.late):
            assert _read(whole, evaluator, as_of) == _read(split, evaluator, as_of)
            passes = [
                [(r.model_dump_json(), len(fs)) for r, fs in read_store(s, evaluator, as_of).source.items()]
                for s in (whole, split)
            ]
            assert passes[0] == passes[1]
            assert all('"timeline":[]' in record for record, _ in passes[0])  # a pass skips timelines
    finally:
        split.close()
        whole.close()


def test_store_read_gives_each_complaint_as_it_stood_with_its_recorded_findings(seeded: Seeded) -> None:
    config = load_config(seeded.config)
    evaluator = load_evaluator(config)
    store = Store(config.store.url)
    try:
        for as_of in (seeded.early, seeded.early + timedelta(days=1), seeded.late):
            read = read_store(store, evaluator, as_of)
            items = list(read.source.lookup([i.record.id for i in read.source.items()]))
            actual = [(r.model_dump_json(), json.dumps([f.to_json_dict() for f in fs])) for r, fs in items]
            expected = _reference_items(store, evaluator, as_of)
            assert actual == expected, as_of
            assert len(actual) > 10 and any(json.loads(f) for _, f in actual)
    finally:
        store.close()


def test_audit_data_notes_show_times_in_the_policy_zone(seeded: Seeded, tmp_path: Path) -> None:
    """The data notes say when the run was evaluated as the rest of the report does: in the
    policy's zone (Europe/London), labelled, not a raw ISO 8601 string with microseconds."""
    import re

    notes = _audit(seeded, tmp_path, seeded.late, "zone")["notes"]
    run_note = next(n for n in notes if "evaluated as of" in n)  # type: ignore[attr-defined]
    assert re.search(r"evaluated as of \d{4}-\d\d-\d\d \d\d:\d\d (GMT|BST)$", run_note), run_note
    assert not any("+00:00" in n for n in notes)  # type: ignore[attr-defined]


def test_verify_report_rebuilds_an_audit_from_the_unchanged_store(seeded: Seeded, tmp_path: Path) -> None:
    """``iso10002 verify-report`` on a store report: MATCH while the store is unchanged (later
    runs do not change a report as of an earlier time); an edited report file: MISMATCH naming
    the row."""
    doc = _audit(seeded, tmp_path, seeded.early, "early")
    report = tmp_path / "early.json"
    verified = runner.invoke(app, ["verify-report", str(report), "--config", str(seeded.config)])
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("MATCH") and str(doc["content_hash"]) in verified.output.replace(
        "\n", ""
    )
    rows = doc["exceptions"]
    assert isinstance(rows, list) and rows
    rows[0]["message"] = "edited after the report was written"
    report.write_text(json.dumps(doc), encoding="utf-8")
    edited = runner.invoke(app, ["verify-report", str(report), "--config", str(seeded.config)])
    assert edited.exit_code == 6, edited.output
    said = " ".join(edited.output.split())
    assert f"exceptions: row {rows[0]['ticket']} / {rows[0]['check']} differs in message" in said


def test_reports_redact_in_the_config_redacts_every_report_from_the_store(
    seeded: Seeded, tmp_path: Path
) -> None:
    doc = yaml.safe_load(seeded.config.read_text(encoding="utf-8"))
    doc["reports"]["redact"] = True
    config = tmp_path / "redacting.yaml"
    config.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = tmp_path / "register.json"
    args = ["report", "register", "--config", str(config), "--as-of", seeded.late.isoformat()]
    result = runner.invoke(app, [*args, "--from", "2025-01-01", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    register = json.loads(out.read_text(encoding="utf-8"))
    assert register["header"]["redacted"] is True
    rows = register["rows"]
    assert rows and all(r["complainant_contact"] is None for r in rows)
    assert all(str(r["complainant"]).startswith("Complainant-") for r in rows if r["complainant"])
