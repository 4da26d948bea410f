"""Options shared by several commands, and the file configuration they load."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from connector.cli.errors import fail, reported
from connector.cli.exit_codes import ExitCode
from connector.configuration import load_file_evaluator
from connector.evaluation import Evaluator


class Platform(StrEnum):
    jira = "jira"
    zendesk = "zendesk"


StoreConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="ISO10002_CONFIG", help="Config file (YAML)."),
]
InputOption = Annotated[
    list[Path] | None,
    typer.Option("--input", "-i", help="Payload file (JSON or JSON Lines); repeatable. "
                 "Without it: the store (--config)."),
]
PlatformOption = Annotated[
    Platform | None, typer.Option("--platform", help="Where the payloads come from (with --input).")
]
MappingOption = Annotated[
    Path | None, typer.Option("--mapping", help="Mapping file (default: the shipped example).")
]
PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="Policy file (default: iso10002-baseline).")
]
WaiversOption = Annotated[Path | None, typer.Option("--waivers", help="Waivers file.")]


def need_platform(platform: Platform | None) -> Platform:
    if platform is None:
        raise fail(ExitCode.CONFIG, "--input needs --platform jira|zendesk")
    return platform


def file_configuration(
    platform: Platform, mapping: Path | None, policy: Path | None, waivers: Path | None
) -> Evaluator:
    with reported():
        return load_file_evaluator(platform.value, mapping, policy, waivers)
