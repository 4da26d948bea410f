"""Regulatory pack metadata: clock rules and the provenance of every regulatory figure.

A pack (``policies/packs/*.yaml``) states its regime, jurisdiction and holiday calendar, which
check clocks are *regulatory* (they never pause, whatever a child policy says) and, per figure,
how sure we are of it (``confirmed`` / ``unconfirmed`` against the research notes, or
``firm-target`` when the regulator sets no number) with its source. Reports print the
unconfirmed figures so nobody mistakes them for verified rule text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, StrictBool

from compliance_checks.calendar import Duration, Unit
from compliance_checks.configfile import ConfigIssue, key_path
from compliance_checks.inherit import KeyPath, PolicyChain, value_at
from compliance_checks.model import Frozen


class ClockRule(Frozen):
    """How a check's clock behaves under this regime."""

    #: A regulatory clock never pauses (waiting on the customer does not stop it).
    regulatory: StrictBool = False
    #: For operational clocks: may the check pause (its ``pausable`` param wins when set).
    pausable: StrictBool | None = None
    #: Units the clock's durations must be written in (e.g. ``[weeks, business days]``).
    units: list[Unit] = []


class Confidence(StrEnum):
    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"
    #: The regulator sets no number; the pack's value is a firm target to adjust.
    FIRM_TARGET = "firm-target"


class FigureSpec(Frozen):
    """Provenance of one figure. The key is a policy key path or, with ``value``, a label."""

    confidence: Confidence
    source: str
    #: For a figure that is not a policy value (e.g. the receipt cut-off rule).
    value: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Figure:
    """A figure as loaded: its current value and whether a child policy replaced it."""

    key: str
    value: str
    confidence: Confidence
    source: str
    note: str | None
    declared_in: str
    #: The file that replaced the pack's value (the figure is then the firm's own choice).
    overridden_by: str | None = None

    @property
    def is_unconfirmed(self) -> bool:
        return self.confidence is Confidence.UNCONFIRMED and self.overridden_by is None

    def label(self) -> str:
        mark = "UNCONFIRMED" if self.is_unconfirmed else self.confidence.value
        return f"{self.key} = {self.value} [{mark}] ({self.source})"


def _path(key: str) -> KeyPath:
    return tuple(key.split("."))


def figures(chain: PolicyChain) -> tuple[list[Figure], list[ConfigIssue]]:
    """Every provenance entry of the merged chain, with its value and override status."""
    raw = chain.data.get("provenance")
    if not isinstance(raw, dict):
        return [], []
    found: list[Figure] = []
    issues: list[ConfigIssue] = []
    for key, entry in raw.items():
        declared_in = chain.origin(("provenance", str(key))) or chain.layers[-1].source
        try:
            spec = FigureSpec.model_validate(entry)
        except ValueError:
            continue  # reported by PolicySpec validation
        path = _path(str(key))
        exists, value = value_at(chain.data, path)
        if not exists and path[-1] == "default":
            # ``target: 15 business days`` is shorthand for ``target: {default: ...}``.
            exists, value = value_at(chain.data, path[:-1])
            exists = exists and isinstance(value, str)
            path = path[:-1]
        if not exists and spec.value is None:
            issues.append(
                ConfigIssue(
                    declared_in,
                    f"provenance.{key}",
                    "names no value of this policy (give the key path of a value, or `value:`)",
                )
            )
            continue
        overridden_by = None
        if exists:
            setter = _value_origin(chain, path)
            if setter is not None and setter != declared_in:
                overridden_by = setter
        shown = spec.value if spec.value is not None else _text(value)
        found.append(
            Figure(str(key), shown, spec.confidence, spec.source, spec.note, declared_in, overridden_by)
        )
    return found, issues


def _value_origin(chain: PolicyChain, path: KeyPath) -> str | None:
    """The file that last wrote the value (or any part of it) at ``path``."""
    sources = {src for p, src in chain.origins.items() if p[: len(path)] == path}
    later = [layer.source for layer in chain.layers if layer.source in sources]
    return later[-1] if later else None


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def downgrades(chain: PolicyChain) -> list[ConfigIssue]:
    """A clock a parent declared regulatory stays regulatory: a child may not switch it off."""
    issues: list[ConfigIssue] = []
    declared: dict[str, str] = {}
    for layer in chain.layers:
        clocks = layer.data.get("clocks")
        if not isinstance(clocks, dict):
            continue
        for check_id, rule in clocks.items():
            if not isinstance(rule, dict):
                continue
            regulatory = rule.get("regulatory")
            if regulatory is True:
                declared.setdefault(str(check_id), layer.source)
            elif regulatory is False and str(check_id) in declared:
                issues.append(
                    ConfigIssue(
                        layer.source,
                        f"clocks.{check_id}.regulatory",
                        f"declared regulatory in {declared[str(check_id)]}: a regulatory clock "
                        "cannot be made operational",
                    )
                )
    return issues


