"""Pre-flight over loopback: a full target and an encrypted source are refused before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import SECONDARY, assert_no_secret, make_cli, start_emulator

WUS = '''name = "contoso-di-wus"
region = "westus2"'''


def test_a_target_over_its_limit_is_refused_in_the_plan_with_what_to_do(tmp_path: Path) -> None:
    emulator = start_emulator(tmp_path, edit={WUS: WUS + "\ncustom_model_limit = 2"})
    try:
        cli = make_cli(tmp_path, emulator)
        result = cli.run("sync", "--yes", "--json")
        assert result.returncode == 1
        events = [json.loads(line) for line in result.stdout.splitlines()]
        [plan] = events[0]["plans"]
        assert plan["quota"] == {"count": 1, "limit": 2}
        assert len(plan["copies"]) == 1 and len(plan["refusals"]) == 1
        assert "limit (1/2" in plan["refusals"][0]["why"]
        assert "delete unused models" in plan["refusals"][0]["todo"]
        assert events[-1]["succeeded"] == 1 and events[-1]["refused"] == 1
        assert len(emulator.asset_names(SECONDARY)) == 2
        assert_no_secret(cli.outputs)
    finally:
        emulator.stop()


def test_an_encrypted_source_needs_allow_degrade(tmp_path: Path) -> None:
    eus = '''name = "contoso-di-eus"
region = "eastus"'''
    emulator = start_emulator(tmp_path, edit={eus: eus + "\nencrypted = true"})
    try:
        cli = make_cli(tmp_path, emulator)
        cli.config.write_text(
            cli.config.read_text().replace(
                'key = "env:RS_KEY_CONTOSO_DI_EUS" }', 'key = "env:RS_KEY_CONTOSO_DI_EUS", encrypted = true }'
            )
        )
        cli.config.write_text(
            cli.config.read_text().replace(
                'key = "env:RS_KEY_CONTOSO_DI_WUS" }',
                'key = "env:RS_KEY_CONTOSO_DI_WUS", encrypted = false }',
            )
        )
        refused = cli.run("plan")
        assert refused.returncode == 1 and "--allow-degrade" in refused.stdout
        assert "x-ms-forms-copy-degrade" in refused.stdout
        assert emulator.asset_names(SECONDARY) == ["old-forms"]
        allowed = cli.run("sync", "--yes", "--allow-degrade")
        assert allowed.returncode == 0, allowed.stdout + allowed.stderr
        assert emulator.asset_names(SECONDARY) == ["invoice", "old-forms", "receipt"]
        assert_no_secret(cli.outputs)
    finally:
        emulator.stop()
