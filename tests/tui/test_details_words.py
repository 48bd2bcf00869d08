"""The details modal says a failed copy in full once, and keeps the service's own message below
"Read the service's message below" (from the step's journaled detail)."""

from __future__ import annotations

from datetime import UTC, datetime

from regionsync.domain import AssetKind, AssetPair, Job, JobState, Service, Side, Step, SyncStatus
from regionsync.errors import from_service_error, service_detail
from regionsync.sync.pair import SideInfo
from regionsync.tui.screens.details import AssetDetails, advice_text

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _side(side: Side, region: str) -> SideInfo:
    return SideInfo(
        side=side, region=region, endpoint=f"https://{region}.example", resource_id="/subscriptions/x"
    )


def test_the_services_message_is_shown_below_the_advice_to_read_it() -> None:
    error = from_service_error(
        "InvalidParameter",
        "targetAzureResourceId: an Azure resource id of a Cognitive Services account is expected.",
        status=400,
        service=Service.CONTENT_UNDERSTANDING,
        side="secondary (westus2)",
    )
    job = Job(
        id="01jobid",
        profile="contoso",
        service=Service.CONTENT_UNDERSTANDING,
        kind=AssetKind.ANALYZER,
        api_version="2025-11-01",
        source_side=Side.PRIMARY,
        source_endpoint="https://eastus.example",
        target_endpoint="https://westus2.example",
        source_resource_id="/subscriptions/x/a",
        target_resource_id="/subscriptions/x/b",
        source_id="invoices",
        asset_name="invoices",
        state=JobState.FAILED,
        error=error.one_line(),
        created=T0,
        updated=T0,
        steps=[
            Step(
                job_id="01jobid",
                index=1,
                name="grant",
                state=JobState.FAILED,
                error=error.one_line(),
                detail=service_detail(error),
            ),
        ],
    )
    pair = AssetPair(kind=AssetKind.ANALYZER, name="invoices", status=SyncStatus.FAILED, reason="copy failed")
    details = AssetDetails(
        pair=pair,
        primary=_side(Side.PRIMARY, "eastus"),
        secondary=_side(Side.SECONDARY, "westus2"),
        errors={},
        last_job=job,
    )
    text = advice_text(details).plain
    assert text.count("The last copy failed") == 1
    told = text.index("What to do:")
    said = text.index("Service said (HTTP 400): [InvalidParameter] targetAzureResourceId")
    assert told < said
