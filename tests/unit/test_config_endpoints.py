"""Endpoints that would leak a secret are refused: a user name or password in the URL (never repeated in
the message), and plain http:// off this machine unless the profile accepts it. The profiles file is
written through a symlink to its target, atomically, keeping the target's mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from regionsync.config import (
    Config,
    ConfigError,
    Profile,
    ServiceProfile,
    SideConfig,
    is_loopback_host,
    load_config,
    save_config,
)

RID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/"
PASSWORD = "s3cretpw"


def config_text(primary: str, *, extra: str = "") -> str:
    return "\n".join(
        [
            'default_profile = "contoso"',
            "[profiles.contoso]",
            *([extra] if extra else []),
            "[profiles.contoso.document-intelligence]",
            'api_version = "2024-11-30"',
            f'primary   = {{ endpoint = "{primary}", region = "eastus", resource_id = "{RID}eus" }}',
            'secondary = { endpoint = "https://contoso-wus.cognitiveservices.azure.com", region = "westus2", '
            f'resource_id = "{RID}wus" }}',
            "",
        ]
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "endpoint",
    [
        f"http://alice:{PASSWORD}@contoso-eus.example.com/di",
        f"https://alice:{PASSWORD}@contoso-eus.cognitiveservices.azure.com",
        f"https://:{PASSWORD}@127.0.0.1:8080",
        f"https://{PASSWORD}@contoso-eus.cognitiveservices.azure.com",
    ],
)
def test_userinfo_in_an_endpoint_is_refused_and_never_repeated(tmp_path: Path, endpoint: str) -> None:
    path = write(tmp_path, config_text(endpoint))
    before = path.read_bytes()
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert error.line == 5  # the primary's line
    assert error.field_path == "profiles.contoso.document-intelligence.primary.endpoint"
    assert "must not hold a user name or password" in error.what
    for text in (error.explain(), str(error), repr(error.details)):
        assert PASSWORD not in text and "alice" not in text
    assert path.read_bytes() == before


def test_side_config_refuses_userinfo_without_quoting_it() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        SideConfig(endpoint=f"https://bob:{PASSWORD}@h.example.com", region="eastus", resource_id=RID + "x")
    messages = [e["msg"] for e in caught.value.errors(include_url=False)]
    assert all(PASSWORD not in m for m in messages)


def test_http_off_this_machine_is_refused_when_the_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, config_text("http://contoso-eus.example.com"))
    before = path.read_bytes()
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert error.line == 5  # the primary's line
    assert "http:// to contoso-eus.example.com would send the key in clear text" in error.what
    assert "allow_insecure_http = true` under [profiles.contoso]" in error.what
    assert path.read_bytes() == before


def test_http_off_this_machine_is_allowed_when_the_profile_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, config_text("http://contoso-eus.example.com", extra="allow_insecure_http = true"))
    config = load_config(path)
    assert config.profiles["contoso"].allow_insecure_http is True
    save_config(config, tmp_path / "again.toml")
    assert load_config(tmp_path / "again.toml") == config


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:47001/contoso-eus",
        "http://localhost:8080",
        "http://[::1]:9000/x",
        "http://127.8.9.10",
        "http://emulator.localhost:5000",
    ],
)
def test_http_on_this_machine_needs_nothing(tmp_path: Path, endpoint: str) -> None:
    assert load_config(write(tmp_path, config_text(endpoint))).profiles["contoso"]


def test_loopback_hosts() -> None:
    assert is_loopback_host("127.0.0.1") and is_loopback_host("::1") and is_loopback_host("LOCALHOST")
    assert not is_loopback_host("10.0.0.1") and not is_loopback_host("localhost.example.com")
    assert not is_loopback_host("contoso.cognitiveservices.azure.com")


def insecure_config() -> Config:
    side = SideConfig(endpoint="http://contoso.example.com", region="eastus", resource_id=RID + "x")
    profile = Profile(document_intelligence=ServiceProfile(primary=side))
    return Config(default_profile="p", profiles={"p": profile})


def test_an_insecure_config_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir()
    path.write_text("# mine\n")
    with pytest.raises(ConfigError) as caught:
        save_config(insecure_config(), path)
    assert "--allow-insecure-http" in caught.value.todo
    assert path.read_text() == "# mine\n"
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]


def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link_and_mode(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "regionsync.toml"
    target.write_text(config_text("https://contoso-eus.cognitiveservices.azure.com"))
    os.chmod(target, 0o640)
    link_dir = tmp_path / "config"
    link_dir.mkdir()
    link = link_dir / "config.toml"
    link.symlink_to(Path("..") / "dotfiles" / "regionsync.toml")
    config = load_config(link)
    changed = config.model_copy(update={"default_profile": None})
    save_config(changed, link)
    assert link.is_symlink() and os.readlink(link) == str(Path("..") / "dotfiles" / "regionsync.toml")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert "default_profile" not in target.read_text()
    assert load_config(link) == changed
    assert [p.name for p in link_dir.iterdir()] == ["config.toml"]
    assert sorted(p.name for p in dotfiles.iterdir()) == ["regionsync.toml"], "no temp file left behind"


def test_saving_through_a_dangling_symlink_creates_the_target_0600(tmp_path: Path) -> None:
    link = tmp_path / "config.toml"
    link.symlink_to(tmp_path / "elsewhere.toml")
    save_config(Config(), link)
    assert link.is_symlink()
    assert stat.S_IMODE((tmp_path / "elsewhere.toml").stat().st_mode) == 0o600
