"""The life of one complaint: intake, acknowledgement, assessment, investigation, decision,
the complainant's reply and closure, bent by its non-compliance pattern.

Compliant complaints meet the baseline policy's targets with room to spare (acknowledged the
same working day, assessed within hours, updated every few days, decided well inside the
response target, decision communicated in the same update, closure fields complete).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from devtools.generator.arrivals import received_times
from devtools.generator.builder import Builder
from devtools.generator.config import CATEGORIES, CHANNELS, PRODUCTS, SEVERITIES, GeneratorConfig
from devtools.generator.model import Complaint, Kind, Pattern, Person
from devtools.generator.people import FRONT_LINE, LEADS, SYSTEM, complainant
from devtools.generator.text import Texts

ESCALATION_GROUP = "Complaints Escalation"
OTHER_GROUPS = ("Billing", "Digital Support", "Mortgages Team")
EXTRA_LABELS = ("refund-requested", "vulnerable-customer", "repeat-complainant", "social-media")
#: Calendar days from receipt to decision for compliant complaints, by severity.
DECISION_DAYS = {"critical": (1.0, 3.5), "high": (2.0, 8.0), "medium": (4.0, 20.0), "low": (4.0, 20.0)}
OUTCOME_MIX = (("upheld", 35), ("partly_upheld", 20), ("not_upheld", 35), ("withdrawn", 10))
_FIXED_EVENTS = 16  # about how many events the fixed steps add; the investigation loop adds the rest


def _pick(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in mix], [w for _, w in mix])[0]


def _pattern(rng: random.Random, shares: dict[Pattern, float]) -> Pattern:
    draw, cumulative = rng.random(), 0.0
    for pattern in Pattern:  # fixed order: determinism does not depend on dict order
        cumulative += shares.get(pattern, 0.0)
        if draw < cumulative:
            return pattern
    return Pattern.COMPLIANT


def complaint_rng(seed: int, index: int) -> random.Random:
    """The random stream of complaint ``index``: independent of every other complaint."""
    return random.Random(seed * 10_000_019 + index)  # noqa: S311 - synthetic data


def generate(config: GeneratorConfig) -> Iterator[Complaint]:
    """Every complaint of the dataset, oldest first, one at a time (nothing is accumulated)."""
    zone = ZoneInfo(config.timezone)
    pool = max(1, int(config.complaints * config.repeat_pool))
    for index, received in enumerate(received_times(config)):
        yield build(index, received, config, zone, pool)


def build(index: int, received: datetime, config: GeneratorConfig, zone: ZoneInfo, pool: int) -> Complaint:
    """Complaint ``index`` received at ``received``: intake data and its whole history."""
    rng = complaint_rng(config.seed, index)
    pattern = _pattern(rng, config.shares)
    severity = "critical" if pattern is Pattern.URGENT_NOT_ESCALATED else _pick(rng, SEVERITIES)
    category, subcategories = rng.choice(CATEGORIES)
    person = complainant(rng.randrange(pool))
    product = _pick(rng, PRODUCTS)
    texts = Texts(rng, name=person.name, product=product, ref=f"C{index + 1:07d}")
    # Critical complaints come in as urgent from the portal half the time; otherwise an agent
    # raises the priority at assessment (which the mappings count as an escalation signal).
    created_critical = severity == "critical" and (
        pattern is Pattern.URGENT_NOT_ESCALATED or rng.random() < 0.5
    )
    labels = ("complaint", "employment") if pattern is Pattern.EMPLOYMENT else ("complaint",)
    c = Complaint(
        index=index,
        pattern=pattern,
        variant="",
        received_at=received,
        channel=_pick(rng, CHANNELS),
        product=product,
        category=category,
        subcategory=rng.choice(subcategories),
        complainant=person,
        subject=texts.subject(),
        description=texts.description(),
        remedy_sought=texts.remedy() if pattern is Pattern.COMPLIANT or rng.random() < 0.9 else None,
        initial_priority="critical" if created_critical else "medium",
        initial_group="Complaints",
        initial_labels=labels,
    )
    c.priority, c.group, c.labels = c.initial_priority, c.initial_group, labels
    _Story(c, Builder(c, config.end, zone, rng), texts, severity, config.events_mean).run()
    return c


class _Story:
    """Writes one complaint's history step by step."""

    def __init__(self, c: Complaint, b: Builder, texts: Texts, severity: str, events_mean: float) -> None:
        self.c, self.b, self.t, self.rng = c, b, texts, b.rng
        self.severity = severity
        self.events_mean = events_mean
        self.agent = self.rng.choice(FRONT_LINE)
        self.lead = self.rng.choice(LEADS)
        self.last_public: datetime | None = None

    # -- small steps ----------------------------------------------------------------------

    def public(self, at: datetime, text: str) -> bool:
        done = self.b.add(at, Kind.COMMENT, self.agent, public=True, text=text)
        if done:
            self.last_public = self.b.now
        return done

    def internal(self, at: datetime, text: str | None = None) -> bool:
        return self.b.add(
            at, Kind.COMMENT, self.agent, public=False, text=text or self.t.internal(self.agent.name)
        )

    def customer(self, at: datetime, text: str | None = None) -> bool:
        return self.b.add(
            at, Kind.COMMENT, self.c.complainant, public=True, text=text or self.t.complainant_message()
        )

    def status(self, at: datetime, status: str, actor: Person | None = None) -> bool:
        return self.b.add(at, Kind.STATUS, actor or self.agent, after=status)

    def field(self, at: datetime, name: str, value: str | None) -> bool:
        return self.b.add(at, Kind.FIELD, self.agent, field=name, after=value)

    def escalate(self, at: datetime) -> None:
        if self.rng.random() < 0.5:
            self.b.add_label(at, self.lead, "escalated")
        else:
            self.b.add(at, Kind.GROUP, self.lead, after=ESCALATION_GROUP)
            self.b.add(at, Kind.FIELD, self.lead, field="escalation_level", after="Level 2")

    # -- the story ------------------------------------------------------------------------

    def run(self) -> None:
        p = self.c.pattern
        b = self.b
        b.assign(b.after(2, 45, office=False), SYSTEM, self.agent)  # routing rule assigns at once
        if p is Pattern.EMPLOYMENT:
            self.employment()
            return
        if p is Pattern.LATE_ACK and self.rng.random() < 0.35:
            self.c.variant = "missing"
            self.never_acknowledged()
            return
        self.acknowledge_and_assess()
        decided_at = self.investigate()
        self.decide(decided_at)

    def acknowledge_and_assess(self) -> None:
        p, b, critical = self.c.pattern, self.b, self.severity == "critical"
        if p is Pattern.LATE_ACK:
            self.c.variant = "late"
            ack_at = b.after_days(6, 12)  # nobody picked it up for a week or more
        elif critical:
            ack_at = b.after(10, 60)
        else:
            ack_at = b.after(20, 360)
        if p is Pattern.INTERNAL_ACK:
            self.internal(ack_at, self.t.internal_ack())  # told by phone; nothing in writing
            self.status(b.after(5, 60), "assessment")
            self.internal(b.after_days(0.5, 2), None)
            self.public(b.after_days(6, 12), self.t.update())  # first written word, far too late
        else:
            self.public(ack_at, self.t.ack(self.agent.name))
            if self.rng.random() < 0.5:
                self.status(b.now + timedelta(seconds=self.rng.randrange(1, 30)), "acknowledged")
            self.status(b.after(5, 30) if critical else b.after(10, 240), "assessment")
        if self.severity != self.c.priority:
            b.add(b.after(1, 15), Kind.PRIORITY, self.agent, after=self.severity)
        if critical and p is not Pattern.URGENT_NOT_ESCALATED:
            self.escalate(b.after(5, 30))

    def investigate(self) -> datetime:
        """Updates, notes, chasers and waiting periods until the decision is due; returns its time."""
        b, rng, p = self.b, self.rng, self.c.pattern
        self.status(b.after(10, 600), "investigating")
        lo, hi = DECISION_DAYS[self.severity]
        decide_at = self.c.received_at + timedelta(days=rng.uniform(lo, hi))
        silence: tuple[datetime, datetime] | None = None
        if p is Pattern.LONG_SILENCE:
            start = b.now + timedelta(days=rng.uniform(0.5, 2))
            silence = (start, start + timedelta(days=rng.uniform(18, 32)))
            decide_at = max(decide_at, silence[1] + timedelta(days=rng.uniform(1, 4)))
        decide_at = max(decide_at, b.now + timedelta(hours=2))
        extra = max(0, round(rng.gauss(self.events_mean - _FIXED_EVENTS, 3)))
        moments = sorted(b.now + (decide_at - b.now) * rng.random() for _ in range(extra))
        for moment in moments:
            self._fill_silence(moment, silence)
            self._activity(b.working(moment), silence)
            if b.stopped:
                break
        self._fill_silence(decide_at, silence)
        return b.working(max(decide_at, b.now))

    def _quiet(self, moment: datetime, silence: tuple[datetime, datetime] | None) -> bool:
        return silence is not None and silence[0] <= moment <= silence[1]

    def _fill_silence(self, until: datetime, silence: tuple[datetime, datetime] | None) -> None:
        """Compliant handling never lets the complainant wait more than a few days for news."""
        while not self.b.stopped:
            last = self.last_public or self.c.received_at
            next_due = last + timedelta(days=self.rng.uniform(3, 5.5))
            if next_due >= until:
                return
            if silence is not None and self._quiet(next_due, silence):
                self.last_public = silence[1]  # the silence is the pattern: skip to its end
                if silence[1] >= until:
                    return
                self.customer(self.b.working(next_due), None)  # the complainant chases meanwhile
                continue
            self.public(self.b.working(next_due), self.t.update())

    def _activity(self, at: datetime, silence: tuple[datetime, datetime] | None) -> None:
        roll = self.rng.random()
        b = self.b
        if roll < 0.32:
            self.internal(at)
        elif roll < 0.55:
            self.customer(at)
        elif roll < 0.78:
            if self._quiet(at, silence):
                self.internal(at)
            else:
                self.public(at, self.t.update())
        elif roll < 0.84 and not self._quiet(at, silence):
            self.public(at, self.t.update())  # ask for information and wait for it
            self.status(b.now + timedelta(seconds=5), "waiting")
            if self.customer(b.after_days(0.5, 3, office=False)):
                self.status(b.after(5, 120), "investigating")
        elif roll < 0.9:
            b.add_label(at, self.agent, self.rng.choice(EXTRA_LABELS))
        elif roll < 0.95:
            self.agent = self.rng.choice(FRONT_LINE)
            b.assign(at, self.lead, self.agent)
        else:
            b.add(at, Kind.GROUP, self.lead, after=self.rng.choice(OTHER_GROUPS))

    # -- decision and after ---------------------------------------------------------------

    def decide(self, at: datetime) -> None:
        p, rng, b = self.c.pattern, self.rng, self.b
        outcome = "not_upheld" if p is Pattern.REJECTED_NO_RECOURSE else _pick(rng, OUTCOME_MIX)
        # Final responses carry the review and ombudsman rights, except in the pattern that omits them.
        recourse = p is not Pattern.REJECTED_NO_RECOURSE
        if p is Pattern.DECISION_NOT_COMMUNICATED:  # decided later, away from any regular update
            at = b.working(max(at, b.now + timedelta(hours=rng.uniform(2, 30))))
        missing_outcome = p is Pattern.CLOSED_WITHOUT_OUTCOME and rng.random() < 0.5
        if p is Pattern.CLOSED_WITHOUT_OUTCOME:
            self.c.variant = "outcome" if missing_outcome else "root_cause"
            if not missing_outcome:
                outcome = rng.choice(("upheld", "partly_upheld"))
        if not missing_outcome:
            self.field(at, "outcome", outcome)
        self.field(at, "resolution_summary", self.t.summary())
        if outcome in ("upheld", "partly_upheld"):
            self.field(at, "remedy_offered", self.t.remedy())
            if self.c.variant != "root_cause":
                self.field(at, "root_cause", self.t.root_cause())
                if rng.random() < 0.3:
                    self.field(at, "corrective_action", f"CAPA-{rng.randrange(1, 400)}")
        self.field(at, "recourse_given", "yes" if recourse else "no")
        self.field(at, "closure_reason", "decision_issued")
        if p is not Pattern.DECISION_NOT_COMMUNICATED:
            self.public(b.now, self.t.decision(outcome, recourse=recourse))
        self.status(b.now + timedelta(seconds=rng.randrange(2, 40)), "resolved")
        resolved_at = b.now
        if outcome != "withdrawn":
            self._survey()
        if p is Pattern.DECISION_NOT_COMMUNICATED:
            if rng.random() < 0.5:
                self.customer(b.after_days(1, 4, office=False))
            self.status(b.after_days(4, 4.2, office=False, base=resolved_at), "closed", SYSTEM)
            return
        self._reply(outcome, resolved_at)

    def _survey(self) -> None:
        """The survey goes out a day after the decision; most complainants answer it."""
        b = self.b
        if self.c.pattern is Pattern.COMPLIANT or self.rng.random() < 0.85:
            b.add(b.after_days(0.9, 1.1, office=False), Kind.SATISFACTION, SYSTEM, after="offered")
            if self.rng.random() < 0.75:
                score = "good" if self.rng.random() < 0.6 else "bad"
                b.add(b.after_days(0.1, 3, office=False), Kind.SATISFACTION, self.c.complainant, after=score)

    def _reply(self, outcome: str, resolved_at: datetime) -> None:
        p, rng, b = self.c.pattern, self.rng, self.b
        rejects = p in (Pattern.REJECTED_NO_RECOURSE, Pattern.REOPENED) or (
            rng.random() < (0.3 if outcome == "not_upheld" else 0.08)
        )
        if rejects or rng.random() < 0.7:
            if not self.customer(b.after_days(0.3, 3, office=False), self.t.reply(accepted=not rejects)):
                return
            self.field(b.after(30, 600), "complainant_response", "rejected" if rejects else "accepted")
        else:
            self.field(b.after_days(2, 4), "complainant_response", "none")
        if p is Pattern.REOPENED:
            self.status(b.now + timedelta(minutes=1), "investigating", self.c.complainant)
            self.internal(b.after(30, 900))
            self.public(b.after_days(0.5, 2), self.t.update())
            second = b.after_days(2, 6)
            self.field(second, "outcome", "partly_upheld")
            self.field(second, "root_cause", self.t.root_cause())
            self.field(second, "recourse_given", "yes")
            self.public(b.now, self.t.decision("partly_upheld", recourse=True))
            self.status(b.now + timedelta(seconds=10), "resolved")
            resolved_at = b.now
            if self.customer(b.after_days(0.5, 3, office=False), self.t.reply(accepted=True)):
                self.field(b.after(30, 600), "complainant_response", "accepted")
        if p is Pattern.REJECTED_NO_RECOURSE:
            self.status(b.after(20, 480), "closed")  # closed by the agent: nothing more to say
            return
        self.status(max(b.now, b.after_days(4, 4.2, office=False, base=resolved_at)), "closed", SYSTEM)

    # -- patterns with their own shape ----------------------------------------------------

    def never_acknowledged(self) -> None:
        """Picked up, discussed internally, never answered, still open."""
        b = self.b
        self.status(b.after_days(1, 4), "assessment")
        for _ in range(self.rng.randrange(1, 4)):
            self.internal(b.after_days(0.5, 4))
        self.customer(b.after_days(2, 6, office=False))
        self.status(b.after_days(1, 6), "investigating")
        for _ in range(self.rng.randrange(2, 6)):
            if self.rng.random() < 0.5:
                self.internal(b.after_days(1, 6))
            else:
                self.customer(b.after_days(2, 8, office=False))

    def employment(self) -> None:
        """An ex-employee's pay dispute raised as a complaint: handled, but not under ISO 10002."""
        b = self.b
        self.public(b.after(30, 400), self.t.ack(self.agent.name))
        self.internal(b.after(20, 300), self.t.hr_note())
        self.b.add(b.after(1, 30), Kind.GROUP, self.lead, after="HR Cases")
        for _ in range(self.rng.randrange(3, 10)):
            if self.rng.random() < 0.5:
                self.customer(b.after_days(1, 5, office=False))
            else:
                self.internal(b.after_days(0.5, 3))
        self.field(b.after_days(1, 4), "closure_reason", "referred_to_hr")
        self.public(b.now, "We have passed your message to our HR team, who will contact you directly.")
        self.status(b.now + timedelta(seconds=20), "resolved")
        self.status(b.after_days(4, 4.2, office=False), "closed", SYSTEM)
