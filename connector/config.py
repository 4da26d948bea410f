"""The connector's configuration file: which helpdesks to read (secrets by env-var name only)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, model_validator

from compliance_checks.configfile import (
    ConfigError,
    ConfigIssue,
    parse_yaml,
    read_text,
    validate,
)
from connector.platforms.base import SourceSettings
from connector.platforms.registry import platform_for, source_union
from connector.service_config import (
    ApiConfig,
    ReportsConfig,
    ScheduleConfig,
    ServerConfig,
    StoreConfig,
    SyncConfig,
    UiConfig,
    WebhooksConfig,
    WritebackConfig,
)

if TYPE_CHECKING:
    SourceConfig: TypeAlias = SourceSettings
else:
    #: One ``sources[]`` entry: the settings model of the platform its ``platform`` names.
    SourceConfig = Annotated[source_union(), Field(discriminator="platform")]


class AppConfig(BaseModel):
    """``iso10002.yaml``: the helpdesk sources and the sync service's settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: list[SourceConfig] = Field(min_length=1)
    store: StoreConfig = Field(default_factory=StoreConfig)
    #: Policy file (default: the shipped ISO 10002 baseline) and waivers file (default: none).
    policy: Path | None = None
    waivers: Path | None = None
    writeback: WritebackConfig = Field(default_factory=WritebackConfig)
    sync: SyncConfig = Field(default_factory=SyncConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    webhooks: WebhooksConfig = Field(default_factory=WebhooksConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    ui: UiConfig = Field(default_factory=UiConfig)

    @model_validator(mode="after")
    def _forge_sites_name_jira_sources(self) -> AppConfig:
        if self.api.forge is not None:
            forge = {s.name for s in self.sources if platform_for(s.platform).forge_panel}
            unknown = sorted(set(self.api.forge.sites) - forge)
            if unknown:
                raise ValueError(f"api.forge.sites names no Jira source: {unknown}")
        return self


def load_config(path: Path) -> AppConfig:
    config = validate(AppConfig, parse_yaml(read_text(path), str(path)), str(path))
    names = [s.name for s in config.sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError([ConfigIssue(str(path), "sources", f"duplicate source names: {duplicates}")])
    # A relative mapping (policy, waivers) path is looked up next to the config file first.
    base = path.parent
    update: dict[str, object] = {
        key: base / value
        for key, value in (("policy", config.policy), ("waivers", config.waivers))
        if value is not None and not value.is_absolute() and (base / value).exists()
    }
    return config.model_copy(
        update={
            **update,
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
