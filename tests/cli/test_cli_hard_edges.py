"""Hard edges, as a user meets them in `regionsync …` subprocesses: a journal that is not a database,
truncated or damaged; a data directory that is a file; an endpoint with a password in it or plain http://
across the network; a symlinked profiles file; a service that loops its nextLink. Each one: a clear
message (what, why, what to do), exit code 2, and nothing changed on disk."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from cli_support import Cli, isolated_cli
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from regionsync.sync.journal import Journal
from regionsync.sync.journal_health import WHAT_IS_LOST

RID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/"
PASSWORD = "s3cretpw"
KEY = "key-0123456789abcdef0123"


def profile_text(primary: str, secondary: str, *, extra: str = "") -> str:
    return "\n".join(
        [
            'default_profile = "contoso"',
            "[profiles.contoso]",
            *([extra] if extra else []),
            "[profiles.contoso.document-intelligence]",
            'api_version = "2024-11-30"',
            f'primary = {{ endpoint = "{primary}", region = "eastus", resource_id = "{RID}eus", '
            'key = "env:RS_KEY" }',
            f'secondary = {{ endpoint = "{secondary}", region = "westus2", resource_id = "{RID}wus", '
            'key = "env:RS_KEY" }',
            "",
        ]
    )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    runner = isolated_cli(tmp_path)
    runner.env["RS_KEY"] = KEY
    runner.config.write_text(profile_text("http://127.0.0.1:9/eus", "http://127.0.0.1:9/wus"))
    return runner


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` and its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


def damaged_journal(cli: Cli, how: str) -> bytes:
    cli.journal.parent.mkdir(parents=True)
    if how == "not-a-database":
        cli.journal.write_bytes(b"<html><body>502 Bad Gateway</body></html>\n" * 200)
        return cli.journal.read_bytes()
    journal = Journal(cli.journal)
    journal.close()
    import sqlite3

    with sqlite3.connect(cli.journal) as db:
        db.execute("CREATE TABLE padding (blob TEXT)")
        db.executemany("INSERT INTO padding VALUES (?)", [(os.urandom(300).hex(),) for _ in range(300)])
    db.close()
    Journal(cli.journal).close()
    whole = bytearray(cli.journal.read_bytes())
    if how == "truncated":
        whole = whole[: len(whole) // 2]
    else:  # fails quick_check
        whole[20 * 4096 : 20 * 4096 + 64] = b"\xff" * 64
    for side in cli.journal.parent.iterdir():
        if side != cli.journal:
            side.unlink()
    cli.journal.write_bytes(bytes(whole))
    return bytes(whole)


# ---------------------------------------------------------------------------------------------- journal


@pytest.mark.parametrize(
    ("how", "words"),
    [
        ("not-a-database", "is not an SQLite database"),
        ("truncated", "is truncated ("),
        ("damaged", "is damaged ("),
    ],
)
@pytest.mark.parametrize("command", [("jobs", "list"), ("status", "--json"), ("jobs", "show", "x")])
def test_a_bad_journal_is_named_exit_2_and_left_alone(
    cli: Cli, how: str, words: str, command: tuple[str, ...]
) -> None:
    damaged_journal(cli, how)
    before = snapshot(cli.home)
    result = cli.run(*command)
    assert result.returncode == 2, result.stderr
    assert f"The journal {cli.journal} {words}" in result.stderr
    assert "Traceback" not in result.stderr and "DatabaseError" not in result.stderr
    assert "regionsync journal check" in result.stderr
    assert (
        snapshot(cli.home)[str(cli.journal.relative_to(cli.home))]
        == before[str(cli.journal.relative_to(cli.home))]
    )
    assert cli.journal.exists()


@pytest.mark.parametrize("how", ["not-a-database", "truncated", "damaged"])
def test_journal_check_says_what_is_wrong_and_how_to_set_it_aside(cli: Cli, how: str) -> None:
    before = damaged_journal(cli, how)
    result = cli.run("journal", "check")
    assert result.returncode == 2
    text = " ".join(result.stderr.split())  # rich wraps long lines
    assert f"The journal {cli.journal}" in text
    assert f"mv {cli.journal} {cli.journal}.broken" in text
    assert " ".join(WHAT_IS_LOST.split()) in text
    assert "v2.1 models are then paired by name" in text
    assert "Close the dashboard" in text
    assert cli.journal.read_bytes() == before
    as_json = cli.run("journal", "check", "--json")
    assert as_json.returncode == 2
    data = json.loads(as_json.stdout)
    assert data["ok"] is False and data["path"] == str(cli.journal)
    assert data["problem"]["code"].startswith("Journal") and "mv " in data["problem"]["todo"]
    assert cli.journal.read_bytes() == before


def test_journal_check_on_a_sound_journal_and_on_none(cli: Cli) -> None:
    result = cli.run("journal", "check")
    assert result.returncode == 0 and "No journal yet" in result.stderr
    assert not cli.journal.parent.exists(), "checking creates nothing"
    Journal(cli.journal).close()
    before = cli.journal.read_bytes()
    result = cli.run("journal", "check", "--quick")
    assert result.returncode == 0, result.stderr
    assert "is sound: PRAGMA quick_check found nothing wrong" in " ".join(result.stderr.split())
    assert cli.journal.read_bytes() == before


def test_a_data_dir_that_is_a_file_is_said_so(cli: Cli) -> None:
    data = cli.home / "data"
    data.write_text("I am a file\n")
    for command in (("jobs", "list"), ("status",), ("journal", "check")):
        result = cli.run(*command)
        assert result.returncode == 2, command
        assert f"The data directory {data} is a file, not a directory" in result.stderr
        assert "REGIONSYNC_DATA_DIR" in result.stderr and "Traceback" not in result.stderr
    assert data.read_text() == "I am a file\n"


# -------------------------------------------------------------------------------------------- endpoints


@pytest.mark.parametrize(
    "command", [("status", "--json"), ("profile", "show"), ("profile", "show", "--json")]
)
def test_a_password_in_an_endpoint_is_refused_and_never_echoed(cli: Cli, command: tuple[str, ...]) -> None:
    cli.config.write_text(profile_text(f"http://alice:{PASSWORD}@127.0.0.1:9/eus", "http://127.0.0.1:9/wus"))
    before = snapshot(cli.home)
    result = cli.run(*command)
    assert result.returncode == 2
    assert "must not hold a user name or password" in result.stderr
    assert f"{cli.config}, line 5" in result.stderr  # the primary's line
    assert PASSWORD not in result.stdout + result.stderr
    assert "alice" not in result.stdout + result.stderr
    assert snapshot(cli.home) == before


def add_side(cli: Cli, endpoint: str, *extra: str) -> object:
    return cli.run(
        "profile",
        "add",
        "contoso",
        "--side",
        "primary",
        "--endpoint",
        endpoint,
        "--region",
        "eastus",
        "--resource-id",
        RID + "eus",
        "--key-stdin",
        *extra,
        input="a-key-typed-on-stdin-0000\n",
    )


def test_profile_add_refuses_a_password_in_the_endpoint(cli: Cli) -> None:
    before = snapshot(cli.home)
    result = add_side(cli, f"https://alice:{PASSWORD}@contoso-eus.cognitiveservices.azure.com")
    assert result.returncode == 2  # type: ignore[attr-defined]
    out = result.stdout + result.stderr  # type: ignore[attr-defined]
    assert "must not hold a user name or password" in out and PASSWORD not in out
    assert snapshot(cli.home) == before, "nothing written: no file, no key"


def test_profile_add_refuses_plain_http_across_the_network_and_says_why(cli: Cli) -> None:
    before = snapshot(cli.home)
    result = add_side(cli, "http://contoso-eus.example.com")
    assert result.returncode == 2  # type: ignore[attr-defined]
    text = " ".join(result.stderr.split())  # type: ignore[attr-defined]
    assert "http:// to contoso-eus.example.com would send the key in clear text" in text
    assert "--allow-insecure-http" in text and "nothing was written" in text
    assert snapshot(cli.home) == before, "nothing written: no file, no key"

    accepted = add_side(cli, "http://contoso-eus.example.com", "--allow-insecure-http")
    assert accepted.returncode == 0, accepted.stderr  # type: ignore[attr-defined]
    assert "allow_insecure_http = true" in cli.config.read_text()
    shown = cli.run("profile", "show")
    assert shown.returncode == 0 and "clear text" in shown.stdout


def test_reading_a_profile_with_plain_http_across_the_network_is_refused(cli: Cli) -> None:
    cli.config.write_text(profile_text("http://127.0.0.1:9/eus", "http://contoso-wus.example.com"))
    before = snapshot(cli.home)
    result = cli.run("status")
    assert result.returncode == 2
    text = " ".join(result.stderr.split())
    assert "line 6" in text and "would send the key in clear text" in text
    assert "allow_insecure_http = true` under [profiles.contoso]" in text
    assert snapshot(cli.home) == before


def test_profile_add_writes_through_a_symlink_keeping_link_and_mode(cli: Cli, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "regionsync.toml"
    target.write_text(cli.config.read_text())
    os.chmod(target, 0o644)
    cli.config.unlink()
    cli.config.symlink_to(target)
    result = add_side(cli, "https://contoso-eus.cognitiveservices.azure.com")
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    assert cli.config.is_symlink() and cli.config.resolve() == target
    assert "contoso-eus.cognitiveservices.azure.com" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in dotfiles.iterdir()) == ["regionsync.toml"]


# --------------------------------------------------------------------------------------------- answers


def looping_service() -> Starlette:
    """The primary answers empty listings; the secondary's nextLink changes on every page."""

    async def answer(request: Request) -> Response:
        path = request.url.path
        if path.endswith("/info"):
            return JSONResponse({"customDocumentModels": {"count": 0, "limit": 500}})
        if path.startswith("/wus/"):
            page = int(request.query_params.get("page", "0"))
            link = str(request.url.replace_query_params(page=page + 1))
            return JSONResponse({"value": [], "nextLink": link})
        return JSONResponse({"value": []})

    return Starlette(routes=[Route("/{path:path}", answer)])


