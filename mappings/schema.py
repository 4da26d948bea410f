"""The schema of a mapping file (``mappings/jira.yaml``, ``mappings/zendesk.yaml``).

A mapping is data: where each ISO 10002 field lives in the raw platform payload, which tickets
are complaints, how statuses and priorities translate, which signals mean escalation. The
platform's *structure* (where comments and changelogs are) is known by the code in
``mappings/jira_payload.py`` and ``mappings/zendesk_payload.py``; everything an organisation
configures differently is here. Unknown keys are rejected everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from compliance_checks.model import Frozen, Severity, Stage

#: A location in a raw payload: ``"fields.customfield_10050.value"`` or, when a key itself
#: contains dots (Jira issue property keys), a list of keys.
PathSpec = str | list[str]


class Source(Frozen):
    """Where a value is read from: exactly one of ``path``, ``custom_field`` or ``const``."""

    path: PathSpec | None = None
    #: Zendesk: the id in ``custom_fields``; Jira: ``customfield_NNNNN`` under ``fields``
    #: (option values are unwrapped to their ``value``).
    custom_field: int | str | None = None
    const: Any = None

    @model_validator(mode="after")
    def _one_source(self) -> Source:
        given = [k for k in ("path", "custom_field", "const") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of path, custom_field, const (got {', '.join(given) or 'none'})"
            )
        return self


class FieldRule(Source):
    """A mapped field: the source, an optional value translation and a default."""

    #: Raw value (compared case-insensitively as text) -> mapped value. Unlisted values pass
    #: through unchanged unless ``strict`` is true.
    map: dict[str, Any] = Field(default_factory=dict)
    strict: bool = False
    default: Any = None


class Condition(Source):
    """A test on a raw value. All matchers given must hold."""

    equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    #: For a list value: one element equals this; for text: a case-insensitive substring.
    contains: str | None = None
    exists: bool | None = None

    @model_validator(mode="after")
    def _has_matcher(self) -> Condition:
        if self.equals is None and self.in_ is None and self.contains is None and self.exists is None:
            raise ValueError("a condition needs one of equals, in, contains, exists")
        return self


class AnyOf(Frozen):
    """Complaint markers: a ticket matching any one of them is a complaint."""

    issue_types: list[str] = Field(default_factory=list)
    #: Jira labels / Zendesk tags.
    labels: list[str] = Field(default_factory=list)
    #: Zendesk ``ticket_form_id`` values.
    forms: list[int] = Field(default_factory=list)
    #: Jira Service Management request-type names.
    request_types: list[str] = Field(default_factory=list)
    fields: list[Condition] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.issue_types or self.labels or self.forms or self.request_types or self.fields)


class Selection(Frozen):
    """Which tickets are complaints. Applied before mapping (and pushed into JQL for Jira)."""

    #: Jira project keys; a ticket outside them is never a complaint.
    projects: list[str] = Field(default_factory=list)
    #: If empty, every ticket (in the projects) is a complaint.
    any_of: AnyOf = Field(default_factory=AnyOf)
    #: Tickets matching any of these are excluded (e.g. spam, test tickets).
    none_of: list[Condition] = Field(default_factory=list)


class ScopeRule(Frozen):
    """A complaint class outside ISO 10002 (employment, external dispute): NOT_APPLICABLE."""

    when: Condition
    reason: str


class FieldRules(Frozen):
    """Where each configurable ISO field lives. Omitted fields stay empty."""

    channel: FieldRule | None = None
    complainant_contact: FieldRule | None = None
    representative: FieldRule | None = None
    product: FieldRule | None = None
    category: FieldRule | None = None
    subcategory: FieldRule | None = None
    remedy_sought: FieldRule | None = None
    team: FieldRule | None = None
    outcome: FieldRule | None = None
    resolution_summary: FieldRule | None = None
    remedy_offered: FieldRule | None = None
    remedy_implemented: FieldRule | None = None
    complainant_response: FieldRule | None = None
    recourse_given: FieldRule | None = None
    closure_reason: FieldRule | None = None
    root_cause: FieldRule | None = None
    corrective_action: FieldRule | None = None
    linked_complaints: FieldRule | None = None
    satisfaction: FieldRule | None = None
    next_update_due: FieldRule | None = None


#: Per ``FieldRules`` (by id; the object is kept so the id stays its own): its titles.
_TITLES: dict[int, tuple[FieldRules, dict[str, str]]] = {}


def field_titles(rules: FieldRules) -> dict[str, str]:
    """Custom field id -> the record field the mapping reads from it, as a title ("Root cause"):
    a timeline names a custom field without asking the helpdesk for its field list."""
    cached = _TITLES.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    titles = {
        str(rule.custom_field): name.replace("_", " ").capitalize()
        for name in type(rules).model_fields
        if (rule := getattr(rules, name)) is not None and rule.custom_field is not None
    }
    if len(_TITLES) > 256:
        _TITLES.clear()  # mappings reloaded many times: never keep old rules alive
    _TITLES[id(rules)] = (rules, titles)
    return titles


class StatusRules(Frozen):
    """Platform status -> ISO stage. Names match case-insensitively."""

    stages: dict[str, Stage]
    #: Jira status categories (``new``, ``indeterminate``, ``done``) for unlisted statuses.
    category_fallback: dict[str, Stage] = Field(default_factory=dict)
    default: Stage = Stage.INVESTIGATING
    #: Entering one of these statuses counts as acknowledging the complaint (7.4).
    acknowledging: list[str] = Field(default_factory=list)
    #: Stages during which operational clocks pause (regulatory clocks never pause).
    pausing_stages: list[Stage] = Field(default_factory=lambda: [Stage.AWAITING_COMPLAINANT])


class SeverityRules(Frozen):
    """Priority -> severity (7.5)."""

    #: Default: the ticket's priority name.
    source: FieldRule | None = None
    map: dict[str, Severity]
    default: Severity | None = None


class EscalationRules(Frozen):
    """Signals that a complaint was escalated (any one of them counts)."""

    groups: list[str] = Field(default_factory=list)
    #: Raising the priority to one of these (raw priority names) is an escalation.
    priorities: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    statuses: list[str] = Field(default_factory=list)
    #: A field whose becoming non-empty is an escalation (raw field id / name).
    fields: list[str] = Field(default_factory=list)


class AssessmentRules(Frozen):
    """What shows the complaint was assessed (7.5)."""

    stages: list[Stage] = Field(
        default_factory=lambda: [Stage.ASSESSING, Stage.INVESTIGATING, Stage.RESOLVED]
    )
    #: An agent changing one of these fields (raw field ids/names) counts as assessment.
    fields: list[str] = Field(default_factory=lambda: ["priority"])


class DecisionRules(Frozen):
    """A decision is a move into a resolved/closed stage, or one of these fields being set."""

    fields: list[str] = Field(default_factory=list)


class ActorRules(Frozen):
    """Who is who on the timeline."""

    #: Account ids of this product's own integration user(s): their writes are CONNECTOR
    #: events, never agent activity (no acknowledgement, no complainant update).
    connector_accounts: list[str] = Field(default_factory=list)
    #: Text that marks a comment as ours even when written by another account.
    connector_marker: str = "[iso10002]"
    #: Accounts of automations (triggers, SLA bots): SYSTEM, not agent.
    system_accounts: list[str] = Field(default_factory=list)
    #: Zendesk user roles that count as agents.
    agent_roles: list[str] = Field(default_factory=lambda: ["agent", "admin"])
    #: Jira Software projects have no public/internal flag: are plain comments public?
    comments_public_by_default: bool = True


class SatisfactionRules(Frozen):
    """Values of the satisfaction field meaning "a survey was offered" (8.3)."""

    offered_values: list[str] = Field(default_factory=lambda: ["offered", "good", "bad"])


class Recogniser(Frozen):
    """How an event is recognised on a ticket; any one signal counts.

    ``labels``: a Jira label / Zendesk tag being added; ``fields``: a field (raw id or name, as
    in the changelog / audit) being set to a non-empty value; ``markers``: text (a macro's marker,
    matched case-insensitively) in a *public agent* comment. A label or field set in the same
    update (within a minute) as a public agent comment makes that comment the letter.
    """

    labels: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)
    markers: list[str] = Field(default_factory=list)


class ContentRule(Frozen):
    """What shows one element of a letter: marker text in the letter, or a yes/no field."""

    markers: list[str] = Field(default_factory=list)
    field: FieldRule | None = None


#: The letter elements a mapping can recognise: the packs' ``Content`` names but ``new_date``
#: (tests/regulatory/test_letter_content.py keeps the two lists equal).
LetterContent = Literal[
    "decision",
    "reasons",
    "remedy",
    "ombudsman_rights",
    "ombudsman_leaflet",
    "ombudsman_website",
    "time_limit_six_months",
    "consent_to_waive_wording",
    "resolved_statement",
    "reg7_notice",
    "handling_explanation",
]


class LetterRule(Recogniser):
    """A regulated letter (holding / final response / summary resolution) and its content."""

    content: dict[LetterContent, ContentRule] = Field(default_factory=dict)
    #: Holding letters: the promised new date (a date field); else an ISO date in the letter.
    new_date: FieldRule | None = None


class Stage2Rule(Recogniser):
    """Escalation to stage 2 of a two-stage procedure; also entering one of these statuses."""

    statuses: list[str] = Field(default_factory=list)
    #: When the complainant asked for stage 2 (the stage-2 clocks start there): a label / tag an
    #: agent adds to mark the request (the complainant's latest public comment at or before it is
    #: the request; none: the label itself), or a date-time field holding the request time.
    requested_labels: list[str] = Field(default_factory=list)
    requested_field: FieldRule | None = None


class AcceptanceRule(Frozen):
    """When the complainant indicated acceptance of a response (FCA DISP 1.5.2AR; ASIC RG 271's
    5-business-day rule reads it too). The time is the last of these signals on the history:

    ``labels``: a Jira label / Zendesk tag added; ``fields``: a field (raw id or name, as in the
    changelog / audit) set to one of the listed raw values (Jira: the option's name, Zendesk: the
    option tag); a later change of that field to another value withdraws the acceptance;
    ``markers``: text in a *public complainant* comment (matched case-insensitively).
    """

    labels: list[str] = Field(default_factory=list)
    #: Keys may be written unquoted (a Zendesk field id is a number in YAML).
    fields: dict[Annotated[str, BeforeValidator(str)], list[str]] = Field(default_factory=dict)
    markers: list[str] = Field(default_factory=list)


class PartsRule(Frozen):
    """How a complaint's parts (each with its own clock) are recognised on a ticket.

    Exactly one of ``field`` (a multi-value field whose values are the parts; each part's decision
    is a ``decided_labels`` label/tag or a ``decided_markers`` text in a public agent comment, with
    ``{part}`` standing for the part's value) or ``items`` (a list of objects in the payload, each
    with ``id`` / ``received`` / ``decided`` paths inside the item).
    """

    field: FieldRule | None = None
    #: The field's raw id or name as changelog / audit events name it: a part added later is
    #: received when it was added. Default: the field rule's custom field id.
    field_event: str | None = None
    decided_labels: list[str] = Field(default_factory=list)
    decided_markers: list[str] = Field(default_factory=list)
    items: PathSpec | None = None
    id: PathSpec = "id"
    name: PathSpec | None = None
    received: PathSpec | None = None
    decided: PathSpec | None = None
    #: Part value -> the regulator's product group / category for that part's deadline.
    product_groups: dict[str, str] = Field(default_factory=dict)
    categories: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_way(self) -> PartsRule:
        if (self.field is None) == (self.items is None):
            raise ValueError("give exactly one of field (a multi-value field) or items (a list path)")
        if self.items is not None and (self.decided_labels or self.decided_markers):
            raise ValueError("decided_labels / decided_markers go with field; items use decided")
        return self


class RegulatoryRules(Frozen):
    """Evidence the regulatory packs need (docs/regulatory.md). Everything is optional."""

    holding_response: LetterRule | None = None
    final_response: LetterRule | None = None
    summary_resolution: LetterRule | None = None
    stage2: Stage2Rule | None = None
    #: The regulator's product grouping (FCA return), redress paid, CFPB sent-to-company date.
    product_group: FieldRule | None = None
    #: FCA DISP 1 Annex 1AD: the payment service (ATM withdrawal, direct debit, ...) of the complaint.
    payment_service: FieldRule | None = None
    redress_amount: FieldRule | None = None
    sent_to_company: FieldRule | None = None
    #: CFPB: the date the CFPB received the complaint (the return's "Date received").
    cfpb_received: FieldRule | None = None
    #: Complaint parts with their own clocks.
    parts: PartsRule | None = None
    #: Stage-2 extension letters (Housing Ombudsman, SPSO): reasons and a new date.
    extension_letter: LetterRule | None = None
    #: The update an overdue complaint gets with the reasons for the delay (CBUAE 17.3.4).
    overdue_update: LetterRule | None = None
    #: When the complainant accepted (the summary-resolution and 5-business-day rules need it).
    acceptance: AcceptanceRule | None = None
    #: What the acknowledgement shows (``content``). Without labels / fields / markers, the
    #: acknowledgement letter is the first public agent reply (the record's acknowledgement).
    acknowledgement: LetterRule | None = None


class MappingSpec(Frozen):
    platform: Literal["jira", "zendesk"]
    version: Literal[1] = 1
    name: str
    description: str | None = None
    #: Agent-facing URL template; ``{base}`` and ``{key}`` are filled in.
    ticket_url: str | None = None
    select: Selection = Field(default_factory=Selection)
    scope: list[ScopeRule] = Field(default_factory=list)
    fields: FieldRules = Field(default_factory=FieldRules)
    status: StatusRules
    severity: SeverityRules
    escalation: EscalationRules = Field(default_factory=EscalationRules)
    assessment: AssessmentRules = Field(default_factory=AssessmentRules)
    decision: DecisionRules = Field(default_factory=DecisionRules)
    actors: ActorRules = Field(default_factory=ActorRules)
    satisfaction: SatisfactionRules = Field(default_factory=SatisfactionRules)
    regulatory: RegulatoryRules | None = None
