"""Records and findings our own code builds are the same as validated ones: a round trip
through JSON gives the same bytes (field order included)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from compliance_checks import BASELINE_POLICY, load_policy
from compliance_checks.findings import FINDING_JSON
from compliance_checks.model import ComplaintRecord
from connector.bundles import record_digest_of, record_texts
from connector.files import evaluate_files
from connector.store.tickets import record_digest
from mappings.loader import default_mapping_path, load_mapping
from tests.checks.conftest import make_record

SAMPLES = Path(__file__).resolve().parents[1] / "connector" / "samples"
AS_OF = datetime(2026, 11, 22, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("platform", "sample"), [("jira", "jira-cloud-sample.jsonl"), ("zendesk", "zendesk-sample.jsonl")]
)
def test_mapped_records_and_findings_equal_their_validated_copies(platform: str, sample: str) -> None:
    mapping = load_mapping(default_mapping_path(platform))
    results = list(evaluate_files([SAMPLES / sample], mapping, load_policy(BASELINE_POLICY), as_of=AS_OF))
    records = [r.record for r in results if r.record is not None]
    findings = [f for r in results for f in r.findings]
    assert records and findings
    for record in records:
        text = record.model_dump_json()
        again = ComplaintRecord.model_validate_json(text)
        assert again.model_dump_json() == text
        assert again == record
    for finding in findings:
        text = FINDING_JSON.dump_json(finding)
        again = FINDING_JSON.validate_json(text)
        assert FINDING_JSON.dump_json(again) == text
        assert again == finding


def test_the_manifest_digest_needs_no_json_round_trip() -> None:
    """``record_digest_of`` (evaluation's manifest) equals ``record_digest`` over the texts sync
    stores, which verification recomputes: for mapped samples and a record using every JSON
    oddity the record has (Decimal, integer dict keys, nested attributes, non-ASCII)."""
    records = []
    for platform, sample in (("jira", "jira-cloud-sample.jsonl"), ("zendesk", "zendesk-sample.jsonl")):
        mapping = load_mapping(default_mapping_path(platform))
        results = evaluate_files([SAMPLES / sample], mapping, load_policy(BASELINE_POLICY), as_of=AS_OF)
        records += [r.record for r in results if r.record is not None]
    records.append(
        make_record(
            redress_amount=Decimal("12.50"),
            handlers_by_stage={2: ("Zoë", "李"), 1: ("Ann",)},
            attributes={"nested": {"b": [1, 2.5, None], "a": "ü"}, "flag": True},
            summary="Quote \" and \u2028 line separator",
        )
    )
    assert len(records) > 2
    for record in records:
        assert record_digest_of(record) == record_digest(*record_texts(record))
