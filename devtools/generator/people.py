"""Complainants (a pool, so some complain more than once), agents and automation accounts."""

from __future__ import annotations

import random
import unicodedata

from devtools.generator.model import Person

FIRST = (
    "Olivia",
    "Amelia",
    "Noah",
    "Oliver",
    "Isla",
    "George",
    "Muhammad",
    "Freya",
    "Arthur",
    "Ava",
    "Zoë",
    "Jürgen",
    "Søren",
    "Chloé",
    "José",
    "Siobhán",
    "Łukasz",
    "Aoife",
    "François",
    "Ingrid",
    "Priya",
    "Wei",
    "Kwame",
    "Fatima",
    "Mateo",
    "Anaïs",
    "Dmitri",
    "Yuki",
    "Björn",
    "Renée",
)
LAST = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Davies",
    "Evans",
    "Khan",
    "Patel",
    "O'Brien",
    "Müller",
    "Weiß",
    "García",
    "Nowak",
    "Ní Bhriain",
    "Dupont",
    "Kowalczyk",
    "Okafor",
    "Svensson",
    "Zhang",
    "Nakamura",
    "Lefèvre",
    "Álvarez",
    "Ivanova",
    "MacLeod",
    "Østergaard",
)
#: Names that are not in Latin script at all (display names are often like this).
NATIVE = ("田中 太郎", "山本 花子", "Анна Петрова", "김민준", "محمد علي", "Γιώργος Παπαδόπουλος")
DOMAINS = ("example.com", "example.org", "mail.example.net", "example.co.uk")

#: Fixed agent roster: (name, role). Ids are stable so every shard of a dataset agrees.
AGENTS = (
    ("Hannah Clarke", "agent"),
    ("Daniel Hughes", "agent"),
    ("Grace Murphy", "agent"),
    ("Samuel Reid", "agent"),
    ("Leah Robinson", "agent"),
    ("Ewan Fraser", "agent"),
    ("Nadia Rahman", "agent"),
    ("Tomás Ó Briain", "agent"),
    ("Ines Moreau", "agent"),
    ("Kofi Mensah", "agent"),
    ("Rachel Green", "agent"),
    ("Ahmed Hassan", "agent"),
    ("Megan Lloyd", "agent"),
    ("Callum Scott", "agent"),
    ("Jessica Chen", "agent"),
    ("Victoria Hale", "admin"),
    ("Martin Keller", "admin"),
    ("Priyanka Desai", "admin"),
)
AGENT_BASE_ID = 381_000_000_100
CUSTOMER_BASE_ID = 391_000_000_000
SYSTEM = Person(id=-1, name="Automation", email="automation@helpdesk.invalid", role="system")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in folded if ch.isalnum()) or "user"


def _dotted(name: str) -> str:
    return ".".join(_ascii(part) for part in name.split())


AGENT_PEOPLE = tuple(
    Person(id=AGENT_BASE_ID + i, name=name, email=f"{_dotted(name)}@helpdesk.example.com", role=role)
    for i, (name, role) in enumerate(AGENTS)
)
FRONT_LINE = tuple(p for p in AGENT_PEOPLE if p.role == "agent")
LEADS = tuple(p for p in AGENT_PEOPLE if p.role == "admin")


def complainant(pool_index: int) -> Person:
    """The complainant with this pool index (same index -> same person, in any run)."""
    rng = random.Random(pool_index * 7_919 + 17)  # noqa: S311 - synthetic data
    if rng.random() < 0.06:
        name = rng.choice(NATIVE)
        local = f"customer{pool_index}"
    else:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        local = f"{_ascii(first)}.{_ascii(last)}{pool_index % 1000}"
    locale = rng.choice(("en-GB", "en-GB", "en-GB", "en-US", "de-DE", "fr-FR", "ja-JP"))
    return Person(
        id=CUSTOMER_BASE_ID + pool_index,
        name=name,
        email=f"{local}@{rng.choice(DOMAINS)}",
        role="end-user",
        locale=locale,
    )


#: Agents by id, for renderers that need the person behind an assignee change.
BY_ID = {p.id: p for p in AGENT_PEOPLE}