def inherited_pauses(chain: PolicyChain) -> list[KeyPath]:
    """``pausable`` params written *before* (in a parent of) the file that made the clock regulatory.

    The regulatory declaration overrides them (the clock then never pauses); only a ``pausable:
    true`` written at or below the declaring file is an error.
    """
    sources = [layer.source for layer in chain.layers]
    stale: list[KeyPath] = []
    clocks = chain.data.get("clocks")
    for check_id in clocks if isinstance(clocks, dict) else {}:
        declared_at = next(
            (
                i
                for i, layer in enumerate(chain.layers)
                if value_at(layer.data, ("clocks", str(check_id), "regulatory")) == (True, True)
            ),
            None,
        )
        path = ("checks", str(check_id), "params", "pausable")
        origin = chain.origin(path)
        if declared_at is not None and origin is not None and sources.index(origin) < declared_at:
            stale.append(path)
    return stale


def clock_params(
    check_id: str,
    rule: ClockRule | None,
    params: dict[str, Any],
    model: type[BaseModel],
    figures: Sequence[Figure] = (),
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The check's raw params with the regime's clock rule applied, and (key path, problem) pairs.

    A regulatory clock gets ``pausable: false`` when the params leave it unset; setting it to
    true is an error (as is ``clocks.<check>.pausable: true``). A check that reports figure
    confidence (``unconfirmed_figures`` param) gets the pack's unconfirmed figures of its params.
    """
    updated, problems = _apply_rule(check_id, rule, params, model)
    if "unconfirmed_figures" not in model.model_fields:
        return updated, problems
    if "unconfirmed_figures" in params:
        problems.append(
            (
                f"checks.{check_id}.params.unconfirmed_figures",
                "filled from the pack's provenance: mark figures under `provenance:` instead",
            )
        )
    prefix = f"checks.{check_id}.params."
    updated["unconfirmed_figures"] = {
        f.key.removeprefix(prefix): f.source for f in figures if f.is_unconfirmed and f.key.startswith(prefix)
    }
    return updated, problems


def _apply_rule(
    check_id: str, rule: ClockRule | None, params: dict[str, Any], model: type[BaseModel]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    if rule is None:
        return dict(params), []
    problems: list[tuple[str, str]] = []
    has_pausable = "pausable" in model.model_fields
    updated = dict(params)
    if rule.regulatory:
        if rule.pausable:
            problems.append((f"clocks.{check_id}.pausable", "a regulatory clock never pauses"))
        pausable = params.get("pausable", False)
        if pausable is True and has_pausable:
            problems.append(
                (
                    f"checks.{check_id}.params.pausable",
                    "this check's clock is regulatory under the pack: it never pauses",
                )
            )
        elif has_pausable and pausable is False:
            # Anything else (``"true"``, ``1``) is left for the params model to reject.
            updated["pausable"] = False
    elif rule.pausable is not None and has_pausable and "pausable" not in params:
        updated["pausable"] = rule.pausable
    if rule.units:
        problems.extend(_unit_problems(check_id, params, rule.units))
    return updated, problems


#: Params whose durations are the regulatory figure of a clock.
_CLOCK_PARAMS = ("target", "extended_target", "accepted_within", "final_within")


def _unit_problems(check_id: str, params: dict[str, Any], units: list[Unit]) -> list[tuple[str, str]]:
    problems = []
    allowed = ", ".join(u.value for u in units)
    for name in _CLOCK_PARAMS:
        for path, text in _durations(params.get(name), ("checks", check_id, "params", name)):
            try:
                unit = Duration.parse(text).unit
            except ValueError:
                continue  # the params model reports it
            if unit not in units:
                problems.append((key_path(path), f"{text!r}: this regulatory clock is counted in {allowed}"))
    return problems


def _durations(value: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found.extend(_durations(item, (*path, str(key))))
        return found
    return []
