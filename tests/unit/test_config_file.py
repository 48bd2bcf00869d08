"""The profiles file: strict models, the API-version table, round trips, 0600, errors with file/line/field."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from regionsync.config import (
    DEFAULT_API_VERSIONS,
    SERVICE_API_VERSIONS,
    Config,
    ConfigError,
    config_path,
    load_config,
    locate_line,
    render_toml,
    save_config,
    select_profile,
    service_pairs,
)
from regionsync.domain import Service, Side
from regionsync.errors import RegionSyncError

RID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/"
EXAMPLE = "\n".join(
    [
        'default_profile = "contoso"',
        "[profiles.contoso.document-intelligence]",
        'api_version = "2024-11-30"',
        'primary   = { endpoint = "https://contoso-di-eus.cognitiveservices.azure.com", region = "eastus", '
        f'resource_id = "{RID}contoso-di-eus", key = "keyring" }}',
        'secondary = { endpoint = "https://contoso-di-wus.cognitiveservices.azure.com", region = "westus2", '
        f'resource_id = "{RID}contoso-di-wus", key = "env:CONTOSO_DI_WUS_KEY" }}',
        "",
    ]
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_example_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXAMPLE))
    name, profile = select_profile(config)
    assert name == "contoso"
    service, di = profile.service()
    assert service is Service.DOCUMENT_INTELLIGENCE
    assert di.api_version == "2024-11-30"
    assert di.side(Side.SECONDARY).key == "env:CONTOSO_DI_WUS_KEY"
    assert di.side(Side.PRIMARY).region == "eastus"
    assert [s for s, _ in service_pairs(profile)] == [Service.DOCUMENT_INTELLIGENCE]


def test_round_trip_keeps_everything_and_writes_0600(tmp_path: Path) -> None:
    original = load_config(write(tmp_path, EXAMPLE))
    target = tmp_path / "new" / "config.toml"
    save_config(original, target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    again = load_config(target)
    assert again == original
    assert tomllib.loads(target.read_text())["profiles"]["contoso"]["document-intelligence"]["primary"][
        "region"
    ] == ("eastus")
    assert not [p for p in target.parent.iterdir() if p.name != "config.toml"], "no temp file left behind"


def test_missing_api_version_means_the_newest(tmp_path: Path) -> None:
    text = EXAMPLE.replace('api_version = "2024-11-30"\n', "")
    _, profile = select_profile(load_config(write(tmp_path, text)))
    assert (
        profile.service(Service.DOCUMENT_INTELLIGENCE)[1].api_version
        == DEFAULT_API_VERSIONS[Service.DOCUMENT_INTELLIGENCE]
        == "2024-11-30"
    )


@pytest.mark.parametrize(
    ("service", "version"),
    [(s, v) for s, versions in SERVICE_API_VERSIONS.items() for v in versions],
)
def test_every_version_of_the_table_is_accepted(tmp_path: Path, service: Service, version: str) -> None:
    text = EXAMPLE.replace("document-intelligence", service.value).replace("2024-11-30", version)
    _, profile = select_profile(load_config(write(tmp_path, text)))
    assert profile.service(service)[1].api_version == version


@pytest.mark.parametrize(
    ("edit", "line", "field", "words"),
    [
        (
            ('api_version = "2024-11-30"', 'api_version = "2019-01-01"'),
            3,
            "profiles.contoso.document-intelligence.api_version",
            "2.1, 2022-08-31",
        ),
        (
            ('region = "eastus"', 'region = "East US"'),
            4,
            "profiles.contoso.document-intelligence.primary.region",
            "eastus",
        ),
        (
            ('key = "keyring"', 'key = "hunter2"'),
            4,
            "profiles.contoso.document-intelligence.primary.key",
            "env:",
        ),
        (
            ('region = "westus2", ', 'regoin = "westus2", '),
            5,
            "profiles.contoso.document-intelligence.secondary",
            "region",
        ),
        (
            ("[profiles.contoso.document-intelligence]", "[profiles.contoso.document-intel]"),
            2,
            "profiles.contoso.document-intel",
            "unknown field",
        ),
        (
            ('api_version = "2024-11-30"', 'api_version = "2024-11-30"\ncolour = "blue"'),
            4,
            "profiles.contoso.document-intelligence.colour",
            "unknown field",
        ),
    ],
)
def test_invalid_file_names_file_line_and_field(
    tmp_path: Path, edit: tuple[str, str], line: int, field: str, words: str
) -> None:
    text = EXAMPLE.replace(*edit)
    assert text != EXAMPLE
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert error.path == str(path)
    assert error.line == line
    assert error.field_path.startswith(field)
    assert str(path) in error.what and f"line {line}" in error.what
    assert words in error.explain()
    assert path.read_text() == text, "a broken file is never rewritten"


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = EXAMPLE.replace('api_version = "2024-11-30"', "api_version = 2024-11-30-oops")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 3
    assert "not valid TOML" in info.value.what


def test_absent_file_is_an_empty_config(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == Config()
    with pytest.raises(ConfigError):
        load_config(tmp_path / "none.toml", missing_ok=False)


def test_select_profile_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = EXAMPLE + EXAMPLE.split("\n", 1)[1].replace("contoso", "fabrikam")
    config = load_config(write(tmp_path, text))
    assert select_profile(config)[0] == "contoso"
    monkeypatch.setenv("REGIONSYNC_PROFILE", "fabrikam")
    assert select_profile(config)[0] == "fabrikam"
    assert select_profile(config, "contoso")[0] == "contoso"
    with pytest.raises(RegionSyncError) as info:
        select_profile(config, "nope")
    assert "contoso, fabrikam" in info.value.todo


def test_no_profile_says_how_to_add_one() -> None:
    with pytest.raises(RegionSyncError) as info:
        select_profile(Config())
    assert "regionsync profile add" in info.value.todo and "make demo" in info.value.todo


def test_config_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_path().name == "config.toml" and config_path().parent.name == "regionsync"
    monkeypatch.setenv("REGIONSYNC_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == tmp_path / "env.toml"
    assert config_path(tmp_path / "flag.toml") == tmp_path / "flag.toml"


def test_toml_writer_quotes_what_needs_quoting() -> None:
    data = {
        "a": 'say "hi"\\ \n\t\x7f é',
        "t": {"inner key": {"x": 1, "flag": True, "f": 1.5, "l": ["a", 2]}, "empty": {}},
    }
    assert tomllib.loads(render_toml(data)) == data


def test_profile_add_keeps_the_users_comments_and_order(tmp_path: Path) -> None:
    commented = "# our pair — ask ops before changing\n" + EXAMPLE.replace(
        'api_version = "2024-11-30"', 'api_version = "2024-11-30"  # pinned for the quota API'
    )
    path = write(tmp_path, commented)
    config = load_config(path)
    profile = config.profiles["contoso"]
    save_config(config.model_copy(update={"profiles": {**config.profiles, "fabrikam": profile}}), path)
    text = path.read_text()
    assert text.startswith("# our pair — ask ops before changing\n")
    assert "# pinned for the quota API" in text
    assert text.index("[profiles.contoso") < text.index("[profiles.fabrikam")
    assert set(load_config(path).profiles) == {"contoso", "fabrikam"}


def test_locate_line_prefers_the_deepest_match() -> None:
    text = EXAMPLE
    assert locate_line(text, ("default_profile",)) == 1
    assert locate_line(text, ("profiles", "contoso", "document-intelligence")) == 2
    assert locate_line(text, ("profiles", "contoso", "document-intelligence", "secondary", "key")) == 5


def test_a_key_pasted_into_the_file_is_never_echoed(tmp_path: Path) -> None:
    secret = "4f1d8e2a9b7c6d5e4f3a2b1c0d9e8f7a"
    path = write(tmp_path, EXAMPLE.replace('key = "keyring"', f'key = "{secret}"'))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 4 and info.value.field_path.endswith("primary.key")
    assert secret not in info.value.explain() and secret not in repr(info.value)
