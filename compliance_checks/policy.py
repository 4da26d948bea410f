"""Policy files: the organisation's objectives (clause 6) as data.

A policy sets the business calendar, the AT_RISK warning window, which checks run, their
severity and their parameters (targets, by severity or category where needed). Every check's
``params`` block is validated by that check's own parameter model, so a typo fails fast with
the file and key path.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from compliance_checks.calendar import BusinessCalendar, CalendarConfig, Duration
from compliance_checks.configfile import (
    ConfigError,
    ConfigIssue,
    content_hash,
    issues_from,
    parse_yaml,
    read_text,
    validate,
)
from compliance_checks.inherit import PolicyChain, load_chain
from compliance_checks.model import ComplaintRecord, Frozen, Severity, normalise
from compliance_checks.packs import (
    ClockRule,
    Figure,
    FigureSpec,
    clock_params,
    downgrades,
    figures,
    inherited_pauses,
)
from compliance_checks.registry import REGISTRY, CheckParams, Registry
from compliance_checks.returns_config import ReturnsConfig


def _to_duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise ValueError("a duration is text like '2 business days'")  # noqa: TRY004 - pydantic wants ValueError
    return Duration.parse(value)


DurationField = Annotated[
    Duration,
    PlainValidator(_to_duration),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["2 business days", "48 hours"]}),
]


class Target(CheckParams):
    """A clock target: one duration, optionally varying by severity and by category.

    Resolution order: category, then severity, then default. Categories are compared after
    ``normalise`` (a Zendesk tag ``e_money`` finds the key ``e-money``).
    """

    default: DurationField | None = None
    by_severity: dict[Severity, DurationField] = Field(default_factory=dict)
    by_category: dict[str, DurationField] = Field(default_factory=dict)

    def for_record(self, record: ComplaintRecord) -> Duration | None:
        if record.category is not None:
            for category, duration in self.by_category.items():
                if normalise(category) == normalise(record.category):
                    return duration
        if record.severity is not None and record.severity in self.by_severity:
            return self.by_severity[record.severity]
        return self.default


def _to_target(value: Any) -> Any:
    # "2 business days" is shorthand for {default: "2 business days"}.
    return {"default": value} if isinstance(value, str) else value


TargetField = Annotated[Target, PlainValidator(lambda v: Target.model_validate(_to_target(v)))]


def _to_share(value: Any) -> float:
    """``"95 %"``/``"95%"`` or a number from 0 to 1 -> a share from 0 to 1."""
    if isinstance(value, bool):
        raise ValueError("a share is text like '95 %' or a number from 0 to 1")  # noqa: TRY004
    if isinstance(value, str):
        text = value.strip()
        if not text.endswith("%"):
            raise ValueError(f"a share is text like '95 %', not {value!r}")
        try:
            share = float(text[:-1].strip()) / 100
        except ValueError:
            raise ValueError(f"a share is text like '95 %', not {value!r}") from None
    elif isinstance(value, int | float):
        share = float(value)
    else:
        raise ValueError("a share is text like '95 %' or a number from 0 to 1")  # noqa: TRY004
    if not 0 <= share <= 1:
        raise ValueError(f"a share is between 0 % and 100 %, not {value!r}")
    return share


ShareField = Annotated[
    float,
    PlainValidator(_to_share),
    PlainSerializer(lambda v: f"{v * 100:g} %", return_type=str),
    WithJsonSchema({"type": "string", "examples": ["95 %", "90 %"]}),
]


class KpiObjective(Frozen):
    """One KPI's objective (clause 6/8.4): ``met`` at the objective or better, ``amber`` down to
    the amber line, ``missed`` beyond it."""

    objective: ShareField
    amber: ShareField | None = None


#: Objective names in a policy's ``kpis`` block -> whether a higher value is better.
KPI_OBJECTIVES: dict[str, Literal["higher", "lower"]] = {
    "acknowledged_in_time": "higher",
    "responded_in_time": "higher",
    "closed_in_time": "higher",
    "satisfied": "higher",
    "escalated": "lower",
    "reopened": "lower",
    "repeat_complaints": "lower",
}


class KpiObjectives(Frozen):
    """The policy's ``kpis`` block; a KPI without an objective is reported without a judgement."""

    acknowledged_in_time: KpiObjective | None = None
    responded_in_time: KpiObjective | None = None
    closed_in_time: KpiObjective | None = None
    satisfied: KpiObjective | None = None
    escalated: KpiObjective | None = None
    reopened: KpiObjective | None = None
    repeat_complaints: KpiObjective | None = None

    @field_validator(*KPI_OBJECTIVES)
    @classmethod
    def _amber_beyond_objective(cls, item: KpiObjective | None, info: ValidationInfo) -> KpiObjective | None:
        if item is None or item.amber is None or info.field_name is None:
            return item
        if KPI_OBJECTIVES[info.field_name] == "higher" and item.amber > item.objective:
            raise ValueError("amber must not be above the objective (higher is better)")
        if KPI_OBJECTIVES[info.field_name] == "lower" and item.amber < item.objective:
            raise ValueError("amber must not be below the objective (lower is better)")
        return item

    def judge(self, name: str, value: float | None) -> Literal["met", "amber", "missed"] | None:
        """``met`` / ``amber`` / ``missed`` for ``value``; None without an objective or a value."""
        item: KpiObjective | None = getattr(self, name, None)
        if item is None or value is None:
            return None
        sign = 1 if KPI_OBJECTIVES[name] == "higher" else -1
        if sign * value >= sign * item.objective:
            return "met"
        if item.amber is not None and sign * value >= sign * item.amber:
            return "amber"
        return "missed"


