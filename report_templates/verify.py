"""Checking an audit report against its data (``iso10002 verify-report``).

A report file names what it was built from: the as-of time, the period, the sample seed and
size and whether it was redacted (the JSON view-model's own fields; an HTML page's
``iso10002-verify`` data element). ``read_claim`` reads those; the caller rebuilds the audit view from
the same data with the same options, and ``compare`` says what differs: the content hash, the
sections and rows (JSON), or the lines of the page's body (HTML, re-rendered the same way).
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from report_templates.env import RenderContext
from report_templates.html import render_html
from report_templates.views.audit import AuditView, content_digest

#: Rows of these sections are named by these keys when they differ.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "exceptions": ("ticket", "check"),
    "sample": ("ticket",),
    "coverage": ("clause",),
    "waivers": ("ticket", "check"),
    "files": ("role", "name"),
}
_BLOCK = re.compile(r'<data id="iso10002-verify" value="([^"]*)"></data>')
_MAIN = re.compile(r"<main>(.*?)</main>", re.DOTALL)
#: Differences listed before "... and N more".
SHOWN = 20


class NotAnAuditReport(ValueError):
    """The file is not an audit report this version can verify (unreadable, other kind, edited
    beyond recognition)."""


@dataclass(frozen=True)
class Claim:
    """What a report file says about itself."""

    format: str
    content_hash: str
    as_of: datetime
    period_start: date
    period_end: date
    sample_seed: int
    sample_size: int
    redacted: bool
    source: str
    locale: str = "en_GB"
    #: The JSON report's own fields (None for HTML).
    document: dict[str, object] | None = None
    #: The HTML page's body (None for JSON).
    body: str | None = None


@dataclass
class Verdict:
    expected_hash: str
    claimed_hash: str
    #: The file's own fields do not give its stated hash (the file was edited after writing).
    self_consistent: bool = True
    differences: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return self.self_consistent and self.expected_hash == self.claimed_hash and not self.differences


def _claim(fields: Mapping[str, object], fmt: str, **extra: object) -> Claim:
    try:
        return Claim(
            format=fmt,
            content_hash=str(fields["content_hash"]),
            as_of=datetime.fromisoformat(str(fields["as_of"])),
            period_start=date.fromisoformat(str(fields["period_start"])),
            period_end=date.fromisoformat(str(fields["period_end"])),
            sample_seed=int(str(fields["sample_seed"])),
            sample_size=int(str(fields["sample_size"])),
            redacted=bool(fields.get("redacted", False)),
            source=str(fields.get("source", "")),
            locale=str(fields.get("locale", "en_GB")),
            **extra,  # type: ignore[arg-type]
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise NotAnAuditReport(f"not an audit report: {exc}") from None


def _from_json(text: str) -> Claim:
    try:
        doc = json.loads(text)
        head = doc["header"]
        if head.get("kind") != "audit":
            raise NotAnAuditReport(f"a {head.get('kind')!r} report, not an audit report")
        fields = {
            "content_hash": doc["content_hash"],
            "as_of": head["as_of"],
            "period_start": head["period_start"],
            "period_end": head["period_end"],
            "sample_seed": doc["sample_seed"],
            # the draw keeps the ``size`` smallest keys: a sample of n is redrawn with size n
            "sample_size": len(doc["sample"]),
            "redacted": head.get("redacted", False),
            "source": head.get("source", ""),
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NotAnAuditReport(f"not an audit report (JSON): {exc}") from None
    return _claim(fields, "json", document=doc)


def _from_html(text: str) -> Claim:
    block, main = _BLOCK.search(text), _MAIN.search(text)
    if block is None or main is None:
        raise NotAnAuditReport("no verification block: not an audit report written by this version")
    try:
        fields = json.loads(html.unescape(block.group(1)))
    except ValueError as exc:
        raise NotAnAuditReport(f"unreadable verification block: {exc}") from None
    if not isinstance(fields, dict):
        raise NotAnAuditReport("unreadable verification block")
    return _claim(fields, "html", body=main.group(1))


def read_claim(path: Path) -> Claim:
    """What ``path`` (an audit report as JSON or HTML) says it was built from."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotAnAuditReport(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() == ".json":
        return _from_json(text)
    if path.suffix.lower() in (".html", ".htm"):
        return _from_html(text)
    raise NotAnAuditReport(
        f"{path.name}: verify the JSON or HTML audit report (the PDF prints the same hash)"
    )


def _row_name(row: object, keys: tuple[str, ...]) -> str:
    if isinstance(row, Mapping):
        return " / ".join(str(row.get(k)) for k in keys)
    return repr(row)[:80]


def _rows_diff(section: str, theirs: object, ours: object) -> Iterable[str]:
    keys = ROW_KEYS.get(section)
    if keys is None or not isinstance(theirs, list) or not isinstance(ours, list):
        yield f"{section}: differs"
        return
    mine = {_row_name(r, keys): r for r in ours}
    found = {_row_name(r, keys): r for r in theirs}
    for name in sorted(mine.keys() | found.keys()):
        if name not in found:
            yield f"{section}: row {name} is missing from the report"
        elif name not in mine:
            yield f"{section}: row {name} is in the report but not in the data"
        elif mine[name] != found[name]:
            changed = sorted(k for k in mine[name] if mine[name].get(k) != found[name].get(k))
            yield f"{section}: row {name} differs in {', '.join(changed)}"


def _json_differences(document: dict[str, object], expected: dict[str, object]) -> list[str]:
    out: list[str] = []
    # what the report was built from first: a changed input explains the rows that follow
    first = ("files", "policy_chain", "header", "notes")
    for section in sorted(expected.keys() | document.keys(), key=lambda s: (s not in first, s)):
        if section == "content_hash" or document.get(section) == expected.get(section):
            continue
        out.extend(_rows_diff(section, document.get(section), expected.get(section)))
    return out


def _html_differences(body: str, expected: AuditView, claim: Claim, templates_dir: str | None) -> list[str]:
    render = RenderContext(
        generated_at=expected.header.as_of, version=expected.header.code_version, locale=claim.locale
    )
    page = render_html(expected, render, templates_dir=templates_dir)
    main = _MAIN.search(page)
    ours = main.group(1) if main else ""
    if ours == body:
        return []
    diff = difflib.unified_diff(
        ours.splitlines(), body.splitlines(), "recomputed", "report", n=0, lineterm=""
    )
    return [
        f"page line {'added' if line.startswith('+') else 'expected'}: {line[1:].strip()[:160]}"
        for line in diff
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def compare(claim: Claim, expected: AuditView, *, templates_dir: str | None = None) -> Verdict:
    """The report's claim against the view rebuilt from the data with the claim's options."""
    verdict = Verdict(expected_hash=expected.content_hash, claimed_hash=claim.content_hash)
    if claim.document is not None:
        doc = claim.document
        own = content_digest({k: v for k, v in doc.items() if k != "content_hash"})
        verdict.self_consistent = own == claim.content_hash
        verdict.differences = _json_differences(doc, expected.model_dump(mode="json"))
    elif claim.body is not None:
        verdict.differences = _html_differences(claim.body, expected, claim, templates_dir)
    return verdict
