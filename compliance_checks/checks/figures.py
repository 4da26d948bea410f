"""Findings say when their deadline figure is unconfirmed (issue 8).

A pack marks figures it could not confirm against the research notes (``provenance``); the
policy loader copies the unconfirmed ones of a check into its ``unconfirmed_figures`` param
(param key path -> source). A finding whose deadline used one of them carries
``facts["figure_confidence"] = "unconfirmed"`` and a sentence in its message, so the audit
report and the ticket note show it. A figure a child policy overrides is the firm's own choice
and no longer unconfirmed.
"""

from __future__ import annotations

from dataclasses import replace

from compliance_checks.findings import Status
from compliance_checks.registry import CheckParams, CheckResult


class FigureParams(CheckParams):
    """Params of a check whose deadlines come from a regulatory pack."""

    #: Filled from the pack's provenance when the policy is loaded (param key path -> source).
    unconfirmed_figures: dict[str, str] = {}


def _covers(figure: str, used: str) -> bool:
    """``target.by_category`` covers ``target.by_category.superannuation``; ``target`` covers all."""
    a, b = figure.split("."), used.split(".")
    return a == b[: len(a)]


def unconfirmed_used(p: FigureParams, used: list[str]) -> list[str]:
    """The unconfirmed figures (``key (source)``) among the param key paths a deadline used."""
    found = []
    for key, source in p.unconfirmed_figures.items():
        if any(_covers(key, u) for u in used):
            found.append(f"{key} ({source})")
    return found


def with_confidence(result: CheckResult, p: FigureParams, used: list[str]) -> CheckResult:
    """``result`` marked when a figure in ``used`` is unconfirmed (N/A results are left alone)."""
    if result.status is Status.NOT_APPLICABLE:
        return result
    figures = unconfirmed_used(p, used)
    if not figures:
        return result
    facts = {**result.facts, "figure_confidence": "unconfirmed", "unconfirmed_figures": "; ".join(figures)}
    message = f"{result.message}. Deadline figure unconfirmed in the pack: {'; '.join(figures)}"
    return replace(result, message=message, facts=facts)