class Analysis(Frozen):
    """How the reports define repeat complaints and systemic issues (stated in the reports)."""

    #: A complaint is a repeat when the same complainant complained within this many days before.
    repeat_window_days: int = Field(default=30, ge=1, le=3660)
    #: A root cause is systemic when it accounts for at least this many complaints in the period...
    systemic_min_count: int = Field(default=5, ge=1)
    #: ...and at least this share of the period's complaints with a root cause.
    systemic_min_share: ShareField = 0.10


class CheckConfig(Frozen):
    enabled: StrictBool = True
    #: Overrides the check's own severity in findings.
    severity: Severity | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class PolicySpec(Frozen):
    name: str
    version: int | str = 1
    description: str | None = None
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    warning_window: DurationField = Duration.parse("1 business days")
    checks: dict[str, CheckConfig]
    # Regulatory packs (compliance_checks/packs.py, docs/regulatory.md).
    regime: str | None = None
    jurisdiction: str | None = None
    clocks: dict[str, ClockRule] = Field(default_factory=dict)
    provenance: dict[str, FigureSpec] = Field(default_factory=dict)
    record_keeping: str | None = None
    notes: list[str] = Field(default_factory=list)
    returns: ReturnsConfig = Field(default_factory=ReturnsConfig)
    #: KPI objectives (met / amber / missed in the KPI report and the management review).
    kpis: KpiObjectives = Field(default_factory=KpiObjectives)
    #: Definitions of repeat complaints and systemic issues.
    analysis: Analysis = Field(default_factory=Analysis)


@dataclass(frozen=True)
class EnabledCheck:
    id: str
    severity: Severity
    params: CheckParams


@dataclass(frozen=True)
class Policy:
    """A validated policy with each enabled check's parameters parsed."""

    spec: PolicySpec
    calendar: BusinessCalendar
    checks: tuple[EnabledCheck, ...]
    source: str
    sha256: str
    #: The file loaded, then the parents it extends.
    chain: tuple[str, ...] = ()
    #: Provenance of the regulatory figures (packs).
    provenance: tuple[Figure, ...] = ()

    @property
    def unconfirmed(self) -> tuple[Figure, ...]:
        """Figures the research could not confirm (and no child policy replaced)."""
        return tuple(f for f in self.provenance if f.is_unconfirmed)


