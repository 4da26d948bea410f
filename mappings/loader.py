"""Loading mapping files: YAML validated by ``MappingSpec``; errors name the file and key path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compliance_checks.configfile import content_hash, parse_yaml, read_text, validate
from mappings.schema import MappingSpec

SHIPPED = Path(__file__).parent


@dataclass(frozen=True)
class LoadedMapping:
    spec: MappingSpec
    source: str
    sha256: str
    #: The configured source's site URL, for ticket links when a payload carries none.
    site: str | None = None


def parse_mapping(text: str, source: str) -> LoadedMapping:
    spec = validate(MappingSpec, parse_yaml(text, source), source)
    return LoadedMapping(spec, source, content_hash(text))


def load_mapping(path: Path) -> LoadedMapping:
    return parse_mapping(read_text(path), str(path))


def default_mapping_path(platform: str) -> Path:
    """The shipped example mapping of a platform (``mappings/<platform>.yaml``)."""
    return SHIPPED / f"{platform}.yaml"
