"""``benchmarks/map_check.py --phases`` splits the pipeline's CPU by step: it must walk the same
tickets as the pipeline it explains (``evaluate_files``), or its split would describe another run.
The input is the generator's raw API pages (the shapes of docs/input-formats.md)."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

from devtools.generator import GeneratorConfig, write_jsonl

ROOT = Path(__file__).resolve().parent.parent


def _map_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("map_check", ROOT / "benchmarks" / "map_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("platform", ["zendesk", "jira"])
def test_phases_walk_the_same_complaints_as_the_pipeline(platform: str, tmp_path: Path) -> None:
    map_check = _map_check()
    path = tmp_path / f"{platform}.jsonl"
    config = GeneratorConfig(complaints=12, end=datetime.fromisoformat(map_check.END), seed=3)
    write_jsonl(path, platform, config)

    pipeline = map_check.measure_pipeline(path, platform)
    phases = map_check.measure_phases(path, platform)

    assert pipeline["mapping_errors"] == 0
    assert phases["complaints"] == pipeline["complaints"] > 0
    assert set(phases) >= {"reading", "mapping", "checks", "cpu_seconds"}
    assert phases["cpu_seconds"] == pytest.approx(phases["reading"] + phases["mapping"] + phases["checks"])
