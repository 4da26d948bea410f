"""The checks catalogue (docs/checks.md) is current, and every check behaves as its examples say."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from compliance_checks import BASELINE_POLICY, REGISTRY, load_policy
from compliance_checks.catalogue import COMMAND, render, run_example
from compliance_checks.findings import Status
from compliance_checks.registry import CheckContext, CheckResult, CheckSpec, Example, Registry

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
POLICY = load_policy(BASELINE_POLICY)
EXAMPLES = [
    pytest.param(spec, example, id=f"{spec.id}: {example.name}")
    for spec in REGISTRY
    for example in spec.examples
]


def test_docs_checks_md_is_generated_from_the_registry() -> None:
    current = CATALOGUE.read_text(encoding="utf-8") if CATALOGUE.exists() else ""
    assert current == render(), f"docs/checks.md is out of date: run `.venv/bin/{COMMAND}`"


def test_the_catalogue_lists_every_check_with_its_clauses_params_and_examples() -> None:
    text = render()
    for spec in REGISTRY:
        section = text.split(f"## `{spec.id}`\n", 1)[1].split("\n## ", 1)[0]
        assert spec.remediation in section
        assert f"clauses: {', '.join(spec.clauses)}." in section
        for name in spec.params.model_fields:
            assert f"| `{name}` |" in section
        for example in spec.examples:
            assert f"**{example.expect.value}**: {example.name}." in section


@pytest.mark.parametrize(("spec", "example"), EXAMPLES)
def test_each_example_gives_its_status(spec: CheckSpec[Any], example: Example) -> None:
    result = run_example(spec, example, POLICY)
    assert result.status is example.expect, result.message


def test_every_check_has_a_pass_and_a_fail_example() -> None:
    for spec in REGISTRY:
        statuses = {e.expect for e in spec.examples}
        assert {Status.PASS, Status.FAIL} <= statuses, spec.id
        assert len({e.name for e in spec.examples}) == len(spec.examples), spec.id


@pytest.mark.parametrize("status", [Status.PASS, Status.FAIL])
def test_a_check_whose_behaviour_changes_breaks_its_examples(status: Status) -> None:
    """What the example test relies on: a check that always answers the same no longer matches."""

    def constant(record: object, params: object, ctx: CheckContext) -> CheckResult:
        return CheckResult(status, "constant")

    for spec in REGISTRY:
        changed = replace(spec, fn=constant)
        assert any(run_example(changed, e, POLICY).status is not e.expect for e in spec.examples), spec.id


def test_the_catalogue_of_a_registry_is_its_checks_in_order() -> None:
    registry = Registry()
    for check_id in ("response-in-time", "acknowledged-in-time"):
        registry.register(REGISTRY.get(check_id))
    text = render(registry)
    assert text.index("## `response-in-time`") < text.index("## `acknowledged-in-time`")
    assert "## `kept-informed`" not in text
