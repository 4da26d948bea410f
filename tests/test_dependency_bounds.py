"""constraints-lowest.txt pins every direct dependency to the lower bound pyproject.toml declares,
so ``make test-lowest`` tests exactly the declared bounds (and a raised bound cannot be forgotten
there)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _direct() -> dict[str, str]:
    """Each direct dependency (runtime and dev extra) -> its declared lower bound."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds: dict[str, str] = {}
    for line in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        req = Requirement(line)
        lower = [s.version for s in req.specifier if s.operator == ">="]
        assert len(lower) == 1, f"{line}: declare exactly one lower bound (>=)"
        bounds[canonicalize_name(req.name)] = lower[0]
    return bounds


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints-lowest.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def _at_bound(pin: str, bound: str) -> bool:
    """The pin is the bound itself, or the first release in its series where the index has no exact
    match (types-requests>=2.32 -> 2.32.0.20240521)."""
    low, got = Version(bound), Version(pin)
    return got >= low and got.release[:len(low.release)] == low.release


def test_lowest_constraints_pin_each_declared_lower_bound() -> None:
    pins, bounds = _pins(), _direct()
    assert sorted(pins) == sorted(bounds)
    assert [name for name, bound in bounds.items() if not _at_bound(pins[name], bound)] == []


def test_a_pin_above_the_bound_is_caught() -> None:
    assert _at_bound("2.8.0", "2.8") and _at_bound("2.32.0.20240521", "2.32")
    assert not _at_bound("2.9.0", "2.8") and not _at_bound("2.7.4", "2.8")
