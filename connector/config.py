"""The connector's configuration file: which helpdesks to read (secrets by env-var name only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from compliance_checks.configfile import (
    ConfigError,
    ConfigIssue,
    parse_yaml,
    read_text,
    validate,
)
from connector.jira.settings import JiraSourceConfig
from connector.zendesk.settings import ZendeskSourceConfig

SourceConfig = Annotated[ZendeskSourceConfig | JiraSourceConfig, Field(discriminator="platform")]


class AppConfig(BaseModel):
    """``iso10002.yaml``: the helpdesk sources (more settings arrive with the sync service)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: list[SourceConfig] = Field(min_length=1)


def load_config(path: Path) -> AppConfig:
    config = validate(AppConfig, parse_yaml(read_text(path), str(path)), str(path))
    names = [s.name for s in config.sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError([ConfigIssue(str(path), "sources", f"duplicate source names: {duplicates}")])
    # A relative mapping path is looked up next to the config file first.
    base = path.parent
    return config.model_copy(
        update={
            "sources": [
                s.model_copy(update={"mapping": base / s.mapping})
                if not s.mapping.is_absolute() and (base / s.mapping).exists()
                else s
                for s in config.sources
            ]
        }
    )


def pick_source(config: AppConfig, platform: str, name: str | None, source_file: str) -> SourceConfig:
    """The source to use: by name, or the only one of that platform."""
    candidates = [s for s in config.sources if s.platform == platform and (name is None or s.name == name)]
    if len(candidates) == 1:
        return candidates[0]
    wanted = f"{platform} source {name!r}" if name else f"exactly one {platform} source (or --source NAME)"
    raise ConfigError([ConfigIssue(source_file, "sources", f"need {wanted}; found {len(candidates)}")])
