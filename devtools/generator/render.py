"""Choosing a platform renderer and writing its pages as JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from devtools.generator.config import GeneratorConfig
from devtools.generator.jira_render import JiraOptions, jira_pages
from devtools.generator.scenario import generate
from devtools.generator.zendesk_render import ZendeskOptions, zendesk_pages

PLATFORMS = ("jira", "jira-dc", "zendesk")


def pages(
    platform: str,
    config: GeneratorConfig,
    *,
    page_size: int | None = None,
    embed_histories: int | None = None,
) -> Iterator[dict[str, Any]]:
    """The raw API pages of ``platform`` for the complaints of ``config``, one at a time."""
    complaints = generate(config)
    if platform == "jira":
        options = JiraOptions(page_size=page_size or 100, embed_histories=embed_histories)
        return jira_pages(complaints, config.complaints, options)
    if platform == "jira-dc":
        return jira_pages(
            complaints, config.complaints, JiraOptions(data_center=True, page_size=page_size or 50)
        )
    if platform == "zendesk":
        return zendesk_pages(complaints, config.complaints, ZendeskOptions(page_size=page_size or 1000))
    raise ValueError(f"unknown platform {platform!r}; choose one of {', '.join(PLATFORMS)}")


def dump(page: dict[str, Any], out: TextIO) -> None:
    # Compact UTF-8 JSON, as the APIs send it; one page per line.
    out.write(json.dumps(page, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


def write_jsonl(path: Path, platform: str, config: GeneratorConfig, **options: Any) -> int:
    """Write every page of ``platform`` to ``path``; returns the number of lines written."""
    lines = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for page in pages(platform, config, **options):
            dump(page, out)
            lines += 1
    return lines