def build_policy(
    spec: PolicySpec,
    *,
    source: str,
    sha256: str,
    registry: Registry = REGISTRY,
    chain: tuple[str, ...] = (),
    provenance: tuple[Figure, ...] = (),
) -> Policy:
    issues: list[ConfigIssue] = []
    enabled: list[EnabledCheck] = []
    for check_id, config in spec.checks.items():
        if check_id not in registry:
            known = ", ".join(sorted(registry.ids()))
            issues.append(ConfigIssue(source, f"checks.{check_id}", f"unknown check (known: {known})"))
            continue
        check_spec = registry.get(check_id)
        raw_params, problems = clock_params(
            check_id, spec.clocks.get(check_id), config.params, check_spec.params, provenance
        )
        issues.extend(ConfigIssue(source, path, message) for path, message in problems)
        try:
            params = check_spec.params.model_validate(raw_params)
        except ValidationError as exc:
            issues.extend(issues_from(exc, source, ("checks", check_id, "params")))
            continue
        if config.enabled:
            enabled.append(EnabledCheck(check_id, config.severity or check_spec.severity, params))
    if issues:
        raise ConfigError(issues)
    return Policy(spec, BusinessCalendar(spec.calendar), tuple(enabled), source, sha256, chain, provenance)


def _raw_check_issues(data: Any, source: str, registry: Registry) -> list[ConfigIssue]:
    """Problems in the ``checks`` block of a file whose other parts failed validation.

    Without this, a bad timezone would hide an unknown check id or a bad target until the
    next run: every error is reported at once.
    """
    checks = data.get("checks") if isinstance(data, dict) else None
    if not isinstance(checks, dict):
        return []
    issues: list[ConfigIssue] = []
    for check_id, config in checks.items():
        if check_id not in registry:
            known = ", ".join(sorted(registry.ids()))
            issues.append(ConfigIssue(source, f"checks.{check_id}", f"unknown check (known: {known})"))
            continue
        params = config.get("params") if isinstance(config, dict) else None
        if isinstance(params, dict):
            model = registry.get(check_id).params
            # The regime's clock rule too: a regulatory clock made pausable is reported now.
            raw_params, problems = clock_params(check_id, _raw_clock_rule(data, check_id), params, model)
            issues.extend(ConfigIssue(source, path, message) for path, message in problems)
            try:
                model.model_validate(raw_params)
            except ValidationError as exc:
                issues.extend(issues_from(exc, source, ("checks", check_id, "params")))
    return issues


def _raw_clock_rule(data: dict[str, Any], check_id: str) -> ClockRule | None:
    clocks = data.get("clocks")
    raw = clocks.get(check_id) if isinstance(clocks, dict) else None
    try:
        return None if raw is None else ClockRule.model_validate(raw)
    except ValidationError:
        return None  # reported by PolicySpec validation


def parse_policy(text: str, source: str, *, registry: Registry = REGISTRY) -> Policy:
    """Parse a policy file, following ``extends`` (errors name the file that wrote the key)."""
    try:
        chain = load_chain(text, source)
    except ConfigError as exc:
        # The chain is broken: still report what is wrong inside this file's own checks.
        own = parse_yaml(text, source)
        raise ConfigError([*exc.issues, *_raw_check_issues(own, source, registry)]) from None
    return _build_chain(chain, source, registry)


def _build_chain(chain: PolicyChain, source: str, registry: Registry) -> Policy:
    data = copy.deepcopy(chain.data)
    for path in inherited_pauses(chain):  # overridden by a later regulatory declaration
        del data["checks"][path[1]]["params"]["pausable"]
    found, issues = figures(chain)
    issues = [*downgrades(chain), *issues]
    try:
        spec = validate(PolicySpec, data, source)
    except ConfigError as exc:
        extra = _raw_check_issues(data, source, registry)
        raise ConfigError([chain.attribute(i) for i in [*exc.issues, *extra, *issues]]) from None
    sha256 = content_hash("\n".join(layer.text for layer in chain.layers))
    try:
        policy = build_policy(
            spec,
            source=source,
            sha256=sha256,
            registry=registry,
            chain=chain.sources,
            provenance=tuple(found),
        )
    except ConfigError as exc:
        raise ConfigError([chain.attribute(i) for i in [*exc.issues, *issues]]) from None
    if issues:
        raise ConfigError([chain.attribute(i) for i in issues])
    return policy


def load_policy(path: Path, *, registry: Registry = REGISTRY) -> Policy:
    return parse_policy(read_text(path), str(path), registry=registry)


BASELINE_POLICY = Path(__file__).parent / "policies" / "iso10002-baseline.yaml"
