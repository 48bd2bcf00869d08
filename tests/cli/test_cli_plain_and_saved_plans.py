"""Plain output in a pipe (one line per item, greppable, no box characters) and saved plans
(`plan --out FILE`, `sync --plan FILE`, refused when the world moved under the plan)."""

from __future__ import annotations

import json

from cli_support import SECONDARY, Cli, Emulator

BOX = set("│┃┌┐└┘├┤┬┴┼─━═╭╮╰╯┏┓┗┛")
BOX.discard("═")  # the in-sync glyph


def test_status_in_a_pipe_prints_one_line_per_asset_without_box_characters(cli: Cli) -> None:
    result = cli.run("status")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert sorted(lines) == sorted(
        line for line in lines if line.split(" ", 1)[0] in {"═", "→", "≠", "←", "⟳", "✗", "?"}
    )
    assert len(lines) == 3, lines  # invoice and receipt missing, old-forms extra
    by_name = {line.split("  ", 1)[0].split(" ")[-1]: line for line in lines}
    assert by_name["invoice"].startswith("→ missing model invoice  ")
    assert by_name["old-forms"].startswith("← extra model old-forms  ")
    assert not BOX & set(result.stdout)
    assert "failover readiness 0/2" in result.stderr  # the service's heading goes to stderr


def test_plain_flag_and_jobs_list_and_probe_are_one_line_per_item(cli: Cli) -> None:
    assert cli.run("sync", "--yes", "--only", "invoice").returncode == 0
    listed = cli.run("jobs", "list", "--plain")
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert " succeeded model invoice primary→secondary " in line and not BOX & set(line)
    probed = cli.run("probe")
    assert probed.returncode == 0, probed.stderr
    lines = probed.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("✓ ok document-intelligence ") for line in lines)
    tested = cli.run("profile", "test").stdout.splitlines()
    assert len(tested) == 2 and all(line.startswith("✓ ok document-intelligence ") for line in tested)


def test_a_saved_plan_is_carried_out_exactly(cli: Cli, emulator: Emulator, tmp_path: object) -> None:
    plan_file = cli.home / "tonight.plan"
    planned = cli.run("plan", "--out", str(plan_file))
    assert planned.returncode == 1, planned.stderr
    assert sorted(planned.stdout.splitlines()) == [
        line for line in sorted(planned.stdout.splitlines()) if line.startswith(("copy ", "refused "))
    ]
    saved = json.loads(plan_file.read_text())
    assert saved["profile"] == "contoso" and saved["format"] == "regionsync-plan/1"
    synced = cli.run("sync", "--plan", str(plan_file))
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert emulator.asset_names(SECONDARY) == ["invoice", "old-forms", "receipt"]


def test_sync_refuses_a_stale_plan_and_says_what_changed(cli: Cli, emulator: Emulator) -> None:
    plan_file = cli.home / "stale.plan"
    assert cli.run("plan", "--out", str(plan_file)).returncode == 1
    assert cli.run("sync", "--yes", "--only", "invoice").returncode == 0  # the world moves
    refused = cli.run("sync", "--plan", str(plan_file))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "moved since the plan" in refused.stderr
    assert "invoice: missing when planned, in sync now" in refused.stderr
    assert f"regionsync plan --out {plan_file}" in refused.stderr
    assert emulator.asset_names(SECONDARY) == ["invoice", "old-forms"], "nothing else was copied"
