"""`regionsync profile add | list | show | remove`: keys go to the keyring, never the file or screen."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from regionsync.cli.probe import probe
from regionsync.cli.profile import profile_app
from regionsync.config import load_config
from regionsync.credentials import resolve_credential
from regionsync.domain import Service, Side

RID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/"
KEY_P = "11111111111111111111111111111111"
KEY_S = "22222222222222222222222222222222"

app = typer.Typer()
app.add_typer(profile_app, name="profile")
app.command("probe")(probe)
runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "cfg" / "config.toml"


def add_primary(config: Path, name: str = "contoso") -> None:
    result = runner.invoke(
        app,
        [
            "profile",
            "add",
            name,
            "--side",
            "primary",
            "--endpoint",
            "https://contoso-eus.example.com/",
            "--region",
            "eastus",
            "--resource-id",
            RID + "contoso-eus",
            "--key-stdin",
            "--config",
            str(config),
        ],
        input=KEY_P + "\n",
    )
    assert result.exit_code == 0, result.output


def test_add_with_flags_stores_the_key_in_the_keyring_and_not_in_the_file(config: Path) -> None:
    add_primary(config)
    text = config.read_text()
    assert KEY_P not in text
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    cfg = load_config(config)
    assert cfg.default_profile == "contoso"
    di = cfg.profiles["contoso"].service(Service.DOCUMENT_INTELLIGENCE)[1]
    assert di.api_version == "2024-11-30"
    assert di.side(Side.PRIMARY).endpoint == "https://contoso-eus.example.com"
    assert di.secondary is None
    credential = resolve_credential(
        "keyring", profile="contoso", service=Service.DOCUMENT_INTELLIGENCE, side=Side.PRIMARY
    )
    assert credential.secrets() == [KEY_P]


def test_interactive_add_asks_for_each_field_with_the_key_hidden(config: Path) -> None:
    answers = [
        "https://fab-eus.example.com",
        "eastus",
        RID + "fab-eus",
        "",
        KEY_P,
        "https://fab-wus.example.com",
        "westus2",
        RID + "fab-wus",
        "env:FAB_WUS_KEY",
    ]
    result = runner.invoke(
        app,
        ["profile", "add", "fabrikam", "--api-version", "2.1", "--config", str(config)],
        input="\n".join(answers) + "\n",
    )
    assert result.exit_code == 0, result.output
    assert KEY_P not in result.output, "the key is typed hidden"
    di = load_config(config).profiles["fabrikam"].service()[1]
    assert di.api_version == "2.1"
    assert di.side(Side.PRIMARY).key == "keyring"
    assert di.side(Side.SECONDARY).key == "env:FAB_WUS_KEY"
    assert "No key for the secondary yet ($FAB_WUS_KEY)" in result.stderr


def test_show_tells_where_keys_come_from_but_never_the_key(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_primary(config)
    result = runner.invoke(
        app,
        [
            "profile",
            "add",
            "contoso",
            "--side",
            "secondary",
            "--endpoint",
            "https://contoso-wus.example.com",
            "--region",
            "westus2",
            "--resource-id",
            RID + "contoso-wus",
            "--key-source",
            "env:CONTOSO_WUS_KEY",
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("CONTOSO_WUS_KEY", KEY_S)
    shown = runner.invoke(app, ["profile", "show", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert KEY_P not in shown.output and KEY_S not in shown.output
    assert "contoso/document-intelligence/primary — found" in shown.output
    assert "$CONTOSO_WUS_KEY — found" in shown.output
    as_json = json.loads(
        runner.invoke(app, ["profile", "show", "contoso", "--json", "--config", str(config)]).stdout
    )
    sides = as_json["services"]["document-intelligence"]
    assert (
        sides["primary"]["key"]["found"] is True
        and sides["secondary"]["key"]["source"] == "env:CONTOSO_WUS_KEY"
    )
    assert KEY_P not in json.dumps(as_json) and KEY_S not in json.dumps(as_json)


def test_list_names_profiles_and_the_default(config: Path) -> None:
    add_primary(config, "contoso")
    add_primary(config, "fabrikam")
    listed = json.loads(runner.invoke(app, ["profile", "list", "--json", "--config", str(config)]).stdout)
    assert [(r["profile"], r["default"]) for r in listed["profiles"]] == [
        ("contoso", True),
        ("fabrikam", False),
    ]
    table = runner.invoke(app, ["profile", "list", "--config", str(config)])
    assert "contoso (default)" in table.stdout


def test_a_malformed_file_is_reported_and_never_overwritten(config: Path) -> None:
    config.parent.mkdir(parents=True)
    broken = 'default_profile = "x"\n[profiles.x.document-intelligence]\napi_version = "1999-01-01"\n'
    config.write_text(broken)
    result = runner.invoke(
        app,
        [
            "profile",
            "add",
            "x",
            "--side",
            "primary",
            "--endpoint",
            "https://x.example.com",
            "--region",
            "eastus",
            "--resource-id",
            RID + "x",
            "--key-stdin",
            "--config",
            str(config),
        ],
        input=KEY_P + "\n",
    )
    assert result.exit_code == 2
    assert str(config) in result.stderr and "line 3" in result.stderr and "api_version" in result.stderr
    assert config.read_text() == broken


def test_bad_values_are_refused_before_anything_is_written(config: Path) -> None:
    result = runner.invoke(
        app,
        [
            "profile",
            "add",
            "x",
            "--side",
            "primary",
            "--endpoint",
            "ftp://x",
            "--region",
            "eastus",
            "--resource-id",
            RID + "x",
            "--key-stdin",
            "--config",
            str(config),
        ],
        input=KEY_P + "\n",
    )
    assert result.exit_code == 2
    assert "endpoint" in result.output
    assert not config.exists()


def test_remove_drops_the_profile_and_its_keys(config: Path) -> None:
    add_primary(config, "contoso")
    add_primary(config, "fabrikam")
    result = runner.invoke(app, ["profile", "remove", "contoso", "--yes", "--config", str(config)])
    assert result.exit_code == 0, result.output
    cfg = load_config(config)
    assert list(cfg.profiles) == ["fabrikam"] and cfg.default_profile == "fabrikam"
    from regionsync.errors import RegionSyncError

    with pytest.raises(RegionSyncError):
        resolve_credential(
            "keyring", profile="contoso", service=Service.DOCUMENT_INTELLIGENCE, side=Side.PRIMARY
        )
    assert resolve_credential(
        "keyring", profile="fabrikam", service=Service.DOCUMENT_INTELLIGENCE, side=Side.PRIMARY
    ).secrets() == [KEY_P]


def test_probe_without_any_profile_says_how_to_add_one(config: Path) -> None:
    result = runner.invoke(app, ["probe", "--config", str(config)])
    assert result.exit_code == 2
    assert "regionsync profile add" in result.stderr and "make demo" in result.stderr
