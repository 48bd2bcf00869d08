"""Rows and footers say one short line (what + what to do); the details and `jobs show` keep the whole
message. One step numbering everywhere: the step's place in the job's recipe, 1-based, as the panel's
live "step 2/3 copy" — the journal's row index is never shown."""

from __future__ import annotations

import io
from datetime import timedelta

from rich.console import Console
from tui_support import FROZEN_NOW

from regionsync.cli.render import job_detail, jobs_lines
from regionsync.domain import AssetKind, Job, JobState, Service, Side, Step
from regionsync.present import step_numbers
from regionsync.tui.model import job_line, short_words
from regionsync.tui.screens.details import job_text

LONG = (
    "The copy was refused: the target's region or resource id is invalid — Check the secondary's "
    "`resource_id` and `region` in the profile (`regionsync profile show`): the resource must exist, in "
    "exactly that region (e.g. westus2). Then copy again; the authorization is never reused."
)


def test_a_row_says_what_and_the_first_thing_to_do() -> None:
    short = short_words(LONG)
    assert short.startswith("The copy was refused: the target's region or resource id is invalid — Check")
    assert short.endswith("(e.g. westus2)") and "Then copy again" not in short
    said = "The target refused the copy — fix the key."
    assert short_words(said) == "The target refused the copy — fix the key"
    plain = "drifted: primary eastus changed 2024-11-20 16:02, after the secondary westus2's copy"
    assert short_words(plain) == plain


def test_step_numbers_are_the_recipe_places() -> None:
    assert step_numbers(["authorize", "copy", "copy", "verify"]) == [1, 2, 2, 3]
    assert step_numbers([]) == []


def _job() -> Job:
    created = FROZEN_NOW - timedelta(minutes=5)
    steps = [
        Step(job_id="job-1", index=0, name="authorize", state=JobState.SUCCEEDED, started=created),
        Step(job_id="job-1", index=1, name="copy", state=JobState.CANCELED, error="interrupted",
             started=created),
        Step(job_id="job-1", index=2, name="copy", state=JobState.RUNNING, percent=40, started=created),
    ]
    return Job(
        id="job-1",
        profile="contoso",
        service=Service.DOCUMENT_INTELLIGENCE,
        kind=AssetKind.MODEL,
        asset_name="w2-2023",
        source_id="w2-2023",
        source_side=Side.PRIMARY,
        source_endpoint="http://127.0.0.1:1/contoso-di-eus",
        target_endpoint="http://127.0.0.1:1/contoso-di-wus2",
        source_resource_id="/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
        target_resource_id="/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/b",
        api_version="2024-11-30",
        state=JobState.RUNNING,
        created=created,
        updated=FROZEN_NOW,
        steps=steps,
    )


def test_jobs_show_the_dashboard_and_the_panel_number_steps_alike() -> None:
    job = _job()
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(job_detail(job))
    shown = console.export_text()
    rows = [line.split()[:2] for line in shown.splitlines() if line.strip()[:1].isdigit()]
    assert rows == [["1", "authorize"], ["2", "copy"], ["2", "copy"]], shown
    assert "step 2 copy" in jobs_lines([job])[0]
    details = job_text(job).plain
    assert "step 1 authorize" in details and "step 2 copy running 40%" in details
    assert "0. authorize" not in details
    assert job_line(job).step_words() == "step 2 copy"