@pytest.fixture
def looping_origin() -> Iterator[str]:
    """The looping service on a real loopback socket (uvicorn in a thread), for the CLI subprocess."""
    server = uvicorn.Server(uvicorn.Config(looping_service(), host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_a_looping_nextlink_stops_at_the_page_budget(cli: Cli, looping_origin: str) -> None:
    cli.config.write_text(profile_text(f"{looping_origin}/eus", f"{looping_origin}/wus"))
    cli.env["REGIONSYNC_MAX_PAGES"] = "7"
    before = snapshot(cli.home)
    result = cli.run("status", "--json", timeout=60)
    assert result.returncode == 2, result.stderr
    [service] = json.loads(result.stdout)["services"]
    assert (
        "returned more than 7 pages for one listing — the service may be looping"
        in (service["errors"]["secondary"])
    )
    assert "primary" not in service["errors"]
    assert snapshot(cli.home).keys() - before.keys() <= {"data/journal.sqlite3"}


def test_a_bad_limit_setting_is_explained(cli: Cli, looping_origin: str) -> None:
    cli.config.write_text(profile_text(f"{looping_origin}/eus", f"{looping_origin}/wus"))
    cli.env["REGIONSYNC_MAX_BODY"] = "lots"
    result = cli.run("status")
    assert result.returncode == 2
    assert "REGIONSYNC_MAX_BODY is set to 'lots', which is not a size in bytes" in result.stderr
