"""Appending events to a complaint in time order, keeping its state, stopping at ``end``."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from devtools.generator.model import Complaint, Event, Kind, Person, Value

OPENING, CLOSING = time(9, 0), time(17, 0)


class Builder:
    """Adds events to ``complaint`` (never before the previous one, never after ``end``).

    Once an event would fall after ``end`` the complaint is *truncated*: every later event is
    dropped, so the complaint is left in whatever state it had reached (often still open).
    """

    def __init__(self, complaint: Complaint, end: datetime, zone: ZoneInfo, rng: random.Random) -> None:
        self.c, self.end, self.zone, self.rng = complaint, end, zone, rng
        self.now = complaint.received_at
        self.seq = 0
        self.stopped = False

    # -- time ------------------------------------------------------------------------------

    def working(self, moment: datetime) -> datetime:
        """``moment`` if inside working hours (Mon-Fri 09:00-17:00 local), else shortly after
        the next opening: agents act in office hours."""
        local = moment.astimezone(self.zone)
        if local.weekday() < 5 and OPENING <= local.time() < CLOSING:
            return moment
        day = local.date() if local.time() < OPENING else local.date() + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        opening = datetime.combine(day, OPENING, self.zone) + timedelta(minutes=self.rng.randrange(5, 75))
        return opening.astimezone(moment.tzinfo)

    def after(
        self, lo_minutes: float, hi_minutes: float, *, office: bool = True, base: datetime | None = None
    ) -> datetime:
        moment = (base or self.now) + timedelta(minutes=self.rng.uniform(lo_minutes, hi_minutes))
        return self.working(moment) if office else moment

    def after_days(
        self, lo: float, hi: float, *, office: bool = True, base: datetime | None = None
    ) -> datetime:
        return self.after(lo * 1440, hi * 1440, office=office, base=base)

    # -- events ----------------------------------------------------------------------------

    def add(
        self,
        at: datetime,
        kind: Kind,
        actor: Person,
        *,
        public: bool | None = None,
        text: str | None = None,
        field: str | None = None,
        after: Value = None,
    ) -> bool:
        """Append one event and apply it to the state; False once the history is cut at ``end``."""
        if self.stopped:
            return False
        at = max(at, self.now)
        if at > self.end:
            self.stopped = True
            self.c.truncated = True
            return False
        before = self._apply(kind, field, after)
        if kind is not Kind.COMMENT and kind is not Kind.SATISFACTION and before == after:
            return True  # no-op change: nothing is recorded
        self.seq += 1
        self.c.events.append(
            Event(
                at=at,
                kind=kind,
                actor=actor,
                seq=self.seq,
                public=public,
                text=text,
                field=field,
                before=before,
                after=after,
            )
        )
        self.now = at
        return True

    def _apply(self, kind: Kind, field: str | None, after: Value) -> Value:
        c = self.c
        before: Value = None
        if kind is Kind.STATUS:
            before, c.status = c.status, str(after)
        elif kind is Kind.PRIORITY:
            before, c.priority = c.priority, str(after)
        elif kind is Kind.ASSIGNEE:
            before = str(c.assignee.id) if c.assignee else None
        elif kind is Kind.GROUP:
            before, c.group = c.group, str(after)
        elif kind is Kind.LABELS:
            before = c.labels
            c.labels = tuple(after) if isinstance(after, tuple) else c.labels
        elif kind is Kind.FIELD and field is not None:
            before = c.fields.get(field)
            if after is None:
                c.fields.pop(field, None)
            else:
                c.fields[field] = str(after)
        elif kind is Kind.SATISFACTION:
            c.satisfaction = str(after)
        return before

    def assign(self, at: datetime, actor: Person, agent: Person) -> bool:
        if self.c.assignee == agent:
            return True
        done = self.add(at, Kind.ASSIGNEE, actor, after=str(agent.id))
        if done:
            self.c.assignee = agent
        return done

    def add_label(self, at: datetime, actor: Person, label: str) -> bool:
        if label in self.c.labels:
            return True
        return self.add(at, Kind.LABELS, actor, after=(*self.c.labels, label))
