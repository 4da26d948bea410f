"""The checks catalogue (``docs/checks.md``), generated from the check registry, and the runner
of the checks' worked examples.

    python -m compliance_checks.catalogue > docs/checks.md

A test regenerates the catalogue and compares it with the committed file, and runs every
example against its check.
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import textwrap
import types
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from compliance_checks.calendar import Duration
from compliance_checks.engine import context_for
from compliance_checks.model import ComplaintRecord
from compliance_checks.policy import Policy, Target
from compliance_checks.registry import (
    EXAMPLE_RECORD,
    REGISTRY,
    CheckResult,
    CheckSpec,
    Example,
    Registry,
)

COMMAND = "python -m compliance_checks.catalogue > docs/checks.md"


def example_record(example: Example) -> ComplaintRecord:
    """The example's record, validated like any input (``EXAMPLE_RECORD`` with its fields)."""
    return ComplaintRecord.model_validate({**EXAMPLE_RECORD, **example.record})


def run_example(spec: CheckSpec[Any], example: Example, policy: Policy) -> CheckResult:
    """Run ``spec`` on ``example`` with ``policy``'s calendar and warning window."""
    params = spec.params.model_validate(dict(example.params))
    ctx = context_for(policy, datetime.fromisoformat(example.now))
    return spec.fn(example_record(example), params, ctx)


# -- rendering ---------------------------------------------------------------------------


def param_notes(model: type[BaseModel]) -> dict[str, str]:
    """The ``#:`` comment above each field of ``model`` (and of its bases), by field name."""
    notes: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not issubclass(cls, BaseModel) or cls is BaseModel or cls.__module__.startswith("pydantic"):
            continue
        source = textwrap.dedent(inspect.getsource(cls))
        lines = source.splitlines()
        node = ast.parse(source).body[0]
        assert isinstance(node, ast.ClassDef)  # noqa: S101 - getsource of a class
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                comment: list[str] = []
                i = item.lineno - 2
                while i >= 0 and lines[i].strip().startswith("#:"):
                    comment.insert(0, lines[i].strip()[2:].strip())
                    i -= 1
                if comment:
                    notes[item.target.id] = " ".join(comment)
    return notes


def type_name(annotation: Any) -> str:
    """A reader's name for a parameter's type (``duration``, ``list of severity``...)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return type_name(args[0])
    if origin in (Union, types.UnionType):
        names = [type_name(a) for a in args if a is not type(None)]
        return " or ".join(names) + (" or none" if type(None) in args else "")
    if origin is list:
        return f"list of {type_name(args[0])}"
    if origin is dict:
        return f"map of {type_name(args[0])} to {type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return f"{annotation.__name__.lower()} ({' / '.join(str(m.value) for m in annotation)})"
    if isinstance(annotation, type) and issubclass(annotation, Target):
        return "target"
    if isinstance(annotation, type):
        return annotation.__name__.lower()
    return str(annotation)


def show(value: object) -> str:
    """A default value as a policy file would spell it."""
    if value is None:
        return "none"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, Target):
        parts = [show(value.default)] if value.default is not None else []
        tables: dict[str, Mapping[Any, Duration]] = {
            "severity": value.by_severity,
            "category": value.by_category,
            "product group": getattr(value, "by_product_group", {}),
        }
        for name, table in tables.items():
            parts += [f"{name} {show(k)}: {show(v)}" for k, v in table.items()]
        return "; ".join(parts) or "none"
    if isinstance(value, Mapping):
        return ", ".join(f"{show(k)}: {show(v)}" for k, v in value.items()) or "(empty)"
    if isinstance(value, Iterable) and not isinstance(value, str):
        return ", ".join(show(v) for v in value) or "(empty)"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _params(spec: CheckSpec[Any]) -> list[str]:
    defaults = spec.params()
    notes = param_notes(spec.params)
    rows = ["| param | type | default | meaning |", "|---|---|---|---|"]
    for name, info in spec.params.model_fields.items():
        rows.append(
            f"| `{name}` | {_cell(type_name(info.annotation))} | {_cell(show(getattr(defaults, name)))} "
            f"| {_cell(notes.get(name, ''))} |"
        )
    return rows if len(rows) > 2 else ["(none)"]


def _examples(spec: CheckSpec[Any]) -> list[str]:
    rows = []
    for example in spec.examples:
        data = f"`{json.dumps(example.record)}`" if example.record else "the example record"
        params = f"; params `{json.dumps(example.params)}`" if example.params else ""
        rows.append(f"- **{example.expect.value}**: {example.name}. As of {example.now}: {data}{params}")
    return rows or ["(none)"]


def render_check(spec: CheckSpec[Any]) -> list[str]:
    doc = inspect.cleandoc(spec.fn.__doc__ or spec.title)
    return [
        f"## `{spec.id}`",
        "",
        f"**{spec.title}**. ISO 10002 clauses: {', '.join(spec.clauses)}. Severity: {spec.severity.value}.",
        "",
        f"**Passes when**: {doc}",
        "",
        f"**Remediation**: {spec.remediation}",
        "",
        "**Params**:",
        "",
        *_params(spec),
        "",
        "**Examples**:",
        "",
        *_examples(spec),
        "",
    ]


def render(registry: Registry = REGISTRY) -> str:
    """The catalogue as Markdown, checks in registration order."""
    specs = list(registry)
    lines = [
        "# Checks catalogue",
        "",
        f"Generated from the check registry (`@check` in `compliance_checks/checks/`): `{COMMAND}`.",
        "Do not edit by hand; a test fails when this file is out of date.",
        "",
        "Statuses a check returns: PASS, FAIL, AT_RISK (due within the policy's warning window), "
        "PENDING, NOT_APPLICABLE, MANUAL. Params are set per check in a policy file; the defaults "
        "below apply when a policy does not set them (packs set the regulatory targets).",
        "Every check's examples are runnable: a record (the example record of "
        "`compliance_checks.registry.EXAMPLE_RECORD` with the fields named) evaluated as of the "
        "time shown on the baseline policy's calendar gives the status shown.",
        "",
        "| id | title | short title (report columns) | clauses | severity |",
        "|---|---|---|---|---|",
        *(
            f"| [`{s.id}`](#{s.id}) | {_cell(s.title)} | {_cell(s.label)} | {', '.join(s.clauses)} "
            f"| {s.severity.value} |"
            for s in specs
        ),
        "",
    ]
    for spec in specs:
        lines += render_check(spec)
    return "\n".join(lines)


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
