"""Realistic, deterministic complaint data as raw Jira Cloud, Jira Data Center and Zendesk
API payloads.

``generate(config)`` streams platform-neutral complaints; ``pages(platform, config)`` streams
the raw API pages for one platform; ``write_jsonl`` writes them one page per line. Nothing is
accumulated, so any size from 10 to 1,000,000 complaints runs in bounded memory.
"""

from devtools.generator.config import DEFAULT_SHARES, GeneratorConfig
from devtools.generator.model import Complaint, Pattern
from devtools.generator.render import PLATFORMS, pages, write_jsonl
from devtools.generator.scenario import generate

__all__ = [
    "DEFAULT_SHARES",
    "PLATFORMS",
    "Complaint",
    "GeneratorConfig",
    "Pattern",
    "generate",
    "pages",
    "write_jsonl",
]
