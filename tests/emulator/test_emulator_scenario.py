"""Scenario files: the demo world, errors that name file, line and field, bulk generation, clock rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionsync.emulator import Clock, ScenarioError, World, load_scenario, parse_scenario
from regionsync.emulator.scenario import demo_scenario_path

GOOD = """\
[clock]
speed = 0
copy_seconds = 2.5

[[resource]]
name = "alpha"
region = "eastus"
keys = ["a1", "a2"]

[[resource.model]]
id = "invoice"
doc_types = ["invoice"]

[[resource]]
name = "beta"
region = "westus2"
"""


def test_the_demo_world_has_the_promised_mix() -> None:
    world = World.from_scenario(load_scenario(demo_scenario_path()))
    r = world.resources
    primary, secondary = r["contoso-di-eus"], r["contoso-di-wus2"]
    both = set(primary.models) & set(secondary.models)
    assert {"invoice", "tax-1099", "receipt"} <= both
    assert set(primary.models) - set(secondary.models) >= {"purchase-order", "w2-2023"}
    assert set(secondary.models) - set(primary.models) == {"old-payslips"}
    assert primary.models["receipt"].description != secondary.models["receipt"].description
    assert list(primary.classifiers) == ["mail-sorter"]
    legacy_p = {m.model_name for m in r["fabrikam-fr-weu"].legacy_models.values()}
    legacy_s = {m.model_name for m in r["fabrikam-fr-neu"].legacy_models.values()}
    assert legacy_p & legacy_s and legacy_p - legacy_s and legacy_s - legacy_p
    assert r["northwind-di-eus2"].encrypted and r["northwind-di-cus"].encrypted
    assert len({res.region for res in r.values()}) == 8  # DI in six, CU in westus + swedencentral


def test_a_good_scenario_and_its_clock() -> None:
    scenario = parse_scenario(GOOD, source="good.toml")
    world = World.from_scenario(scenario)
    assert world.clock.speed == 0
    assert world.copy_seconds == 2.5
    assert world.resources["alpha"].keys == ["a1", "a2"]
    assert len(world.resources["beta"].keys) == 2
    assert world.resources["beta"].keys[0] != world.resources["beta"].keys[1]
    own = Clock(speed=3.0)
    with_own = World.from_scenario(scenario, clock=own)
    assert with_own.clock is own
    assert with_own.copy_seconds == 2.5


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (
            GOOD.replace('doc_types = ["invoice"]', 'doc_types = "invoice"'),
            12,
            "resource[0].model[0].doc_types",
            "valid list",
        ),
        (
            GOOD.replace('region = "westus2"', 'region = "westus2"\nsize = 3'),
            17,
            "resource[1].size",
            "Extra inputs",
        ),
        (GOOD.replace('name = "beta"', 'name = "alpha"'), 15, "resource[1].name", "appears twice"),
        (GOOD.replace("copy_seconds = 2.5", "copy_seconds = -1"), 3, "clock.copy_seconds", "greater than 0"),
        (GOOD.replace('id = "invoice"', 'id = "-x"'), 11, "resource[0].model[0].id", "pattern"),
        (
            GOOD + '\n[[fault]]\nkind = "throttle"\nshare = 0.5\nregion = "mars"\n',
            21,
            "fault[0].region",
            "mars",
        ),
        (GOOD + '\n[[fault]]\nkind = "throttle"\nshare = 7\n', 20, "fault[0].share", "less than or equal"),
    ],
)
def test_errors_name_the_file_line_and_field(text: str, line: int, field: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, source="world.toml")
    message = str(caught.value)
    assert message.startswith(f"world.toml:{line}: {field}: ")
    assert words in message
    assert (caught.value.line, caught.value.field) == (line, field)


def test_toml_syntax_errors_name_the_line() -> None:
    with pytest.raises(ScenarioError, match=r"^broken.toml:3: TOML syntax error"):
        parse_scenario("[clock]\nspeed = 1\nthis is not toml\n", source="broken.toml")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError, match=r"nope\.toml"):
        load_scenario(missing)


def test_bulk_generation_and_faults_from_the_file() -> None:
    text = GOOD + (
        '\n[[resource.generate]]\ncount = 5000\nprefix = "bulk-"\n'
        '\n[[resource.generate]]\ncount = 30\nkind = "legacy_model"\nprefix = "old-"\n'
        '\n[[fault]]\nkind = "outage"\nregion = "westus2"\n'
        '\n[[fault]]\nkind = "copy-failure"\nresource = "alpha"\nat_percent = 40\n'
    )
    world = World.from_scenario(parse_scenario(text))
    beta = world.resources["beta"]
    assert len(beta.models) == 5000
    assert "bulk-0001" in beta.models and "bulk-5000" in beta.models
    assert len(beta.legacy_models) == 30
    assert world.faults.is_down("westus2")
    assert world.faults.copy_failures[0].at_percent == 40
