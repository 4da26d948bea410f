"""The ISO 10002:2018 clause catalogue (numbers, titles and our paraphrases; no clause text)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

CATALOGUE = Path(__file__).with_name("clauses.yaml")


class Clause(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    summary: str
    #: What an auditor should ask for where no enabled check covers the clause.
    evidence: str


@lru_cache(maxsize=1)
def clauses() -> tuple[Clause, ...]:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return tuple(Clause.model_validate(item) for item in data["clauses"])


def clause(clause_id: str) -> Clause:
    for item in clauses():
        if item.id == clause_id:
            return item
    raise KeyError(f"unknown ISO 10002 clause {clause_id!r}")
