"""`regionsync status / plan / sync / copy / jobs` end to end: subprocesses against `regionsync emulator`
on real loopback sockets. Exit codes follow diff; data on stdout, diagnostics on stderr."""

from __future__ import annotations

import json

from cli_support import PRIMARY, SECONDARY, Cli, Emulator


def test_status_is_a_diff_with_exit_code_1_then_0_after_sync(cli: Cli, emulator: Emulator) -> None:
    result = cli.run("status")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "→ missing" in out and "← extra" in out
    assert "invoice" in out and "old-forms" in out
    assert "failover readiness 0/2" in result.stderr  # in a pipe the heading goes to stderr

    synced = cli.run("sync", "--yes")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "2 copied, 0 failed, 0 refused." in synced.stdout
    assert emulator.asset_names(SECONDARY) == ["invoice", "old-forms", "receipt"]
    # In a pipe: a plain line per finished job on stderr, one line per job on stdout (no table).
    ended = sorted(line for line in synced.stderr.splitlines() if line.endswith(" copied"))
    assert ended == ["═ invoice copied", "═ receipt copied"], synced.stderr
    jobs = [line.split() for line in synced.stdout.splitlines() if " succeeded model " in line]
    assert sorted(words[3] for words in jobs) == ["invoice", "receipt"], synced.stdout
    assert not any(box in synced.stdout for box in "┃│┏━"), synced.stdout

    again = cli.run("status", "--json")
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    [service] = data["services"]
    statuses = {a["name"]: a["status"] for a in service["assets"]}
    assert statuses == {"invoice": "in sync", "receipt": "in sync", "old-forms": "extra"}
    assert service["readiness"] == {
        "servable": 2,
        "total": 2,
        "unknown": 0,
        "oldest_gap": None,
        "basis": "live",
        "primary_seen_at": None,
        "secondary_seen_at": None,
    }
    assert data["exit_code"] == 0


def test_dry_run_and_plan_change_nothing(cli: Cli, emulator: Emulator) -> None:
    plan = cli.run("plan", "--json")
    assert plan.returncode == 1
    [p] = json.loads(plan.stdout)["plans"]
    assert sorted(c["name"] for c in p["copies"]) == ["invoice", "receipt"]
    assert p["quota"] == {"count": 1, "limit": 250}
    dry = cli.run("sync", "--dry-run")
    assert dry.returncode == 1 and "2 to copy" in dry.stderr  # plain: the heading on stderr
    assert dry.stdout.count("copy model ") == 2
    assert emulator.asset_names(SECONDARY) == ["old-forms"]
    assert not cli.journal.exists() or json.loads(cli.run("jobs", "list", "--json").stdout)["jobs"] == []


def test_sync_refuses_without_confirmation_when_not_a_terminal(cli: Cli, emulator: Emulator) -> None:
    result = cli.run("sync")
    assert result.returncode == 1
    assert "pass --yes" in result.stderr and "Nothing was changed." in result.stderr
    assert emulator.asset_names(SECONDARY) == ["old-forms"]


def test_sync_json_emits_one_event_per_line(cli: Cli, emulator: Emulator) -> None:
    result = cli.run("sync", "--yes", "--json", "--concurrency", "2")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["event"] == "plan" and events[-1]["event"] == "summary"
    assert events[-1]["succeeded"] == 2
    progress = [e for e in events if e["event"] == "progress"]
    assert {e["asset_name"] for e in progress} == {"invoice", "receipt"}
    assert {"authorize", "copy", "verify", "done"} <= {e["step"] for e in progress}
    job_id = events[-1]["jobs"][0]["id"]
    shown = json.loads(cli.run("jobs", "show", job_id, "--json").stdout)
    assert shown["state"] == "succeeded" and [s["name"] for s in shown["steps"]][:2] == ["authorize", "copy"]
    listed = json.loads(cli.run("jobs", "list", "--json").stdout)["jobs"]
    assert len(listed) == 2


def test_copy_one_model_under_a_new_id_and_unknown_ids(cli: Cli, emulator: Emulator) -> None:
    result = cli.run("copy", "invoice", "--as", "invoice-2024", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert emulator.asset_names(SECONDARY) == ["invoice-2024", "old-forms"]
    missing = cli.run("copy", "no-such-model", "--yes")
    assert missing.returncode == 2
    assert "No asset 'no-such-model'" in missing.stderr


def test_max_age_pages_only_when_the_gap_is_older(cli: Cli, emulator: Emulator) -> None:
    assert cli.run("status", "--max-age", "100000d").returncode == 0
    emulator.admin_post("clock/advance", {"seconds": 3 * 86400})
    emulator.admin_post("touch", {"resource": PRIMARY, "kind": "model", "id": "invoice"})
    assert cli.run("status", "--max-age", "1h").returncode == 0  # the gap is seconds old, not hours
    assert cli.run("status", "--max-age", "0s").returncode == 1


def test_fail_back_from_the_secondary(cli: Cli, emulator: Emulator) -> None:
    result = cli.run("sync", "--from", "secondary", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "old-forms" in emulator.asset_names(PRIMARY)
