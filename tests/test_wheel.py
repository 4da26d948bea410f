"""The wheel ships the product only: no development tools (sandboxes, generator, demo), and every
data file the product reads at run time (mappings, policies, templates, migrations, samples)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Not copied into the build tree: environments, caches and earlier build output.
_SKIP = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__",
                               ".*_cache", ".hypothesis", "demo-out", "node_modules")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """File names in a wheel built offline from a copy of the checkout (the checkout stays clean)."""
    base = tmp_path_factory.mktemp("wheel")
    source, out = base / "src", base / "dist"
    shutil.copytree(ROOT, source, ignore=_SKIP)
    # The exclusion tested below means something only if the build saw the tools.
    assert (source / "devtools" / "sandboxes" / "zendesk" / "state.py").is_file()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(out), str(source)],
        check=True, capture_output=True, timeout=600,
    )
    (wheel,) = out.glob("iso10002_connector-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.mark.slow
def test_wheel_contains_no_development_tools(wheel_names: list[str]) -> None:
    modules = [n for n in wheel_names if n.endswith(".py")]
    assert modules, "the wheel has no modules at all"
    tools = [n for n in modules
             if n.startswith(("devtools/", "tests/", "benchmarks/"))
             or any(part in {"sandbox", "sandboxes", "generator", "demo"}
                    for part in Path(n).with_suffix("").parts)]
    assert tools == []


@pytest.mark.slow
@pytest.mark.parametrize("name", [
    "connector/cli/__init__.py",
    "connector/cli/exit_codes.py",
    "connector/crashpoints.py",
    "connector/samples/zendesk-sample.jsonl",
    "connector/store/migrations/env.py",
    "mappings/zendesk.yaml",
    "mappings/jira.yaml",
    "compliance_checks/policies/iso10002-baseline.yaml",
    "report_templates/register.html.j2",
])
def test_wheel_contains_what_the_product_reads(wheel_names: list[str], name: str) -> None:
    assert name in wheel_names


@pytest.mark.slow
def test_wheel_contains_every_migration(wheel_names: list[str]) -> None:
    shipped = {n for n in wheel_names if n.startswith("connector/store/migrations/versions/")}
    expected = {str(p.relative_to(ROOT)) for p in
                (ROOT / "connector" / "store" / "migrations" / "versions").glob("*.py")}
    assert expected and expected <= shipped
