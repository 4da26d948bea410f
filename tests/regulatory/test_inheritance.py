"""extends: deep merge, overrides, cycles, unknown parents, regulatory clocks, provenance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compliance_checks import load_policy
from compliance_checks.configfile import ConfigError
from compliance_checks.inherit import PACKS_DIR, deep_merge, known_packs
from compliance_checks.policy import Policy

PACKS = [
    "asic-rg271",
    "bahrain-cbb",
    "cbi-cpc",
    "cfpb",
    "fca-disp",
    "housing-ombudsman",
    "psd2",
    "singapore-fa",
    "spso",
    "uae-cbuae",
]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def issues(path: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    return [(Path(i.source).name, i.key_path, i.message) for i in info.value.issues]


def params(policy: Policy, check_id: str) -> Any:
    return {c.id: c.params for c in policy.checks}[check_id]


def test_every_pack_is_shipped_and_loads():
    assert known_packs() == PACKS
    for name in PACKS:
        policy = load_policy(PACKS_DIR / f"{name}.yaml")
        assert policy.spec.regime and policy.spec.jurisdiction
        assert policy.chain[-1].endswith("iso10002-baseline.yaml")


def test_child_overrides_one_value_and_keeps_the_rest(tmp_path):
    child = write(
        tmp_path,
        "ours.yaml",
        "extends: fca-disp\nname: ours\n"
        "checks:\n  regulatory-response:\n    params:\n      target: {default: 6 weeks}\n",
    )
    policy = load_policy(child)
    target = params(policy, "regulatory-response").target
    assert str(target.default) == "6 weeks"
    # by_product_group came from the pack, untouched.
    assert str(target.by_product_group["payment services"]) == "15 business days"
    assert policy.spec.name == "ours"
    assert policy.chain[0] == str(child)
    # The pack's figure was replaced: it is the firm's own now, not an unconfirmed claim.
    figure = next(f for f in policy.provenance if f.key.endswith("target.default"))
    assert figure.overridden_by == str(child)
    assert figure.value == "6 weeks"


def test_lists_replace_rather_than_merge():
    merged = deep_merge({"a": {"x": [1, 2], "y": 1}}, {"a": {"x": [3]}})
    assert merged == {"a": {"x": [3], "y": 1}}


def test_relative_path_parent_and_two_levels(tmp_path):
    (tmp_path / "group").mkdir()
    group = "extends: cbi-cpc\nname: group\nwarning_window: 2 business days\n"
    write(tmp_path / "group", "group.yaml", group)
    child = write(tmp_path, "team.yaml", "extends: group/group.yaml\nname: team\n")
    policy = load_policy(child)
    assert str(policy.spec.warning_window) == "2 business days"
    assert [Path(s).name for s in policy.chain] == [
        "team.yaml",
        "group.yaml",
        "cbi-cpc.yaml",
        "iso10002-baseline.yaml",
    ]


def test_unknown_parent_names_file_and_key_and_still_reports_own_errors(tmp_path):
    child = write(
        tmp_path,
        "ours.yaml",
        "extends: fca-dips\nname: ours\nchecks:\n  no-such-check: {}\n",
    )
    found = issues(child)
    assert found[0][:2] == ("ours.yaml", "extends")
    assert "unknown parent policy 'fca-dips'" in found[0][2]
    assert "fca-disp" in found[0][2]  # the shipped packs are listed
    assert found[1][:2] == ("ours.yaml", "checks.no-such-check")


def test_cycle_is_an_error_naming_the_chain(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\nchecks: {}\n")
    found = issues(tmp_path / "a.yaml")
    assert found == [("b.yaml", "extends", "inheritance cycle: a.yaml -> b.yaml -> a.yaml")]


def test_self_extension_is_a_cycle(tmp_path):
    path = write(tmp_path, "me.yaml", "extends: me.yaml\nname: me\n")
    assert issues(path)[0][1:] == ("extends", "inheritance cycle: me.yaml -> me.yaml")


def test_regulatory_clock_cannot_pause(tmp_path):
    child = write(
        tmp_path,
        "ours.yaml",
        "extends: cbi-cpc\nname: ours\n"
        "clocks:\n  regulatory-response: {regulatory: false}\n  acknowledged-in-time: {pausable: true}\n"
        "checks:\n  kept-informed:\n    params: {pausable: true}\n",
    )
    found = issues(child)
    assert (
        "ours.yaml",
        "clocks.regulatory-response.regulatory",
        f"declared regulatory in {PACKS_DIR / 'cbi-cpc.yaml'}: a regulatory clock cannot be made operational",
    ) in found
    assert ("ours.yaml", "clocks.acknowledged-in-time.pausable", "a regulatory clock never pauses") in found
    assert (
        "ours.yaml",
        "checks.kept-informed.params.pausable",
        "this check's clock is regulatory under the pack: it never pauses",
    ) in found


def test_regulatory_clock_forces_pausable_false_when_unset(tmp_path):
    # response-in-time pauses by default; declared regulatory, it does not.
    child = write(
        tmp_path,
        "ours.yaml",
        "extends: fca-disp\nname: ours\nclocks:\n  response-in-time: {regulatory: true}\n",
    )
    assert params(load_policy(child), "response-in-time").pausable is False
    assert params(load_policy(PACKS_DIR / "fca-disp.yaml"), "response-in-time").pausable is True


def test_operational_clock_may_pause_when_the_pack_allows(tmp_path):
    child = write(
        tmp_path,
        "ours.yaml",
        "extends: fca-disp\nname: ours\nchecks:\n  acknowledged-in-time:\n    params: {pausable: true}\n",
    )
    assert params(load_policy(child), "acknowledged-in-time").pausable is True


def test_regulatory_clock_units_are_enforced(tmp_path):
    child = write(
        tmp_path,
        "ours.yaml",
        "extends: fca-disp\nname: ours\n"
        "checks:\n  regulatory-response:\n    params:\n"
        "      target: {default: 40 business days, by_category: {x: 30 days}}\n",
    )
    found = issues(child)
    assert ("ours.yaml", "checks.regulatory-response.params.target.by_category.x") in [f[:2] for f in found]
    assert any("'30 days': this regulatory clock is counted in weeks, business days" in f[2] for f in found)
    # 40 business days is an allowed unit (the payment complaints use it).
    assert not any(f[1].endswith("target.default") for f in found)


def test_error_in_a_parent_file_names_the_parent(tmp_path):
    write(tmp_path, "group.yaml", "extends: psd2\nname: group\ncalendar: {timezone: Europe/Dublinn}\n")
    child = write(tmp_path, "team.yaml", "extends: group.yaml\nname: team\nwarning_window: 2 fortnights\n")
    found = issues(child)
    assert ("group.yaml", "calendar.timezone") in [f[:2] for f in found]
    assert ("team.yaml", "warning_window") in [f[:2] for f in found]


def test_every_error_is_reported_at_once(tmp_path):
    child = write(
        tmp_path,
        "ours.yaml",
        "extends: housing-ombudsman\nname: ours\n"
        "checks:\n  stage2-response:\n    params: {target: 3 fortnights, start: sometime}\n"
        "  regulatory-response:\n    params: {pausable: true}\n"
        "provenance:\n  checks.nothing.here: {confidence: confirmed, source: me}\n",
    )
    keys = [f[1] for f in issues(child)]
    assert "checks.stage2-response.params.target.default" in keys
    assert "checks.stage2-response.params.start" in keys
    assert "checks.regulatory-response.params.pausable" in keys  # no such param: unknown key
    assert "provenance.checks.nothing.here" in keys


def test_unconfirmed_figures_are_exposed():
    cbi = load_policy(PACKS_DIR / "cbi-cpc.yaml")
    assert [f.key for f in cbi.unconfirmed] == [
        "checks.acknowledged-in-time.params.target",
        "checks.kept-informed.params.max_gap",
        "checks.regulatory-response.params.target.default",
        "checks.outcome-letter.params.target.default",
    ]
    assert cbi.unconfirmed[0].value == "5 business days"
    assert "UNCONFIRMED" in cbi.unconfirmed[0].label()
    cfpb = load_policy(PACKS_DIR / "cfpb.yaml")
    assert [f.key for f in cfpb.unconfirmed] == [  # the CFPB product and sub-product names
        "returns.cfpb.codes.product",
        "returns.cfpb.codes.sub_product",
    ]
    fca = load_policy(PACKS_DIR / "fca-disp.yaml")
    assert [f.key for f in fca.unconfirmed] == [
        "credit-related-grouping",
        "fca-return-products",
        "fca-return-causes",
        "fca-return-services",
        "fca-return-details",
    ]
    firm = [f.key for f in fca.provenance if f.confidence.value == "firm-target"]
    assert "checks.acknowledged-in-time.params.target" in firm


def test_policy_hash_covers_the_parents(tmp_path):
    child = write(tmp_path, "ours.yaml", "extends: psd2\nname: ours\n")
    other = write(tmp_path, "other.yaml", "extends: spso\nname: ours\n")
    assert load_policy(child).sha256 != load_policy(other).sha256
