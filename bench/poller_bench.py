"""Bench: 200 model copies at concurrency 16 through the emulator, the learning Poller vs a fixed tick.

Each copy is what the runner sends: authorize on the target, copyTo on the source, poll the
operation, GET the copied model. The emulator runs on a frozen clock that a virtual-time driver
advances whenever every task is idle (requests take no emulated time), so the numbers measure
the polling policy, not this machine. The baseline — measured in the same run — is the classic
client loop: first poll at once, then every `--tick` seconds (or the Retry-After), one sleeping
task per operation.

Prints, for both: emulated time over the ideal (copy time × ⌈copies / concurrency⌉) and
requests per copied model. The poller's targets: ratio ≤ 1.15, ≤ 4 requests per model.

    .venv/bin/python bench/poller_bench.py [--copies 200] [--concurrency 16] [--copy-seconds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sync.test_poller import SimClock  # the one virtual-time driver

from regionsync.domain import JobState
from regionsync.emulator.clock import Clock
from regionsync.emulator.transport import EmulatorTransport
from regionsync.emulator.world import World
from regionsync.services.base import OperationStatus
from regionsync.services.retry import parse_retry_after
from regionsync.sync.poller import Poller, PollRequest

API = {"api-version": "2024-11-30"}
STATES = {
    "notstarted": JobState.RUNNING,
    "running": JobState.RUNNING,
    "succeeded": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "canceled": JobState.CANCELED,
}

PollLoop = Callable[
    [str, float, float | None, Callable[[], Awaitable[OperationStatus]]], Awaitable[OperationStatus]
]


def _status(response: httpx.Response) -> OperationStatus:
    response.raise_for_status()
    body = response.json()
    return OperationStatus(
        state=STATES[str(body["status"]).lower()],
        percent=body.get("percentCompleted"),
        retry_after=parse_retry_after(response.headers),
        raw=body,
    )


async def run(
    copies: int, concurrency: int, copy_seconds: float, make_loop: Callable[..., PollLoop]
) -> dict[str, Any]:
    """One sync of `copies` models; returns emulated seconds and request counts."""
    emulated = Clock(speed=0)
    world = World(emulated, copy_seconds=copy_seconds)
    sim = SimClock(start=0.0, on_advance=emulated.advance)
    source = world.add_resource("bench-eus", region="eastus")
    target = world.add_resource("bench-wus", region="westus2")
    for i in range(copies):
        world.add_model("bench-eus", f"model-{i:04d}")
    requests = {"n": 0}

    async def count(_: httpx.Request) -> None:
        requests["n"] += 1

    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(
        transport=EmulatorTransport(world), event_hooks={"request": [count]}
    ) as http:
        origin = httpx.URL(world.endpoint("bench-eus"))
        poll_loop = make_loop(sim, f"{origin.scheme}://{origin.host}:{origin.port}")
        src_key = {"Ocp-Apim-Subscription-Key": source.keys[0]}
        tgt_key = {"Ocp-Apim-Subscription-Key": target.keys[0]}
        src, tgt = world.endpoint("bench-eus"), world.endpoint("bench-wus")

        async def copy(model_id: str) -> None:
            async with gate:
                auth = await http.post(
                    f"{tgt}/documentintelligence/documentModels:authorizeCopy",
                    params=API,
                    headers=tgt_key,
                    json={"modelId": model_id},
                )
                auth.raise_for_status()
                started = await http.post(
                    f"{src}/documentintelligence/documentModels/{model_id}:copyTo",
                    params=API,
                    headers=src_key,
                    json=auth.json(),
                )
                assert started.status_code == 202, started.text
                url = started.headers["Operation-Location"]

                async def poll() -> OperationStatus:
                    return _status(await http.get(url, headers=src_key))

                status = await poll_loop(model_id, sim(), parse_retry_after(started.headers), poll)
                assert status.state is JobState.SUCCEEDED, status.raw
                verify = await http.get(
                    f"{tgt}/documentintelligence/documentModels/{model_id}", params=API, headers=tgt_key
                )
                verify.raise_for_status()

        begin = sim()
        await sim.run(asyncio.gather(*(copy(f"model-{i:04d}") for i in range(copies))))
        elapsed = sim() - begin
    return {"elapsed": elapsed, "requests": requests["n"]}


def learning_poller(sim: SimClock, origin: str) -> PollLoop:
    poller = Poller(clock=sim, sleep=sim.sleep)

    async def loop(
        key: str, started: float, retry_after: float | None, poll: Callable[[], Awaitable[OperationStatus]]
    ) -> OperationStatus:
        request = PollRequest(
            key=key,
            origin=origin,
            kind="document-intelligence:model-copy",
            poll=poll,
            started_at=started,
            retry_after=retry_after,
        )
        return await poller.wait(request)

    return loop


def fixed_tick(tick: float) -> Callable[[SimClock, str], PollLoop]:
    def make(sim: SimClock, origin: str) -> PollLoop:
        async def loop(
            key: str,
            started: float,
            retry_after: float | None,
            poll: Callable[[], Awaitable[OperationStatus]],
        ) -> OperationStatus:
            while True:
                status = await poll()
                if status.finished:
                    return status
                await sim.sleep(status.retry_after or tick)

        return loop

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--copy-seconds", type=float, default=6.0)
    parser.add_argument("--tick", type=float, default=1.0, help="the baseline's fixed poll interval")
    args = parser.parse_args()
    ideal = args.copy_seconds * math.ceil(args.copies / args.concurrency)
    print(
        f"{args.copies} copies, concurrency {args.concurrency}, copy time {args.copy_seconds:g} s "
        f"→ ideal {ideal:g} s"
    )
    for name, make in (
        ("learning poller", learning_poller),
        (f"fixed {args.tick:g} s tick", fixed_tick(args.tick)),
    ):
        result = asyncio.run(run(args.copies, args.concurrency, args.copy_seconds, make))
        per_copy = result["requests"] / args.copies
        print(
            f"  {name:<18} time/ideal {result['elapsed'] / ideal:5.3f}   requests/model {per_copy:5.2f}"
            f"   (polls/model {per_copy - 3:4.2f})"
        )


if __name__ == "__main__":
    main()
